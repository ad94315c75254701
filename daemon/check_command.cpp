// danemon check: the arguments of lib/command's run_check.
#include "cli.hpp"
#include "danemon/command/command.hpp"

#include <chrono>

namespace danemon::cli {
namespace {

// The request, and what the command line gives in another form.
struct CheckArgs {
    command::CheckRequest request;
    bool json = false;
    bool nagios = false;
    double timeout = 30;
    std::string helo;
    std::size_t concurrency = 8;
    int expiry_days = 21;
    bool no_legacy = false;
    bool no_key_probe = false;

    // Without --config every option applies; with it, only those given on the command line.
    command::CheckRequest complete(const CLI::App& cmd) const {
        command::CheckRequest r = request;
        r.format = json ? command::ReportFormat::json
                        : (nagios ? command::ReportFormat::nagios : command::ReportFormat::text);
        r.color = color_output();
        r.probe_legacy = !no_legacy;
        r.probe_keys = !no_key_probe;
        auto given = [&](const char* o) { return r.config.empty() || cmd.count(o) > 0; };
        if (given("--timeout"))
            r.timeout = std::chrono::milliseconds(static_cast<long>(timeout * 1000));
        if (given("--helo")) r.helo_name = helo;
        if (given("--concurrency")) r.concurrency = concurrency;
        if (given("--expiry-warning-days")) r.expiry_warning_days = expiry_days;
        return r;
    }
};

} // namespace

void add_check_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<CheckArgs>();
    CLI::App* cmd = app.add_subcommand(
        "check", "Check DOMAIN... once: would a DANE-enforcing sender, and one that requires "
                 "TLS 1.2, deliver mail to each MX host right now?");
    cmd->footer("Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (bad arguments, internal "
                "failure), with --nagios too.\nExample: danemon check example.org\n"
                "         danemon check --nagios --severity tls-legacy-enabled=info example.org"
                "   (an Icinga/Nagios check)\n"
                "         danemon check --save-chain ./chains example.org   (copy of the served "
                "certificates)\n"
                "         danemon check --config /etc/danemon/danemon.yaml   (the configured "
                "domains, with their ports, certificate files and settings)");
    add_resolver_options(*cmd, args->request.resolver, "the configuration's, else auto");
    cmd->add_option("--port", args->request.port,
                    "SMTP port for every MX host instead of 25 (or the configured port)")
        ->check(CLI::Range(1, 65535));
    CLI::Option* json = cmd->add_flag("--json", args->json,
                                      "Print the JSON report (contract version 1) instead of text");
    cmd->add_flag("--nagios", args->nagios,
                  "Print Nagios/Icinga plugin output: a status line with performance data, then "
                  "one line per problem")
        ->excludes(json);
    cmd->add_option("--severity", args->request.severity_rules,
                    "Give a problem code another level: CODE=info|warning|critical|off, "
                    "repeatable (off drops it except from --json); wins over the "
                    "configuration's severity map. `danemon codes` lists the codes")
        ->type_name("CODE=LEVEL")
        ->check(severity_rule())
        ->allow_extra_args(false) // one CODE=LEVEL per --severity: DOMAIN may follow
        ->take_all();
    cmd->add_option("--timeout", args->timeout,
                    "Seconds one MX address may take in all (connect, banner, EHLO, "
                    "STARTTLS, handshake, TLS version probes)")
        ->check(seconds_between(0.1, 600))
        ->capture_default_str();
    cmd->add_flag("--show-chain", args->request.show_chain,
                  "Print each served chain: subject, issuer, validity, names, digests, PEM");
    cmd->add_option("--save-chain", args->request.save_chain,
                    "Write each served chain as PEM files into DIR (created if missing)")
        ->type_name("DIR")
        ->check(non_empty_path());
    cmd->add_option("--helo", args->helo, "Name to send in EHLO (default: this host's name)")
        ->check(helo_name());
    cmd->add_option("--concurrency", args->concurrency, "MX addresses probed at once")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--expiry-warning-days", args->expiry_days,
                    "Warn (cert-expiring) when a served certificate expires within this "
                    "many days")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
    cmd->add_flag("--no-legacy-probe", args->no_legacy,
                  "Do not test whether TLS 1.0/1.1 are still accepted (saves one connection per "
                  "address, two where TLS 1.1 is accepted)");
    cmd->add_flag("--no-key-probe", args->no_key_probe,
                  "Do not ask for the certificates a server holds for other key types (ECDSA, RSA, "
                  "Ed25519), which senders with other signature algorithms are served (one more "
                  "connection per address on a server with one key, two on one with more)");
    cmd->add_option("DOMAIN", args->request.domains,
                    "Mail domains to check (ASCII: an internationalized name as its A-label)")
        ->check(mail_domain());
    cmd->add_option(
        "--config", args->request.config,
        "Take the settings (resolver, trust_anchor, root_hints, state_directory, timeout, "
        "helo_name, concurrency, expiry_warning_days, severity) and, when no DOMAIN is given, the "
        "domains (with their "
        "port and local_certs) from this configuration file; options given here "
        "win");
    cmd->callback([&run, args, cmd] {
        run = [args, cmd] {
            return command::run_check(args->complete(*cmd), std::cout, std::cerr);
        };
    });
}

} // namespace danemon::cli
