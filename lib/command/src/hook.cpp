// The renewal hook: the gate on the certificate an ACME client (certbot, acme.sh, dehydrated,
// lego) renewed, found in its arguments or environment; --then (e.g. the MTA reload) runs only
// when every gate passes.
#include "danemon/alert/alert.hpp"
#include "danemon/command/command.hpp"
#include "danemon/config/config.hpp"
#include "danemon/hook/renewal.hpp"
#include "danemon/smtp/identity.hpp"

#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <sys/wait.h>

extern char** environ;

namespace danemon::command {
namespace {

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
void deliver_held_back(const std::optional<config::Config>& configured,
                       const alert::AlertEvent& event, std::ostream& err) {
    std::vector<std::unique_ptr<alert::AlertSink>> sinks;
    if (configured) {
        try {
            sinks = alert::make_sinks(*configured, smtp::local_host_name());
        } catch (const std::exception& e) {
            err << "danemon hook: " << e.what() << "; alerting on syslog only\n";
        }
    }
    bool has_syslog = false;
    for (const auto& sink : sinks)
        has_syslog = has_syslog || sink->channel() == "syslog";
    if (!has_syslog) sinks.push_back(alert::make_syslog_sink("danemon", "mail"));
    for (const auto& sink : sinks)
        if (auto delivered = sink->deliver(event, {}); !delivered)
            err << "danemon hook: " << sink->channel() << " alert failed: " << delivered.error()
                << "\n";
}

} // namespace

int run_hook(const HookRequest& args, std::ostream& out, std::ostream& err) {
    auto invocation = hook::parse_hook_invocation(args.client_args, environment());
    if (invocation.outcome == hook::HookOutcome::nothing_to_do) {
        out << invocation.message << "\n";
        return 0;
    }
    if (invocation.outcome == hook::HookOutcome::unrecognized) {
        err << "danemon hook: " << invocation.message << "\n";
        return 3;
    }
    // A dry run (--now) judges only: no alert, no --then, nothing recorded.
    const bool dry_run = !args.gate.now.empty();
    // A renewed certificate often names more than the MX host (imap., www.): only the names
    // DANE senders check are gated.
    GateOptions gate = args.gate;
    gate.only_dane_hosts = true;
    gate.command = "danemon hook";
    std::optional<config::Config> configured;
    if (!args.config.empty()) {
        try {
            configured = config::load_config(args.config);
        } catch (const std::exception& e) {
            err << "danemon hook: " << e.what() << "\n";
            return 3;
        }
        for (const auto& d : configured->domains)
            gate.configured_domains.push_back(d.name);
    }
    bool pass = true;
    for (const auto& cert : invocation.certificates) {
        std::ostringstream report;
        int code = run_gate(gate, cert.chain_file, cert.domains, report, err);
        out << report.str();
        if (code == 3) return 3;
        if (code != 0) {
            pass = false;
            if (dry_run) continue;
            // The renewal is held back: say so where the administrator looks.
            alert::AlertEvent event{alert::EventKind::new_problem,
                                    {cert.domains.empty() ? cert.chain_file : cert.domains.front(),
                                     "", "", "renewal-held"},
                                    check::Severity::critical,
                                    "The renewed certificate " + cert.chain_file +
                                        " was not deployed: " + report.str(),
                                    std::time(nullptr)};
            deliver_held_back(configured, event, err);
        }
    }
    if (!pass) {
        err << "danemon hook: the gate did not pass; "
            << (args.then.empty() ? "nothing deployed" : "not running: " + args.then) << "\n";
        return 2;
    }
    if (args.then.empty()) return 0;
    if (dry_run) {
        out << "Dry run: the gate passes; not running: " << args.then << "\n";
        return 0;
    }
    // --then is the administrator's own command line, as in the ACME client's hook setting.
    int status = std::system(args.then.c_str());
    if (status == -1) return 3;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

} // namespace danemon::command
