// Where a validating resolver is: "--resolver ADDR[:PORT]" or /etc/resolv.conf.
#include "danemon/dns/resolver.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace danemon::dns {
namespace {

std::uint16_t parse_port(const std::string& text, const std::string& whole) {
    if (text.empty() || text.size() > 5 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("resolver address '" + whole + "' has an invalid port");
    unsigned long port = std::stoul(text);
    if (port == 0 || port > 65535)
        throw std::invalid_argument("resolver address '" + whole +
                                    "' has a port out of range 1-65535");
    return static_cast<std::uint16_t>(port);
}

} // namespace

ResolverAddress parse_resolver_address(const std::string& text) {
    ResolverAddress result;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos)
            throw std::invalid_argument("resolver address '" + text + "' has no closing ']'");
        result.address = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':')
                throw std::invalid_argument("resolver address '" + text + "' is not [ADDR]:PORT");
            result.port = parse_port(text.substr(close + 2), text);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        auto colon = text.find(':');
        result.address = text.substr(0, colon);
        result.port = parse_port(text.substr(colon + 1), text);
    } else {
        result.address = text;
    }
    if (!facts::is_ip_literal(result.address))
        throw std::invalid_argument("resolver '" + text +
                                    "' is none of auto, embedded, or an IPv4 or IPv6 address "
                                    "(ADDR, ADDR:PORT or [V6]:PORT)");
    return result;
}

std::string to_string(const ResolverAddress& address) {
    if (address.port == 53) return address.address;
    const bool v6 = address.address.find(':') != std::string::npos;
    // Appended piecewise: g++ 12 at -O3 warns (-Wrestrict, a false positive) on
    // "literal" + std::string&&.
    std::string text;
    if (v6) text += '[';
    text += address.address;
    if (v6) text += ']';
    text += ':';
    text += std::to_string(address.port);
    return text;
}

bool is_loopback(const ResolverAddress& address) {
    in_addr v4{};
    if (inet_pton(AF_INET, address.address.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.address.c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

ResolverAddress system_resolver(const std::string& resolv_conf) {
    std::ifstream in(resolv_conf);
    if (!in) throw std::runtime_error("cannot read " + resolv_conf + "; give --resolver ADDR");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string keyword, address;
        if (words >> keyword >> address && keyword == "nameserver") {
            // A scope suffix (fe80::1%eth0) is not supported by ldns; skip such entries.
            if (address.find('%') != std::string::npos) continue;
            if (facts::is_ip_literal(address)) return ResolverAddress{address, 53};
        }
    }
    throw std::runtime_error("no nameserver in " + resolv_conf + "; give --resolver ADDR");
}

} // namespace danemon::dns
