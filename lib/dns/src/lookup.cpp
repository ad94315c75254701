// Names of lookup outcomes as they appear in reports, and name normalization.
#include "danemon/dns/lookup.hpp"

#include "danemon/dns/resolver.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace danemon::dns {

const char* to_string(LookupStatus status) {
    switch (status) {
    case LookupStatus::secure:
        return "secure";
    case LookupStatus::insecure:
        return "insecure";
    case LookupStatus::nodata:
        return "nodata";
    case LookupStatus::nxdomain:
        return "nxdomain";
    case LookupStatus::bogus:
        return "bogus";
    case LookupStatus::error:
        return "error";
    }
    return "error";
}

std::string normalize_name(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    while (name.size() > 1 && name.back() == '.')
        name.pop_back();
    if (name == ".") name.clear();
    return name;
}

std::string tlsa_owner(const std::string& base) {
    return "_25._tcp." + normalize_name(base);
}

bool is_host_name(const std::string& name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t start = 0;
    bool top_all_digits = false;
    while (start <= name.size()) {
        std::size_t end = name.find('.', start);
        if (end == std::string::npos) end = name.size();
        const std::string_view label(name.data() + start, end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        top_all_digits = true;
        for (char ch : label) {
            const auto c = static_cast<unsigned char>(ch);
            if (!std::isalnum(c) && c != '-' && c != '_') return false;
            top_all_digits = top_all_digits && std::isdigit(c) != 0;
        }
        start = end + 1;
    }
    return !top_all_digits;
}

} // namespace danemon::dns

namespace danemon::dns {

Expected<std::string> parse_mail_domain(std::string_view text) {
    const std::string quoted = "'" + text::printable(text) + "'";
    if (text.empty()) return Error{"the domain name is empty"};
    if (std::any_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; }))
        return Error{quoted + " is not in ASCII: give its A-label (the xn-- form, e.g. from " +
                     "`idn2 " + std::string(text) + "`)"};
    std::string name = normalize_name(std::string(text));
    if (is_ip_literal(name) || (name.size() > 2 && name.front() == '[' && name.back() == ']'))
        return Error{quoted + " is an IP address, not a mail domain"};
    if (!is_host_name(name)) return Error{quoted + " is not a domain name"};
    return name;
}

Expected<std::string> parse_helo_name(std::string_view text) {
    const std::string quoted = "'" + text::printable(text) + "'";
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
        const std::string inside(text.substr(1, text.size() - 2));
        const std::string v6 = inside.rfind("IPv6:", 0) == 0 ? inside.substr(5) : inside;
        if (is_ip_literal(v6)) return std::string(text);
        return Error{quoted + " is not an address literal like [192.0.2.1] or [IPv6:2001:db8::1]"};
    }
    const std::string name = normalize_name(std::string(text));
    if (!is_host_name(name))
        return Error{quoted + " is not a host name (letters, digits, hyphens and dots) or an "
                              "address literal like [192.0.2.1]"};
    return name;
}

} // namespace danemon::dns
