// The one table of danemon's settings: key, type, default, bounds, help and where the value
// goes in Config. Parsing (load.cpp), the example configuration and the reference
// (render.cpp) all read this table; Config's member initializers hold the same defaults
// (a unit test parses the example configuration and compares).
#include "settings.hpp"

#include <array>
#include <chrono>

namespace danemon::config::detail {
namespace {

using std::chrono::seconds;

constexpr std::int64_t minute = 60;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;

const std::array table{
    Setting{.key = "domains",
            .kind = Kind::domain_list,
            .default_text = "",
            .help = "Mail domains to watch. Each is a name (example.org) or a map with the "
                    "keys below.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.domains = std::move(v.domains); }},
    Setting{.key = "domains[].name",
            .kind = Kind::domain_name,
            .default_text = "",
            .help = "The mail domain (required in the map form).",
            .apply = [](Config&, DomainConfig& d, Value&& v) { d.name = std::move(v.text); }},
    Setting{.key = "domains[].port",
            .kind = Kind::port,
            .default_text = "25",
            .min = 1,
            .max = 65535,
            .help = "SMTP port of this domain's MX hosts.",
            .apply = [](Config&, DomainConfig& d,
                        Value&& v) { d.port = static_cast<std::uint16_t>(v.number); }},
    Setting{.key = "domains[].interval",
            .kind = Kind::duration,
            .default_text = "",
            .min = minute,
            .max = 7 * day,
            .help = "How often to check this domain, instead of the global interval.",
            .apply = [](Config&, DomainConfig& d, Value&& v) { d.interval = seconds(v.number); }},
    Setting{
        .key = "domains[].local_certs",
        .kind = Kind::cert_map,
        .default_text = "{}",
        .help = "MX host name -> certificate files its MTA loads; danemon reports "
                "local-cert-mismatch when the served certificate differs.",
        .apply = [](Config&, DomainConfig& d, Value&& v) { d.local_certs = std::move(v.certs); }},
    Setting{.key = "interval",
            .kind = Kind::duration,
            .default_text = "1h",
            .min = minute,
            .max = 7 * day,
            .help = "How often each domain is checked.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.interval = seconds(v.number); }},
    Setting{.key = "jitter",
            .kind = Kind::duration,
            .default_text = "5m",
            .min = 0,
            .max = hour,
            .help = "Random delay of up to this much added to each check, so that domains do "
                    "not all run at once.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.jitter = seconds(v.number); }},
    Setting{.key = "concurrency",
            .kind = Kind::integer,
            .default_text = "8",
            .min = 1,
            .max = 256,
            .help = "MX addresses probed at once.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.concurrency = static_cast<std::size_t>(v.number); }},
    Setting{.key = "timeout",
            .kind = Kind::duration,
            .default_text = "30s",
            .min = 1,
            .max = 600,
            .help = "Time one MX address may take in all (connect, banner, EHLO, STARTTLS, "
                    "handshake, TLS version probes).",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.timeout = seconds(v.number); }},
    Setting{.key = "resolver",
            .kind = Kind::resolver,
            .default_text = "auto",
            .help = "Who validates DNSSEC: auto (the first nameserver in /etc/resolv.conf when "
                    "it is on this host and validates, else the embedded validator), embedded "
                    "(danemon validates itself, from a trust anchor), or a validating resolver "
                    "ADDR[:PORT].",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.resolver = std::move(v.text); }},
    Setting{
        .key = "trust_anchor",
        .kind = Kind::optional_path,
        .default_text = "\"\"",
        .help = "The embedded validator's trust anchor: a DS or DNSKEY file in zone-file "
                "syntax; empty: Debian's root key (/usr/share/dns/root.key), kept current "
                "by RFC 5011 in a copy in the state directory.",
        .apply = [](Config& c, DomainConfig&, Value&& v) { c.trust_anchor = std::move(v.text); }},
    Setting{.key = "root_hints",
            .kind = Kind::optional_path,
            .default_text = "\"\"",
            .help = "The embedded validator's root hints zone file (a private root); empty: "
                    "the public root servers.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.root_hints = std::move(v.text); }},
    Setting{.key = "helo_name",
            .kind = Kind::helo_name,
            .default_text = "\"\"",
            .help = "Name to send in EHLO; empty: this host's name.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.helo_name = std::move(v.text); }},
    Setting{.key = "expiry_warning_days",
            .kind = Kind::integer,
            .default_text = "21",
            .min = 0,
            .max = 3650,
            .help = "Warn (cert-expiring) when a served certificate expires within this many "
                    "days.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.expiry_warning_days = static_cast<int>(v.number); }},
    Setting{.key = "state_directory",
            .kind = Kind::absolute_path,
            .default_text = "/var/lib/danemon",
            .help = "Where danemon keeps the state of each domain between runs.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.state_directory = std::move(v.text); }},
    Setting{.key = "reminder_interval",
            .kind = Kind::duration,
            .default_text = "24h",
            .min = hour,
            .max = 30 * day,
            .help = "Repeat the alert of a problem that is still there after this long.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.reminder_interval = seconds(v.number); }},
    Setting{
        .key = "confirm_delay",
        .kind = Kind::duration,
        .default_text = "2m",
        .min = 0,
        .max = hour,
        .help = "Alert a problem that can be a passing fault (dns-error, mx-unreachable, "
                "smtp-error, tls-handshake-failed, resolver-not-validating, "
                "check-incomplete) only when a re-check this long after it was first seen "
                "shows it again; 0: at once.",
        .apply = [](Config& c, DomainConfig&, Value&& v) { c.confirm_delay = seconds(v.number); }},
    Setting{
        .key = "severity",
        .kind = Kind::severity_map,
        .default_text = "{}",
        .help = "The severity policy: problem code -> info, warning, critical or off (off: "
                "no status, alert or exit code, only in --json), e.g. "
                "{tls-legacy-enabled: info}.",
        .apply = [](Config& c, DomainConfig&, Value&& v) { c.severity = std::move(v.severities); }},
    Setting{.key = "alerts.syslog.enabled",
            .kind = Kind::boolean,
            .default_text = "true",
            .help = "Log each alert to syslog.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.syslog.enabled = v.flag; }},
    Setting{.key = "alerts.syslog.facility",
            .kind = Kind::choice,
            .default_text = "mail",
            .choices = "mail|daemon|local0|local1|local2|local3|local4|local5|local6|local7",
            .help = "Syslog facility.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.syslog.facility = std::move(v.text); }},
    Setting{.key = "alerts.syslog.identity",
            .kind = Kind::string,
            .default_text = "danemon",
            .help = "Syslog identity (program name).",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.syslog.identity = std::move(v.text); }},
    Setting{.key = "alerts.email.enabled",
            .kind = Kind::boolean,
            .default_text = "false",
            .help = "Send each alert by email.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.email.enabled = v.flag; }},
    Setting{.key = "alerts.email.to",
            .kind = Kind::address_list,
            .default_text = "[]",
            .required_when = "alerts.email.enabled",
            .help = "Recipients (local@domain); required when email alerts are enabled.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.email.to = std::move(v.list); }},
    Setting{.key = "alerts.email.from",
            .kind = Kind::address,
            .default_text = "\"\"",
            .help = "Sender address; empty: danemon@<host name>.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.email.from = std::move(v.text); }},
    Setting{
        .key = "alerts.email.server",
        .kind = Kind::string,
        .default_text = "127.0.0.1",
        .help = "SMTP server that relays the alerts.",
        .apply = [](Config& c, DomainConfig&, Value&& v) { c.email.server = std::move(v.text); }},
    Setting{.key = "alerts.email.port",
            .kind = Kind::port,
            .default_text = "25",
            .min = 1,
            .max = 65535,
            .help = "Port of that SMTP server.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.email.port = static_cast<std::uint16_t>(v.number); }},
    Setting{.key = "alerts.email.min_severity",
            .kind = Kind::choice,
            .default_text = "warning",
            .choices = "warning|critical",
            .help = "Mail only alerts of at least this severity.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.email.min_severity = std::move(v.text); }},
    Setting{.key = "alerts.exec.enabled",
            .kind = Kind::boolean,
            .default_text = "false",
            .help = "Run a command for each alert.",
            .apply = [](Config& c, DomainConfig&, Value&& v) { c.exec.enabled = v.flag; }},
    Setting{
        .key = "alerts.exec.command",
        .kind = Kind::command,
        .default_text = "[]",
        .required_when = "alerts.exec.enabled",
        .help = "Program and arguments, run without a shell; the first is an absolute "
                "path. Required when command alerts are enabled.",
        .apply = [](Config& c, DomainConfig&, Value&& v) { c.exec.command = std::move(v.list); }},
    Setting{
        .key = "alerts.exec.timeout",
        .kind = Kind::duration,
        .default_text = "30s",
        .min = 1,
        .max = 10 * minute,
        .help = "The command is killed after this long.",
        .apply = [](Config& c, DomainConfig&, Value&& v) { c.exec.timeout = seconds(v.number); }},
    Setting{
        .key = "metrics.listen",
        .kind = Kind::listen,
        .default_text = "\"\"",
        .help = "Serve Prometheus metrics on PORT (127.0.0.1), ADDR:PORT or [V6]:PORT; "
                "empty: off.",
        .apply = [](Config& c, DomainConfig&, Value&& v) { c.metrics.listen = std::move(v.text); }},
    Setting{.key = "metrics.textfile",
            .kind = Kind::optional_path,
            .default_text = "\"\"",
            .help = "Write the metrics to this file (node_exporter textfile collector) after "
                    "each run; empty: off.",
            .apply = [](Config& c, DomainConfig&,
                        Value&& v) { c.metrics.textfile = std::move(v.text); }},
};

} // namespace

std::span<const Setting> settings() {
    return table;
}

std::string format_duration(std::int64_t value) {
    if (value != 0 && value % day == 0) return std::to_string(value / day) + "d";
    if (value != 0 && value % hour == 0) return std::to_string(value / hour) + "h";
    if (value != 0 && value % minute == 0) return std::to_string(value / minute) + "m";
    return std::to_string(value) + "s";
}

std::string type_name(const Setting& s) {
    switch (s.kind) {
    case Kind::boolean:
        return "boolean";
    case Kind::integer:
        return "integer";
    case Kind::duration:
        return "duration";
    case Kind::port:
        return "port";
    case Kind::string:
        return "string";
    case Kind::choice:
        return "choice";
    case Kind::address:
        return "address";
    case Kind::address_list:
        return "list of addresses";
    case Kind::command:
        return "list of strings";
    case Kind::absolute_path:
        return "path";
    case Kind::optional_path:
        return "path";
    case Kind::resolver:
        return "string";
    case Kind::listen:
        return "listen address";
    case Kind::domain_list:
        return "list of domains";
    case Kind::domain_name:
        return "domain name";
    case Kind::helo_name:
        return "host name";
    case Kind::cert_map:
        return "map of lists of paths";
    case Kind::severity_map:
        return "map of code to level";
    }
    return "";
}

std::string bounds_text(const Setting& s) {
    switch (s.kind) {
    case Kind::integer:
    case Kind::port:
        return std::to_string(s.min) + ".." + std::to_string(s.max);
    case Kind::duration:
        return format_duration(s.min) + ".." + format_duration(s.max);
    case Kind::choice: {
        std::string out;
        std::string_view rest = s.choices;
        while (!rest.empty()) {
            auto bar = rest.find('|');
            if (!out.empty()) out += ", ";
            out += rest.substr(0, bar);
            rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
        }
        return out;
    }
    case Kind::address:
        return "empty or local@domain";
    case Kind::address_list:
        return "local@domain each";
    case Kind::command:
        return "first is an absolute path";
    case Kind::absolute_path:
        return "absolute";
    case Kind::optional_path:
        return "empty or absolute";
    case Kind::listen:
        return "empty, PORT, ADDR:PORT or [V6]:PORT";
    case Kind::domain_list:
        return "at least one, no duplicates";
    case Kind::resolver:
        return "auto, embedded or ADDR[:PORT]";
    case Kind::helo_name:
        return "empty, a host name or [ADDRESS]";
    case Kind::severity_map:
        return "codes of `danemon codes`; info, warning, critical, off";
    default:
        return "";
    }
}

} // namespace danemon::config::detail
