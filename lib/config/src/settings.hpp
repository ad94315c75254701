// The table of settings behind lib/config: parsing, validation, the example configuration
// and the reference all read it. Internal to lib/config.
#pragma once

#include "danemon/config/config.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace danemon::config::detail {

enum class Kind {
    boolean,
    integer,       // min..max
    duration,      // seconds, min..max; "90s", "15m", "1h", "2d" or an integer of seconds
    port,          // 1..65535
    string,        // any scalar
    choice,        // one of Setting::choices
    address,       // "" or local@domain
    address_list,  // list of local@domain
    command,       // list of strings, the first an absolute path
    absolute_path, // required, absolute
    optional_path, // "" or absolute
    resolver,      // "" or ADDR[:PORT] (danemon::dns::parse_resolver_address)
    listen,        // "" or PORT or ADDR:PORT or [V6]:PORT
    domain_list,   // list of domain names or maps of the "domains[]." settings
    domain_name,   // a mail domain (dns::parse_mail_domain), normalized
    helo_name,     // "" or a host name or [address literal] (dns::parse_helo_name)
    cert_map,      // map MX host -> list of certificate files
    severity_map,  // map problem code -> info | warning | critical | off
};

// What one setting's YAML value was read into; apply() stores the relevant member.
struct Value {
    bool flag = false;
    std::int64_t number = 0; // integer, port, duration (seconds)
    std::string text;
    std::vector<std::string> list;
    std::vector<DomainConfig> domains;
    std::map<std::string, std::vector<std::string>> certs;
    std::map<check::Code, check::Severity> severities;
};

struct Setting {
    std::string_view key; // dotted path; "domains[].x" is key x of one domain map
    Kind kind;
    std::string_view default_text = {}; // the value as YAML, as the example configuration shows it
    std::int64_t min = 0;               // integer, duration
    std::int64_t max = 0;
    std::string_view choices = {}; // "a|b|c" for Kind::choice
    std::string_view required_when =
        {};                     // a boolean key: this list must not be empty when it is true
    std::string_view help = {}; // one sentence or more, no trailing newline
    void (*apply)(Config&, DomainConfig&, Value&&) = nullptr;
};

inline constexpr std::string_view domain_prefix = "domains[].";

std::span<const Setting> settings();

// "90s", "15m", "1h", "2d": the largest unit that divides the value.
std::string format_duration(std::int64_t seconds);
std::string type_name(const Setting& s);   // "duration", "list of addresses", ...
std::string bounds_text(const Setting& s); // "1m..7d", "mail, daemon, local0..local7", ""

} // namespace danemon::config::detail
