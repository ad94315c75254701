// danemon check: resolve, probe and evaluate the given domains once, print the report and
// exit with the Nagios-style code of the worst domain.
#include "commands.hpp"
#include "danemon/check/evaluate.hpp"
#include "danemon/config/config.hpp"
#include "danemon/monitor/monitor.hpp"
#include "danemon/report/report.hpp"
#include "danemon/scan/scanner.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits.h>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace danemon::cli {
namespace {

struct CheckArgs {
    std::string resolver;
    std::uint16_t port = 0;
    bool json = false;
    double timeout = 30;
    bool show_chain = false;
    std::string save_chain;
    std::string helo;
    std::size_t concurrency = 8;
    int expiry_days = 21;
    bool no_legacy = false;
    std::vector<std::string> domains;
    std::string config;
};

std::string local_host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name) != 0 || name[0] == '\0') return "localhost";
    return name;
}

int run_check(CheckArgs args) {
    std::optional<config::Config> configured;
    if (!args.config.empty()) {
        // The configured domains (and resolver), for danemon-check.timer and cron.
        try {
            configured = config::load_config(args.config);
            const config::Config& c = *configured;
            if (args.domains.empty())
                for (const auto& d : c.domains)
                    args.domains.push_back(d.name);
            if (args.resolver.empty()) args.resolver = c.resolver;
        } catch (const std::exception& e) {
            std::cerr << "danemon check: " << e.what() << "\n";
            return 3;
        }
    }
    if (args.domains.empty()) {
        std::cerr << "danemon check: give at least one DOMAIN, or --config FILE\n";
        return 3;
    }
    dns::ResolverOptions resolver_options;
    try {
        resolver_options.server = args.resolver.empty()
                                      ? dns::system_resolver()
                                      : dns::parse_resolver_address(args.resolver);
    } catch (const std::exception& e) {
        std::cerr << "danemon check: " << e.what() << "\n";
        return 3;
    }
    resolver_options.timeout =
        std::chrono::milliseconds(static_cast<long>(std::min(args.timeout, 5.0) * 1000));
    auto resolver = dns::make_ldns_resolver(resolver_options);
    auto prober = smtp::make_starttls_prober();

    scan::ScanOptions options;
    if (args.port != 0) options.port = args.port;
    options.limits = smtp::PhaseLimits::within(
        std::chrono::milliseconds(static_cast<long>(args.timeout * 1000)));
    options.helo_name = args.helo.empty() ? local_host_name() : args.helo;
    options.concurrency = args.concurrency;
    options.probe_legacy = !args.no_legacy;
    scan::Scanner scanner(*resolver, *prober, options);

    std::vector<check::DomainFacts> facts = scanner.scan(args.domains);
    const std::time_t now = std::time(nullptr);
    check::Policy policy;
    policy.expiry_warning_days = args.expiry_days;
    if (configured) {
        for (auto& f : facts)
            monitor::attach_local_certificates(*configured, f);
    }
    // Verification is CPU work: one thread per core, domains that share an endpoint verify
    // its chain once.
    std::vector<check::DomainVerdict> verdicts(facts.size());
    check::EvaluationCache cache;
    scan::run_bounded(
        facts.size(), std::max(1U, std::thread::hardware_concurrency()),
        [&](std::size_t i) { verdicts[i] = check::evaluate(facts[i], policy, now, &cache); });
    check::Status worst = check::Status::ok;
    for (const auto& v : verdicts)
        worst = check::worse(worst, v.status);

    if (args.json) {
        std::cout << report::render_json(verdicts, now);
    } else {
        report::TextOptions text;
        text.color = isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
        text.show_chain = args.show_chain;
        std::cout << report::render_text(verdicts, text);
    }
    if (!args.save_chain.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(args.save_chain, ec);
        if (ec) {
            std::cerr << "danemon check: cannot create " << args.save_chain << ": " << ec.message()
                      << "\n";
            return 3;
        }
        try {
            for (const auto& path : report::save_chains(verdicts, args.save_chain))
                std::cerr << "saved " << path << "\n";
        } catch (const std::exception& e) {
            std::cerr << "danemon check: " << e.what() << "\n";
            return 3;
        }
    }
    return check::exit_code(worst);
}

} // namespace

void add_check_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<CheckArgs>();
    CLI::App* cmd = app.add_subcommand(
        "check", "Check DOMAIN... once: would a DANE-enforcing sender, and one that requires "
                 "TLS 1.2, deliver mail to each MX host right now?");
    cmd->footer("Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (bad arguments, internal "
                "failure).\nExample: danemon check --resolver 127.0.0.1 example.org\n"
                "         danemon check --save-chain ./chains example.org   (copy of the served "
                "certificates)");
    cmd->add_option("--resolver", args->resolver,
                    "Validating resolver ADDR[:PORT] (default: first nameserver in "
                    "/etc/resolv.conf)");
    cmd->add_option("--port", args->port, "SMTP port for every MX host instead of 25")
        ->check(CLI::Range(1, 65535));
    cmd->add_flag("--json", args->json,
                  "Print the JSON report (contract version 1) instead of text");
    cmd->add_option("--timeout", args->timeout,
                    "Seconds one MX address may take in all (connect, banner, EHLO, STARTTLS, "
                    "handshake, TLS version probes)")
        ->check(CLI::Range(0.1, 600.0))
        ->capture_default_str();
    cmd->add_flag("--show-chain", args->show_chain,
                  "Print each served chain: subject, issuer, validity, names, digests, PEM");
    cmd->add_option("--save-chain", args->save_chain,
                    "Write each served chain as PEM files into DIR (created if missing)")
        ->type_name("DIR");
    cmd->add_option("--helo", args->helo, "Name to send in EHLO (default: this host's name)");
    cmd->add_option("--concurrency", args->concurrency, "MX addresses probed at once")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--expiry-warning-days", args->expiry_days,
                    "Warn (cert-expiring) when a served certificate expires within this many days")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
    cmd->add_flag("--no-legacy-probe", args->no_legacy,
                  "Do not test whether TLS 1.0/1.1 are still accepted (saves one connection per "
                  "address, two where TLS 1.1 is accepted)");
    cmd->add_option("DOMAIN", args->domains, "Mail domains to check");
    cmd->add_option("--config", args->config,
                    "Check the domains of this configuration file (with its resolver) when no "
                    "DOMAIN is given");
    cmd->callback([&run, args] { run = [args] { return run_check(*args); }; });
}

} // namespace danemon::cli
