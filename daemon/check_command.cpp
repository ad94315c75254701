// danemon check: resolve, probe and evaluate the given domains once (lib/pipeline, as the
// daemon does), print the report and exit with the Nagios-style code of the worst domain.
#include "cli_checks.hpp"
#include "commands.hpp"
#include "danemon/check/codes.hpp"
#include "danemon/config/config.hpp"
#include "danemon/pipeline/pipeline.hpp"
#include "danemon/report/report.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace danemon::cli {
namespace {

struct CheckArgs {
    std::string resolver;
    std::uint16_t port = 0;
    bool json = false;
    bool nagios = false;
    std::vector<std::string> severity_rules; // CODE=LEVEL, checked by the option's validator
    double timeout = 30;
    bool show_chain = false;
    std::string save_chain;
    std::string helo;
    std::size_t concurrency = 8;
    int expiry_days = 21;
    bool no_legacy = false;
    std::vector<std::string> domains;
    std::string config;
    // Options given on the command line win over the configuration's settings.
    CLI::Option* timeout_option = nullptr;
    CLI::Option* helo_option = nullptr;
    CLI::Option* concurrency_option = nullptr;
    CLI::Option* expiry_option = nullptr;
};

int fail(const std::string& sentence) {
    std::cerr << "danemon check: " << sentence << "\n";
    return 3;
}

// The settings and targets: the configuration's when --config is given, then what the
// command line says.
struct Plan {
    pipeline::Settings settings;
    std::vector<pipeline::Target> targets;
    std::string resolver;
};

Plan plan_of(const CheckArgs& args, const std::optional<config::Config>& configured) {
    Plan plan;
    if (configured) {
        plan.settings = pipeline::settings_of(*configured);
        plan.targets = pipeline::targets_of(*configured, args.domains);
        plan.resolver = configured->resolver;
    } else {
        for (const auto& d : args.domains)
            plan.targets.push_back(pipeline::Target{d, 25, {}});
    }
    auto given = [&](const CLI::Option* option) { return !configured || option->count() > 0; };
    if (given(args.timeout_option))
        plan.settings.timeout = std::chrono::milliseconds(static_cast<long>(args.timeout * 1000));
    if (given(args.helo_option)) plan.settings.helo_name = args.helo;
    if (given(args.concurrency_option)) plan.settings.concurrency = args.concurrency;
    if (given(args.expiry_option)) plan.settings.policy.expiry_warning_days = args.expiry_days;
    // --severity adds to the configuration's severity policy; for one code it wins.
    for (const auto& rule : args.severity_rules)
        if (auto parsed = check::parse_severity_rule(rule))
            plan.settings.policy.severity[parsed->first] = parsed->second;
    plan.settings.probe_legacy = !args.no_legacy;
    // The report holds every verdict anyway: one batch, so shared MX hosts are probed once.
    plan.settings.batch_size = std::numeric_limits<std::size_t>::max();
    if (args.port != 0)
        for (auto& t : plan.targets)
            t.port = args.port;
    if (!args.resolver.empty()) plan.resolver = args.resolver;
    return plan;
}

int save_chains(const std::vector<check::DomainVerdict>& verdicts, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail("cannot create " + dir + ": " + ec.message());
    try {
        for (const auto& path : report::save_chains(verdicts, dir))
            std::cerr << "saved " << path << "\n";
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return 0;
}

int run_check(const CheckArgs& args) {
    std::optional<config::Config> configured;
    if (!args.config.empty()) {
        try {
            configured = config::load_config(args.config);
        } catch (const std::exception& e) {
            return fail(e.what());
        }
    }
    const Plan plan = plan_of(args, configured);
    if (plan.targets.empty()) return fail("give at least one DOMAIN, or --config FILE");
    dns::ResolverOptions resolver_options;
    try {
        resolver_options.server = plan.resolver.empty()
                                      ? dns::system_resolver()
                                      : dns::parse_resolver_address(plan.resolver);
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    resolver_options.timeout = pipeline::dns_query_timeout(plan.settings.timeout);
    auto resolver = dns::make_ldns_resolver(resolver_options);
    auto prober = smtp::make_starttls_prober();
    pipeline::Io io{*resolver, *prober, [] { return std::time(nullptr); }};
    const auto started = std::chrono::steady_clock::now();
    const std::vector<check::DomainVerdict> verdicts =
        pipeline::run_all(plan.targets, plan.settings, io);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    check::Status worst = check::Status::ok;
    for (const auto& v : verdicts)
        worst = check::worse(worst, v.status);

    if (args.json) {
        std::cout << report::render_json(verdicts, std::time(nullptr));
    } else if (args.nagios) {
        report::NagiosOptions nagios;
        nagios.now = std::time(nullptr);
        nagios.duration_seconds = took.count();
        nagios.expiry_warning_days = plan.settings.policy.expiry_warning_days;
        std::cout << report::render_nagios(verdicts, nagios);
    } else {
        report::TextOptions text;
        text.color = isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
        text.show_chain = args.show_chain;
        std::cout << report::render_text(verdicts, text);
    }
    if (!args.save_chain.empty())
        if (const int code = save_chains(verdicts, args.save_chain); code != 0) return code;
    return check::exit_code(worst);
}

} // namespace

void add_check_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<CheckArgs>();
    CLI::App* cmd = app.add_subcommand(
        "check", "Check DOMAIN... once: would a DANE-enforcing sender, and one that requires "
                 "TLS 1.2, deliver mail to each MX host right now?");
    cmd->footer("Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (bad arguments, internal "
                "failure), with --nagios too.\nExample: danemon check --resolver 127.0.0.1 "
                "example.org\n"
                "         danemon check --nagios --severity tls-legacy-enabled=info example.org"
                "   (an Icinga/Nagios check)\n"
                "         danemon check --save-chain ./chains example.org   (copy of the served "
                "certificates)\n"
                "         danemon check --config /etc/danemon/danemon.yaml   (the configured "
                "domains, with their ports, certificate files and settings)");
    cmd->add_option("--resolver", args->resolver,
                    "Validating resolver ADDR[:PORT] (default: the configuration's, else the "
                    "first nameserver in /etc/resolv.conf)");
    cmd->add_option("--port", args->port,
                    "SMTP port for every MX host instead of 25 (or the configured port)")
        ->check(CLI::Range(1, 65535));
    CLI::Option* json = cmd->add_flag("--json", args->json,
                                      "Print the JSON report (contract version 1) instead of text");
    cmd->add_flag("--nagios", args->nagios,
                  "Print Nagios/Icinga plugin output: a status line with performance data, then "
                  "one line per problem")
        ->excludes(json);
    cmd->add_option("--severity", args->severity_rules,
                    "Give a problem code another level: CODE=info|warning|critical|off, "
                    "repeatable (off drops it except from --json); wins over the "
                    "configuration's severity map. `danemon codes` lists the codes")
        ->type_name("CODE=LEVEL")
        ->check(severity_rule())
        ->allow_extra_args(false) // one CODE=LEVEL per --severity: DOMAIN may follow
        ->take_all();
    args->timeout_option =
        cmd->add_option("--timeout", args->timeout,
                        "Seconds one MX address may take in all (connect, banner, EHLO, "
                        "STARTTLS, handshake, TLS version probes)")
            ->check(seconds_between(0.1, 600))
            ->capture_default_str();
    cmd->add_flag("--show-chain", args->show_chain,
                  "Print each served chain: subject, issuer, validity, names, digests, PEM");
    cmd->add_option("--save-chain", args->save_chain,
                    "Write each served chain as PEM files into DIR (created if missing)")
        ->type_name("DIR")
        ->check(non_empty_path());
    args->helo_option =
        cmd->add_option("--helo", args->helo, "Name to send in EHLO (default: this host's name)")
            ->check(helo_name());
    args->concurrency_option =
        cmd->add_option("--concurrency", args->concurrency, "MX addresses probed at once")
            ->check(CLI::Range(1, 256))
            ->capture_default_str();
    args->expiry_option =
        cmd->add_option("--expiry-warning-days", args->expiry_days,
                        "Warn (cert-expiring) when a served certificate expires within this "
                        "many days")
            ->check(CLI::Range(0, 3650))
            ->capture_default_str();
    cmd->add_flag("--no-legacy-probe", args->no_legacy,
                  "Do not test whether TLS 1.0/1.1 are still accepted (saves one connection per "
                  "address, two where TLS 1.1 is accepted)");
    cmd->add_option("DOMAIN", args->domains,
                    "Mail domains to check (ASCII: an internationalized name as its A-label)")
        ->check(mail_domain());
    cmd->add_option(
        "--config", args->config,
        "Take the settings (resolver, timeout, helo_name, concurrency, "
        "expiry_warning_days, severity) and, when no DOMAIN is given, the domains (with their "
        "port and local_certs) from this configuration file; options given here "
        "win");
    cmd->callback([&run, args] { run = [args] { return run_check(*args); }; });
}

} // namespace danemon::cli
