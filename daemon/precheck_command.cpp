// danemon precheck: may this renewed certificate go live now without DANE senders refusing
// it? The gate for renewal hooks; see README "Rolling a key without breaking DANE".
#include "cli_checks.hpp"
#include "commands.hpp"
#include "rollover_gate.hpp"

#include <iostream>
#include <memory>

namespace danemon::cli {
namespace {

struct PrecheckArgs {
    std::string cert;
    std::vector<std::string> hosts;
    GateOptions gate;
};

} // namespace

void add_precheck_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<PrecheckArgs>();
    CLI::App* cmd = app.add_subcommand(
        "precheck", "Before deploying a renewed certificate: does the published, DNSSEC-secure "
                    "TLSA RRset already vouch for its key (and still for the served one), on every "
                    "authoritative server, for at least two TTLs?");
    cmd->footer("Exit status: 0 safe to deploy, 2 not yet (each reason, the record to publish and "
                "the earliest safe time are printed), 3 bad input.\nA run without --now notes the "
                "published "
                "records' first-seen times in the state directory (the 2 x TTL clock); a dry run "
                "with --now only judges.\nExample: danemon precheck "
                "--cert /etc/letsencrypt/live/mx.example.org/fullchain.pem");
    cmd->add_option("--cert", args->cert, "The renewed certificate or full chain (PEM)")
        ->required()
        ->check(non_empty_path());
    cmd->add_option("--host", args->hosts,
                    "MX host names the certificate serves (default: the certificate's DNS names)")
        ->check(host_name());
    add_gate_options(*cmd, args->gate);
    cmd->callback([&run, args] {
        run = [args] {
            return run_gate(args->gate, args->cert, args->hosts, std::cout, std::cerr);
        };
    });
}

} // namespace danemon::cli
