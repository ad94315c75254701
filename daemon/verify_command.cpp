// danemon verify: the arguments of lib/command's run_verify.
#include "cli.hpp"

namespace danemon::cli {

void add_verify_command(CLI::App& app, std::function<int()>& run) {
    auto request = std::make_shared<command::VerifyRequest>();
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "verify", "Judge a saved certificate chain against TLSA records offline, as a "
                  "DANE-enforcing sender would (the evaluation of check, without a server)");
    cmd->footer("Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (bad arguments, unreadable "
                "chain, no TLSA records to judge against).\n"
                "Example: danemon verify --chain ./chains/mx.example.org_192.0.2.1_25.pem "
                "--name mx.example.org --tlsa-from-dns\n"
                "         danemon verify --chain fullchain.pem --name mx.example.org --tlsa "
                "'3 1 1 0B35...' --at 2027-01-01T00:00:00Z");
    cmd->add_option("--chain", request->chain,
                    "The chain to judge: PEM, leaf first (as check --save-chain writes it), or "
                    "one DER certificate")
        ->type_name("FILE")
        ->required()
        ->check(non_empty_path());
    CLI::Option* tlsa = cmd->add_option("--tlsa", request->tlsa,
                                        "A TLSA record as published, 'USAGE SELECTOR MATCHING "
                                        "HEX'; repeatable, the whole RRset")
                            ->type_name("RECORD")
                            ->allow_extra_args(false);
    cmd->add_flag("--tlsa-from-dns", request->tlsa_from_dns,
                  "Look the records up at _25._tcp.NAME (the first --name) through the "
                  "validator --resolver chooses, DNSSEC status as in check")
        ->excludes(tlsa);
    cmd->add_option("--name", request->names,
                    "The names a DANE-TA(2) leaf must carry: the TLSA base domain first, then the "
                    "MX host and its CNAME target if they differ; repeatable")
        ->required()
        ->allow_extra_args(false)
        ->check(host_name());
    cmd->add_option("--at", request->at,
                    "Judge expiry at this time instead of now: RFC 3339 UTC "
                    "(2027-01-01T00:00:00Z) or Unix seconds")
        ->type_name("TIME");
    cmd->add_flag("--json", *json, "Print the JSON report (contract version 1) instead of text");
    cmd->add_option("--severity", request->severity_rules,
                    "Give a problem code another level, as in check: CODE=LEVEL, repeatable")
        ->type_name("CODE=LEVEL")
        ->check(severity_rule())
        ->allow_extra_args(false);
    cmd->add_option("--expiry-warning-days", request->expiry_warning_days,
                    "Warn (cert-expiring) when the leaf expires within this many days (default: "
                    "the configuration's, else 21)")
        ->check(CLI::Range(0, 3650));
    add_resolver_options(*cmd, request->resolver, "the configuration's, else auto");
    cmd->add_option("--config", request->config,
                    "Take the settings resolver, trust_anchor, root_hints, state_directory, "
                    "expiry_warning_days and severity from this configuration file");
    cmd->callback([&run, request, json] {
        request->format = *json ? command::ReportFormat::json : command::ReportFormat::text;
        request->color = color_output();
        run = [request] { return command::run_verify(*request, std::cout, std::cerr); };
    });
}

} // namespace danemon::cli
