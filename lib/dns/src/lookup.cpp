// Mail domains and EHLO names as users give them, checked and normalized.
#include "danemon/dns/resolver.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>
#include <string_view>

namespace danemon::dns {

Expected<std::string> parse_mail_domain(std::string_view text) {
    const std::string quoted = "'" + text::printable(text) + "'";
    if (text.empty()) return Error{"the domain name is empty"};
    if (std::any_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; }))
        return Error{quoted + " is not in ASCII: give its A-label (the xn-- form, e.g. from " +
                     "`idn2 " + std::string(text) + "`)"};
    std::string name = facts::normalize_name(std::string(text));
    if (facts::is_ip_literal(name) ||
        (name.size() > 2 && name.front() == '[' && name.back() == ']'))
        return Error{quoted + " is an IP address, not a mail domain"};
    if (!facts::is_host_name(name)) return Error{quoted + " is not a domain name"};
    return name;
}

Expected<std::string> parse_helo_name(std::string_view text) {
    const std::string quoted = "'" + text::printable(text) + "'";
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
        const std::string inside(text.substr(1, text.size() - 2));
        const std::string v6 = inside.rfind("IPv6:", 0) == 0 ? inside.substr(5) : inside;
        if (facts::is_ip_literal(v6)) return std::string(text);
        return Error{quoted + " is not an address literal like [192.0.2.1] or [IPv6:2001:db8::1]"};
    }
    const std::string name = facts::normalize_name(std::string(text));
    if (!facts::is_host_name(name))
        return Error{quoted + " is not a host name (letters, digits, hyphens and dots) or an "
                              "address literal like [192.0.2.1]"};
    return name;
}

} // namespace danemon::dns
