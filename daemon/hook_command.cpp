// danemon hook: the pre-rotation gate called by an ACME client's hook (certbot, acme.sh,
// dehydrated, lego). It finds the renewed certificate in the client's arguments or
// environment, and runs --then (e.g. the MTA reload) only when every gate passes.
#include "commands.hpp"
#include "danemon/alert/alert.hpp"
#include "danemon/config/config.hpp"
#include "danemon/hook/renewal.hpp"
#include "danemon/smtp/identity.hpp"
#include "rollover_gate.hpp"

#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <sys/wait.h>

extern char** environ;

namespace danemon::cli {
namespace {

struct HookArgs {
    std::string then;
    std::string config; // alert channels (email, exec) besides syslog
    std::vector<std::string> client_args;
    GateOptions gate;
};

std::map<std::string, std::string> environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string entry(*e);
        auto eq = entry.find('=');
        if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return env;
}

// A held-back renewal is announced at once, on syslog and on the configured channels.
void deliver_held_back(const std::string& config_path, const alert::AlertEvent& event) {
    std::vector<std::unique_ptr<alert::AlertSink>> sinks;
    if (!config_path.empty()) {
        try {
            sinks = alert::make_sinks(config::load_config(config_path), smtp::local_host_name());
        } catch (const std::exception& e) {
            std::cerr << "danemon hook: " << e.what() << "; alerting on syslog only\n";
        }
    }
    bool has_syslog = false;
    for (const auto& sink : sinks)
        has_syslog = has_syslog || sink->channel() == "syslog";
    if (!has_syslog) sinks.push_back(alert::make_syslog_sink("danemon", "mail"));
    for (const auto& sink : sinks)
        if (auto delivered = sink->deliver(event, {}); !delivered)
            std::cerr << "danemon hook: " << sink->channel()
                      << " alert failed: " << delivered.error() << "\n";
}

int run_hook(const HookArgs& args) {
    auto invocation = hook::parse_hook_invocation(args.client_args, environment());
    if (invocation.outcome == hook::HookOutcome::nothing_to_do) {
        std::cout << invocation.message << "\n";
        return 0;
    }
    if (invocation.outcome == hook::HookOutcome::unrecognized) {
        std::cerr << "danemon hook: " << invocation.message << "\n";
        return 3;
    }
    // A dry run (--now) judges only: no alert, no --then, nothing recorded.
    const bool dry_run = !args.gate.now.empty();
    // A renewed certificate often names more than the MX host (imap., www.): only the names
    // DANE senders check are gated.
    GateOptions gate = args.gate;
    gate.only_dane_hosts = true;
    if (!args.config.empty()) {
        try {
            for (const auto& d : config::load_config(args.config).domains)
                gate.configured_domains.push_back(d.name);
        } catch (const std::exception& e) {
            std::cerr << "danemon hook: " << e.what() << "\n";
            return 3;
        }
    }
    bool pass = true;
    for (const auto& cert : invocation.certificates) {
        std::ostringstream report;
        int code = run_gate(gate, cert.chain_file, cert.domains, report, std::cerr);
        std::cout << report.str();
        if (code == 3) return 3;
        if (code != 0) {
            pass = false;
            if (dry_run) continue;
            // The renewal is held back: say so where the administrator looks.
            alert::AlertEvent event{alert::EventKind::new_problem,
                                    {cert.domains.empty() ? cert.chain_file : cert.domains.front(),
                                     "", "", "renewal-held"},
                                    "critical",
                                    "The renewed certificate " + cert.chain_file +
                                        " was not deployed: " + report.str(),
                                    std::time(nullptr)};
            deliver_held_back(args.config, event);
        }
    }
    if (!pass) {
        std::cerr << "danemon hook: the gate did not pass; "
                  << (args.then.empty() ? "nothing deployed" : "not running: " + args.then) << "\n";
        return 2;
    }
    if (args.then.empty()) return 0;
    if (dry_run) {
        std::cout << "Dry run: the gate passes; not running: " << args.then << "\n";
        return 0;
    }
    // --then is the administrator's own command line, as in the ACME client's hook setting.
    int status = std::system(args.then.c_str());
    if (status == -1) return 3;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

} // namespace

void add_hook_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<HookArgs>();
    CLI::App* cmd = app.add_subcommand(
        "hook", "Renewal hook for certbot, acme.sh, dehydrated or lego: run the precheck gate on "
                "the renewed certificate and run --then only when it passes");
    cmd->footer("Exit status: 0 passed (and --then's status), 2 held back, 3 bad input.\n"
                "With --now (a dry run): the gate is judged at that time; nothing is recorded, no "
                "alert is sent and --then is not run.\n"
                "Ready hook files: contrib/hooks/. Example (certbot):\n  certbot renew "
                "--deploy-hook 'danemon hook --then \"systemctl reload postfix\"'");
    cmd->add_option("--then", args->then,
                    "Command to run when every gate passes (e.g. the MTA reload)");
    cmd->add_option("--config", args->config,
                    "danemon.yaml whose alert channels (email, exec) also announce a held-back "
                    "renewal (syslog always does)");
    add_gate_options(*cmd, args->gate);
    cmd->add_option(
        "ARGS", args->client_args,
        "Arguments the ACME client passes its hook (dehydrated: deploy_cert DOMAIN ...)");
    cmd->callback([&run, args] { run = [args] { return run_hook(*args); }; });
}

} // namespace danemon::cli
