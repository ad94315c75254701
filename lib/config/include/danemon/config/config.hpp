// The daemon's configuration: YAML parsed through one table of settings (key, type,
// default, bounds, help) into an immutable value. The same table writes the example
// configuration and the settings reference. Errors name the YAML path and line.
#pragma once

#include "danemon/check/problem.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace danemon::config {

// "alerts.email.to[1]: 'bob' is not an address (line 23)". what() is that whole sentence:
// "PATH: MESSAGE (line N); HINT", without "PATH: " when path is empty (file errors), without
// the line when it is 0 and without the hint when it is empty.
class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string path, int line, const std::string& message,
                const std::string& hint = "");
    const std::string& path() const { return path_; }
    int line() const { return line_; } // 0 when unknown (e.g. file errors)

private:
    std::string path_;
    int line_;
};

struct DomainConfig {
    std::string name;                             // normalized: lower case, no trailing dot
    std::optional<std::uint16_t> port;            // SMTP port instead of 25
    std::optional<std::chrono::seconds> interval; // instead of the global interval
    // MX host name -> certificate files the MTA loads for it (local-cert-mismatch checks).
    std::map<std::string, std::vector<std::string>> local_certs;
};

struct SyslogConfig {
    bool enabled = true;
    std::string facility = "mail";
    std::string identity = "danemon";
};

struct EmailConfig {
    bool enabled = false;
    std::vector<std::string> to;
    std::string from; // empty: danemon@<host name>
    std::string server = "127.0.0.1";
    std::uint16_t port = 25;
    std::string min_severity = "warning"; // warning | critical
};

struct ExecConfig {
    bool enabled = false;
    std::vector<std::string> command; // argv, no shell
    std::chrono::seconds timeout{30};
};

struct MetricsConfig {
    std::string listen;   // "" = off; "PORT" binds 127.0.0.1
    std::string textfile; // "" = off
};

struct Config {
    std::vector<DomainConfig> domains;
    std::chrono::seconds interval{3600};
    std::chrono::seconds jitter{300};
    std::size_t concurrency = 8;
    std::chrono::seconds timeout{30};
    std::string resolver = "auto"; // "" is auto too | embedded | ADDR[:PORT]
    std::string trust_anchor;      // "" = Debian's root key, for the embedded validator
    std::string root_hints;        // "" = the public root servers
    std::string helo_name;         // "" = host name
    int expiry_warning_days = 21;
    std::string state_directory = "/var/lib/danemon";
    std::chrono::seconds reminder_interval{86400};
    // A problem that can be a passing fault is alerted only when a re-check this long after
    // it was first seen shows it again; 0: at once.
    std::chrono::seconds confirm_delay{120};
    std::map<check::Code, check::Severity> severity; // the severity policy: code -> level
    SyslogConfig syslog;
    EmailConfig email;
    ExecConfig exec;
    MetricsConfig metrics;
};

// Throws ConfigError (for a missing or unreadable file too: one sentence naming it).
Config load_config(const std::string& path);
Config parse_config(std::string_view yaml, const std::string& source);

std::string example_config();              // config/danemon.yaml, from the settings table
std::string settings_reference_markdown(); // the README's settings table

} // namespace danemon::config
