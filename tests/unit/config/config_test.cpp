// lib/config: parsing danemon.yaml through the settings table.
#include "danemon/config/config.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

using danemon::config::Config;
using danemon::config::ConfigError;
using danemon::config::parse_config;
using namespace std::chrono_literals;

namespace {

Config parse(const std::string& yaml) {
    return parse_config(yaml, "test.yaml");
}

// The error sentence parse_config throws for yaml, or "no error".
std::string error_of(const std::string& yaml) {
    try {
        (void)parse(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not a ConfigError: ") + e.what();
    }
    return "no error";
}

// A valid document: one domain, then the extra lines.
std::string with(const std::string& extra) {
    return "domains: [example.org]\n" + extra;
}

} // namespace

TEST_CASE("defaults: only a domain given", "[config]") {
    const Config c = parse("domains:\n  - example.org\n");
    const Config d;
    REQUIRE(c.domains.size() == 1);
    CHECK(c.domains[0].name == "example.org");
    CHECK_FALSE(c.domains[0].port);
    CHECK_FALSE(c.domains[0].interval);
    CHECK(c.domains[0].local_certs.empty());
    CHECK(c.interval == 1h);
    CHECK(c.jitter == 5min);
    CHECK(c.concurrency == 8);
    CHECK(c.timeout == 30s);
    CHECK(c.resolver == "auto");
    CHECK(c.trust_anchor.empty());
    CHECK(c.root_hints.empty());
    CHECK(c.helo_name.empty());
    CHECK(c.expiry_warning_days == 21);
    CHECK(c.state_directory == "/var/lib/danemon");
    CHECK(c.reminder_interval == 24h);
    CHECK(c.syslog.enabled);
    CHECK(c.syslog.facility == "mail");
    CHECK(c.syslog.identity == "danemon");
    CHECK_FALSE(c.email.enabled);
    CHECK(c.email.to.empty());
    CHECK(c.email.from.empty());
    CHECK(c.email.server == "127.0.0.1");
    CHECK(c.email.port == 25);
    CHECK(c.email.min_severity == "warning");
    CHECK_FALSE(c.exec.enabled);
    CHECK(c.exec.command.empty());
    CHECK(c.exec.timeout == 30s);
    CHECK(c.metrics.listen.empty());
    CHECK(c.metrics.textfile.empty());
    CHECK(c.interval == d.interval);
}

TEST_CASE("config/danemon.yaml is example_config() and parses to the defaults", "[config]") {
    std::ifstream in(DANEMON_EXAMPLE_CONFIG);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    CHECK(text.str() == danemon::config::example_config());

    const Config c = parse(danemon::config::example_config());
    const Config d;
    REQUIRE(c.domains.size() == 2);
    CHECK(c.domains[0].name == "example.org");
    CHECK(c.domains[1].name == "example.net");
    CHECK(c.domains[1].port == 25);
    CHECK(c.domains[1].interval == 30min);
    CHECK(c.domains[1].local_certs.at("mx1.example.net") ==
          std::vector<std::string>{"/etc/ssl/mx1.example.net/fullchain.pem"});
    // Every setting in the example shows its default: the table agrees with Config.
    CHECK(c.interval == d.interval);
    CHECK(c.jitter == d.jitter);
    CHECK(c.concurrency == d.concurrency);
    CHECK(c.timeout == d.timeout);
    CHECK(c.resolver == d.resolver);
    CHECK(c.helo_name == d.helo_name);
    CHECK(c.expiry_warning_days == d.expiry_warning_days);
    CHECK(c.state_directory == d.state_directory);
    CHECK(c.reminder_interval == d.reminder_interval);
    CHECK(c.syslog.enabled == d.syslog.enabled);
    CHECK(c.syslog.facility == d.syslog.facility);
    CHECK(c.syslog.identity == d.syslog.identity);
    CHECK(c.email.enabled == d.email.enabled);
    CHECK(c.email.to == d.email.to);
    CHECK(c.email.from == d.email.from);
    CHECK(c.email.server == d.email.server);
    CHECK(c.email.port == d.email.port);
    CHECK(c.email.min_severity == d.email.min_severity);
    CHECK(c.exec.enabled == d.exec.enabled);
    CHECK(c.exec.command == d.exec.command);
    CHECK(c.exec.timeout == d.exec.timeout);
    CHECK(c.metrics.listen == d.metrics.listen);
    CHECK(c.metrics.textfile == d.metrics.textfile);
}

TEST_CASE("the reference names every setting", "[config]") {
    const std::string ref = danemon::config::settings_reference_markdown();
    CHECK(ref.rfind("| Key | Type | Default | Bounds | Meaning |\n", 0) == 0);
    for (const char* key :
         {"`domains`", "`domains[].local_certs`", "`interval`", "`alerts.email.min_severity`",
          "`alerts.exec.timeout`", "`metrics.textfile`"})
        CHECK(ref.find(key) != std::string::npos);
    CHECK(ref.find("| `interval` | duration | `1h` | 1m..7d |") != std::string::npos);
}

TEST_CASE("a full configuration", "[config]") {
    const Config c = parse(R"(domains:
  - Example.ORG.
  - name: example.net
    port: 2525
    interval: 2d
    local_certs:
      MX1.example.net: [/etc/ssl/a.pem, /etc/ssl/b.pem]
      mx2.example.net:
        - /etc/ssl/c.pem
interval: 15m
jitter: 0
concurrency: 256
timeout: 90s
resolver: "[::1]:5353"
helo_name: probe.example.org
expiry_warning_days: 0
state_directory: /srv/danemon
reminder_interval: 30d
alerts:
  syslog: {enabled: false, facility: local7, identity: dm}
  email:
    enabled: true
    to: [hostmaster@example.org, "ops+dane@example.net"]
    from: danemon@example.org
    server: smtp.example.org
    port: 587
    min_severity: critical
  exec:
    enabled: true
    command: [/usr/local/bin/notify, --urgent]
    timeout: 10m
metrics:
  listen: "[::1]:9410"
  textfile: /var/lib/node_exporter/danemon.prom
)");
    REQUIRE(c.domains.size() == 2);
    CHECK(c.domains[0].name == "example.org");
    CHECK(c.domains[1].port == 2525);
    CHECK(c.domains[1].interval == 48h);
    CHECK(c.domains[1].local_certs.size() == 2);
    CHECK(c.domains[1].local_certs.at("mx1.example.net") ==
          std::vector<std::string>{"/etc/ssl/a.pem", "/etc/ssl/b.pem"});
    CHECK(c.interval == 15min);
    CHECK(c.jitter == 0s);
    CHECK(c.concurrency == 256);
    CHECK(c.timeout == 90s);
    CHECK(c.resolver == "[::1]:5353");
    CHECK(c.helo_name == "probe.example.org");
    CHECK(c.expiry_warning_days == 0);
    CHECK(c.state_directory == "/srv/danemon");
    CHECK(c.reminder_interval == 720h);
    CHECK_FALSE(c.syslog.enabled);
    CHECK(c.syslog.facility == "local7");
    CHECK(c.syslog.identity == "dm");
    CHECK(c.email.enabled);
    CHECK(c.email.to == std::vector<std::string>{"hostmaster@example.org", "ops+dane@example.net"});
    CHECK(c.email.from == "danemon@example.org");
    CHECK(c.email.server == "smtp.example.org");
    CHECK(c.email.port == 587);
    CHECK(c.email.min_severity == "critical");
    CHECK(c.exec.enabled);
    CHECK(c.exec.command == std::vector<std::string>{"/usr/local/bin/notify", "--urgent"});
    CHECK(c.exec.timeout == 600s);
    CHECK(c.metrics.listen == "[::1]:9410");
    CHECK(c.metrics.textfile == "/var/lib/node_exporter/danemon.prom");
}

TEST_CASE("durations", "[config]") {
    CHECK(parse(with("interval: 90s")).interval == 90s);
    CHECK(parse(with("interval: 15m")).interval == 15min);
    CHECK(parse(with("interval: 1h")).interval == 1h);
    CHECK(parse(with("interval: 2d")).interval == 48h);
    CHECK(parse(with("interval: 120")).interval == 120s);
    CHECK(error_of(with("interval: 1h30m")) ==
          "interval: expected a duration like 90s, 15m, 1h or 2d, got '1h30m' (line 2)");
    CHECK(error_of(with("interval: 5w")) ==
          "interval: expected a duration like 90s, 15m, 1h or 2d, got '5w' (line 2)");
    CHECK(error_of(with("interval: -5m")) ==
          "interval: expected a duration like 90s, 15m, 1h or 2d, got '-5m' (line 2)");
    CHECK(error_of(with("interval: m")) ==
          "interval: expected a duration like 90s, 15m, 1h or 2d, got 'm' (line 2)");
    CHECK(error_of(with("interval: [1h]")) ==
          "interval: expected a duration like 90s, 15m, 1h or 2d, got a list (line 2)");
    CHECK(error_of(with("interval: 99999999999999999999d")) ==
          "interval: 99999999999999999999d is above the maximum 7d (line 2)");
}

TEST_CASE("bounds: minimum and maximum accepted, one past rejected, never clamped", "[config]") {
    CHECK(parse(with("interval: 1m")).interval == 60s);
    CHECK(parse(with("interval: 7d")).interval == 168h);
    CHECK(error_of("domains: [example.org]\ninterval: 30s\n") ==
          "interval: 30s is below the minimum 1m (line 2)");
    CHECK(error_of(with("interval: 59")) == "interval: 59 is below the minimum 1m (line 2)");
    CHECK(error_of(with("interval: 604801")) ==
          "interval: 604801 is above the maximum 7d (line 2)");

    CHECK(parse(with("jitter: 1h")).jitter == 1h);
    CHECK(error_of(with("jitter: 3601s")) == "jitter: 3601s is above the maximum 1h (line 2)");

    CHECK(parse(with("concurrency: 1")).concurrency == 1);
    CHECK(parse(with("concurrency: 256")).concurrency == 256);
    CHECK(error_of(with("concurrency: 0")) == "concurrency: 0 is below the minimum 1 (line 2)");
    CHECK(error_of(with("concurrency: 257")) ==
          "concurrency: 257 is above the maximum 256 (line 2)");
    CHECK(error_of(with("concurrency: -3")) == "concurrency: -3 is below the minimum 1 (line 2)");

    CHECK(parse(with("timeout: 1s")).timeout == 1s);
    CHECK(parse(with("timeout: 600s")).timeout == 600s);
    CHECK(error_of(with("timeout: 0s")) == "timeout: 0s is below the minimum 1s (line 2)");
    CHECK(error_of(with("timeout: 601")) == "timeout: 601 is above the maximum 10m (line 2)");

    CHECK(parse(with("expiry_warning_days: 3650")).expiry_warning_days == 3650);
    CHECK(error_of(with("expiry_warning_days: 3651")) ==
          "expiry_warning_days: 3651 is above the maximum 3650 (line 2)");
    CHECK(error_of(with("expiry_warning_days: -1")) ==
          "expiry_warning_days: -1 is below the minimum 0 (line 2)");

    CHECK(parse(with("reminder_interval: 1h")).reminder_interval == 1h);
    CHECK(parse(with("reminder_interval: 30d")).reminder_interval == 720h);
    CHECK(error_of(with("reminder_interval: 59m")) ==
          "reminder_interval: 59m is below the minimum 1h (line 2)");
    CHECK(error_of(with("reminder_interval: 31d")) ==
          "reminder_interval: 31d is above the maximum 30d (line 2)");

    CHECK(parse(with("alerts: {exec: {timeout: 10m}}")).exec.timeout == 600s);
    CHECK(error_of(with("alerts: {exec: {timeout: 601s}}")) ==
          "alerts.exec.timeout: 601s is above the maximum 10m (line 2)");

    CHECK(parse(with("alerts: {email: {port: 65535}}")).email.port == 65535);
    CHECK(error_of(with("alerts: {email: {port: 65536}}")) ==
          "alerts.email.port: 65536 is above the maximum 65535 (line 2)");
    CHECK(error_of(with("alerts: {email: {port: 0}}")) ==
          "alerts.email.port: 0 is below the minimum 1 (line 2)");
}

TEST_CASE("wrong types", "[config]") {
    CHECK(error_of("domains: [example.org]\n\n\n\n\n\nconcurrency: [1, 2]\n") ==
          "concurrency: expected an integer, got a list (line 7)");
    CHECK(error_of(with("concurrency: eight")) ==
          "concurrency: expected an integer, got 'eight' (line 2)");
    CHECK(error_of(with("concurrency: 8.5")) ==
          "concurrency: expected an integer, got '8.5' (line 2)");
    CHECK(error_of(with("concurrency:")) ==
          "concurrency: expected an integer, got nothing (line 2)");
    CHECK(error_of(with("helo_name: {a: b}")) ==
          "helo_name: expected a host name, got a map (line 2)");
    CHECK(error_of(with("alerts:\n  syslog:\n    enabled: maybe")) ==
          "alerts.syslog.enabled: expected true or false, got 'maybe' (line 4)");
    CHECK(error_of(with("alerts: [syslog]")) == "alerts: expected a map, got a list (line 2)");
    CHECK(error_of("- example.org\n") ==
          "test.yaml: expected a map of settings, got a list (line 1)");
    CHECK(error_of(with("alerts:\n  syslog:\n    facility: kern")) ==
          "alerts.syslog.facility: 'kern' is not one of mail, daemon, local0, local1, local2, "
          "local3, local4, local5, local6, local7 (line 4)");
    CHECK(error_of(with("alerts: {email: {min_severity: info}}")) ==
          "alerts.email.min_severity: 'info' is not one of warning, critical (line 2)");
}

TEST_CASE("unknown keys, with a suggestion", "[config]") {
    CHECK(
        error_of("domains: [example.org]\nalerts:\n  syslog: {}\n  emial:\n    enabled: true\n") ==
        "alerts.emial: unknown key (line 4); did you mean 'email'?");
    CHECK(error_of(with("intervall: 1h")) ==
          "intervall: unknown key (line 2); did you mean 'interval'?");
    CHECK(error_of(with("frobnicate: 1")) == "frobnicate: unknown key (line 2)");
    CHECK(error_of("domains:\n  - name: example.org\n    prot: 25\n") ==
          "domains[0].prot: unknown key (line 3); did you mean 'port'?");
    CHECK(error_of(with("interval: 1h\ninterval: 2h")) == "interval: given twice (line 3)");
}

TEST_CASE("addresses", "[config]") {
    const std::string yaml = R"(domains: [example.org]
alerts:
  email:
    enabled: true
    to:
      - alice@example.org
      - bob
)";
    CHECK(error_of(yaml) == "alerts.email.to[1]: 'bob' is not an address (line 7)");
    CHECK(error_of(with("alerts: {email: {to: [a@b@example.org]}}")) ==
          "alerts.email.to[0]: 'a@b@example.org' is not an address (line 2)");
    CHECK(error_of(with("alerts: {email: {to: [alice@localhost]}}")) ==
          "alerts.email.to[0]: 'alice@localhost' is not an address (line 2)");
    CHECK(error_of(with("alerts: {email: {to: alice@example.org}}")) ==
          "alerts.email.to: expected a list of addresses, got 'alice@example.org' (line 2)");
    CHECK(error_of(with("alerts: {email: {from: danemon}}")) ==
          "alerts.email.from: 'danemon' is not an address (line 2)");
    CHECK(error_of(with("resolver: 127.0.0.1:99999")) ==
          "resolver: resolver address '127.0.0.1:99999' has a port out of range 1-65535 (line 2)");
    CHECK(parse(with("resolver: 127.0.0.1:53")).resolver == "127.0.0.1:53");
    CHECK(parse(with("metrics: {listen: 9410}")).metrics.listen == "9410");
    CHECK(parse(with("metrics: {listen: 0.0.0.0:9410}")).metrics.listen == "0.0.0.0:9410");
    CHECK(error_of(with("metrics: {listen: localhost:9410}")) ==
          "metrics.listen: 'localhost:9410' is not PORT, ADDR:PORT or [V6]:PORT (line 2)");
    CHECK(error_of(with("metrics: {listen: 70000}")) ==
          "metrics.listen: '70000' is not PORT, ADDR:PORT or [V6]:PORT (line 2)");
    CHECK(error_of(with("metrics: {textfile: danemon.prom}")) ==
          "metrics.textfile: 'danemon.prom' is not an absolute path (line 2)");
    CHECK(error_of(with("state_directory: var/lib/danemon")) ==
          "state_directory: 'var/lib/danemon' is not an absolute path (line 2)");
    CHECK(error_of(with("state_directory: \"\"")) ==
          "state_directory: an absolute path is required (line 2)");
    CHECK(error_of(with("alerts: {exec: {enabled: true, command: [notify, x]}}")) ==
          "alerts.exec.command[0]: 'notify' is not an absolute path (line 2)");
}

TEST_CASE("required when enabled", "[config]") {
    std::string yaml = "domains: [example.org]\n";
    for (int i = 0; i < 16; ++i)
        yaml += "\n";
    yaml += "alerts:\n  email:\n    enabled: true\n"; // enabled on line 20
    CHECK(error_of(yaml) ==
          "alerts.email.to: required when alerts.email.enabled is true (line 20)");
    CHECK(error_of(with("alerts:\n  email:\n    enabled: true\n    to: []")) ==
          "alerts.email.to: required when alerts.email.enabled is true (line 5)");
    CHECK(error_of(with("alerts:\n  exec:\n    enabled: true")) ==
          "alerts.exec.command: required when alerts.exec.enabled is true (line 4)");
    // Not required while disabled.
    CHECK(parse(with("alerts: {email: {enabled: false}, exec: {enabled: false}}")).domains.size() ==
          1);
}

TEST_CASE("domain forms", "[config]") {
    const Config c = parse(R"(domains:
  - example.org
  - name: example.net
  - {name: example.com, port: 587}
)");
    REQUIRE(c.domains.size() == 3);
    CHECK(c.domains[1].name == "example.net");
    CHECK_FALSE(c.domains[1].port);
    CHECK(c.domains[2].port == 587);

    CHECK(error_of("domains:\n  - example.org\n  - port: 25\n") ==
          "domains[1].name: required (line 3)");
    CHECK(error_of("domains:\n  - exa mple.org\n") ==
          "domains[0]: 'exa mple.org' is not a domain name (line 2)");
    CHECK(error_of("domains:\n  - -bad.example\n") ==
          "domains[0]: '-bad.example' is not a domain name (line 2)");
    CHECK(error_of("domains:\n  - [example.org]\n") ==
          "domains[0]: expected a domain name or a map, got a list (line 2)");
    CHECK(error_of("domains: example.org\n") ==
          "domains: expected a list of domains, got 'example.org' (line 1)");
    CHECK(error_of("domains:\n  - {name: example.org, port: 0}\n") ==
          "domains[0].port: 0 is below the minimum 1 (line 2)");
    CHECK(error_of("domains:\n  - name: example.org\n    interval: 30s\n") ==
          "domains[0].interval: 30s is below the minimum 1m (line 3)");
}

TEST_CASE("duplicate domains", "[config]") {
    const std::string yaml = R"(domains:
  - example.org
  - example.net
  - example.com
  - Example.org.
)";
    CHECK(error_of(yaml) == "domains[3]: example.org is listed twice (line 5)");
    CHECK(error_of("domains:\n  - example.org\n  - name: example.org\n") ==
          "domains[1]: example.org is listed twice (line 3)");
}

TEST_CASE("local_certs", "[config]") {
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs: [/a.pem]\n") ==
          "domains[0].local_certs: expected a map of MX host -> certificate files, got a list "
          "(line 3)");
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs:\n      mx1.example.org: "
                   "/a.pem\n") ==
          "domains[0].local_certs.mx1.example.org: expected a list of certificate files, got "
          "'/a.pem' (line 4)");
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs:\n      mx1.example.org: "
                   "[]\n") ==
          "domains[0].local_certs.mx1.example.org: at least one certificate file is required "
          "(line 4)");
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs:\n      bad host: [/a]\n") ==
          "domains[0].local_certs.bad host: 'bad host' is not a host name (line 4)");
}

TEST_CASE("no domains", "[config]") {
    CHECK(error_of("") == "domains: at least one domain is required");
    CHECK(error_of("# only a comment\n") == "domains: at least one domain is required");
    CHECK(error_of("interval: 1h\n") == "domains: at least one domain is required");
    CHECK(error_of("domains: []\n") == "domains: at least one domain is required (line 1)");
}

TEST_CASE("YAML syntax errors carry yaml-cpp's message and the line", "[config]") {
    CHECK(error_of("domains: [example.org\ninterval: 1h\n") ==
          "test.yaml: end of sequence flow not found (line 2)");
    CHECK(error_of("domains:\n  - example.org\n interval: 1h\n") ==
          "test.yaml: end of map not found (line 3)");
}

TEST_CASE("load_config: missing file", "[config]") {
    try {
        (void)danemon::config::load_config("/nonexistent/danemon.yaml");
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              "cannot read /nonexistent/danemon.yaml: No such file or directory");
        CHECK(e.line() == 0);
    }
    CHECK(danemon::config::load_config(DANEMON_EXAMPLE_CONFIG).domains.size() == 2);
}

TEST_CASE("a control byte in the file gives a one-line error (found by fuzz_config)") {
    std::string message = error_of(std::string("domains: [example.org]\ninterval: \"90\\\x01\"\n"));
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\x01') == std::string::npos);
    CHECK_THAT(message, Catch::Contains("\\x01"));
}

TEST_CASE("bad local input in the configuration is refused with the rule the command line uses",
          "[config]") {
    CHECK(error_of(with("helo_name: \"mx.example.org\\r\\nMAIL FROM:<x>\"")) ==
          "helo_name: 'mx.example.org\\x0d\\x0aMAIL FROM:<x>' is not a host name (letters, digits, "
          "hyphens and dots) or an address literal like [192.0.2.1] (line 2)");
    CHECK(error_of("domains: [192.0.2.1]\n") ==
          "domains[0]: '192.0.2.1' is an IP address, not a mail domain (line 1)");
    CHECK(error_of("domains: [a.test]\n---\ndomains: [b.test]\n") ==
          "test.yaml: the file holds 2 YAML documents (separated by ---), danemon reads exactly "
          "one (line 2); merge them into one");
    // Found by fuzzing: yaml-cpp yields empty documents forever on a stray ',' and reading
    // them all ran out of memory.
    CHECK(error_of(",a") == "test.yaml: unexpected ',' at column 1, which starts no YAML value "
                            "(line 1); a ',' belongs inside [ ] or { }");
    CHECK(error_of("domains: [a.test]\n---\n,a\n").find("unexpected ','") != std::string::npos);
}

TEST_CASE("local_certs entries that are no certificate files are refused", "[config]") {
    const std::string dir = std::filesystem::temp_directory_path().string();
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs:\n      mx.example.org: [" +
                   dir + "]\n") ==
          "domains[0].local_certs.mx.example.org: '" + dir +
              "' is a directory, not a certificate file (line 4); name the file in it, e.g. " +
              dir + "/fullchain.pem");
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs:\n      mx.example.org: "
                   "[/dev/zero]\n") ==
          "domains[0].local_certs.mx.example.org: '/dev/zero' is a character device, not a "
          "certificate file (line 4)");
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs:\n      mx.example.org: "
                   "[certs/x.pem]\n") ==
          "domains[0].local_certs.mx.example.org: 'certs/x.pem' is not an absolute path (line 4)");
    // A file that does not exist yet is reported at each check, not refused here.
    CHECK(error_of("domains:\n  - name: example.org\n    local_certs:\n      mx.example.org: "
                   "[/nonexistent/fullchain.pem]\n") == "no error");
}

TEST_CASE("confirm_delay and the severity map", "[config]") {
    const auto defaults = parse(with(""));
    CHECK(defaults.confirm_delay == std::chrono::seconds(120));
    CHECK(defaults.severity.empty());
    const auto c = parse(with("confirm_delay: 0s\nseverity:\n  tls-legacy-enabled: info\n"
                              "  cert-expiring: critical\n  null-mx: off\n"));
    CHECK(c.confirm_delay == std::chrono::seconds(0));
    using danemon::check::Code;
    CHECK(c.severity == std::map<Code, danemon::check::Severity>{
                            {Code::tls_legacy_enabled, danemon::check::Severity::info},
                            {Code::cert_expiring, danemon::check::Severity::critical},
                            {Code::null_mx, danemon::check::Severity::off}});
    CHECK(error_of(with("confirm_delay: 2h")) ==
          "confirm_delay: 2h is above the maximum 1h (line 2)");
    CHECK(error_of(with("severity:\n  tls-legacy-enable: info\n")) ==
          "severity.tls-legacy-enable: unknown problem code (line 3); did you mean "
          "'tls-legacy-enabled'?");
    CHECK(error_of(with("severity:\n  frobnicate: info\n")) ==
          "severity.frobnicate: unknown problem code (line 3); `danemon codes` lists them");
    CHECK(error_of(with("severity:\n  null-mx: loud\n")) ==
          "severity.null-mx: 'loud' is not one of info, warning, critical, off (line 3)");
    CHECK(error_of(with("severity: [null-mx]\n")) ==
          "severity: expected a map of problem code -> level, got a list (line 2)");
}
