// Checks of command-line values (cli_checks.hpp).
#include "cli_checks.hpp"

#include "danemon/check/codes.hpp"
#include "danemon/dns/resolver.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace danemon::cli {
namespace {

std::string number_text(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

} // namespace

CLI::Validator seconds_between(double min, double max) {
    const std::string range = number_text(min) + " to " + number_text(max);
    return CLI::Validator(
        [min, max, range](std::string& text) -> std::string {
            char* end = nullptr;
            const double value = std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) ||
                value < min || value > max)
                return "'" + text + "' is not a number of seconds from " + range;
            return {};
        },
        "SECONDS");
}

CLI::Validator mail_domain() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto name = dns::parse_mail_domain(text);
            return name ? std::string() : name.error();
        },
        "");
}

CLI::Validator host_name() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto name = dns::parse_mail_domain(text); // the same rules as for a domain
            if (name) return {};
            return "'" + text + "' is not a host name";
        },
        "");
}

CLI::Validator helo_name() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto name = dns::parse_helo_name(text);
            return name ? std::string() : name.error();
        },
        "");
}

CLI::Validator severity_rule() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto rule = check::parse_severity_rule(text);
            return rule ? std::string() : rule.error();
        },
        "");
}

CLI::Validator non_empty_path() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return text.empty() ? std::string("an empty path was given") : std::string();
        },
        "");
}

} // namespace danemon::cli
