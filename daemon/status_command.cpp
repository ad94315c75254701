// danemon status: print the latest stored status of every domain from the state database,
// without probing anything, and exit with the code of the worst one.
#include "commands.hpp"
#include "danemon/alert/alert.hpp"
#include "danemon/report/report.hpp"
#include "danemon/store/store.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace danemon::cli {
namespace {

struct StatusArgs {
    std::string state_dir = "/var/lib/danemon";
    bool json = false;
};

report::PendingAlert pending_alert(const store::OutboxEntry& entry) {
    report::PendingAlert a;
    a.channel = entry.channel;
    a.attempts = entry.attempts;
    a.next_attempt = entry.next_attempt;
    a.last_error = entry.last_error;
    try {
        const alert::AlertEvent e = alert::from_json(entry.payload);
        a.event = alert::to_string(e.kind);
        a.domain = e.key.domain;
        a.mx = e.key.mx;
        a.address = e.key.address;
        a.code = e.key.code;
    } catch (const std::exception&) {
        a.event = "unreadable";
    }
    return a;
}

int run_status(const StatusArgs& args) {
    std::vector<check::VerdictSummary> domains;
    std::vector<report::PendingAlert> pending;
    try {
        // Read only: status never creates or changes a state directory or database.
        auto store = store::Store::open_read_only(args.state_dir);
        domains = store->latest();
        for (const auto& entry : store->outbox())
            pending.push_back(pending_alert(entry));
    } catch (const store::StoreError& e) {
        std::cerr << "danemon status: " << e.what() << "\n";
        return 3;
    }
    if (domains.empty()) {
        std::cerr << "danemon status: no check has been stored yet in " << args.state_dir << "\n";
        return 3;
    }
    check::Status worst = check::Status::ok;
    for (const auto& d : domains)
        worst = check::worse(worst, d.status);
    if (args.json) {
        std::cout << report::render_status_json(domains, pending);
    } else {
        report::TextOptions text;
        text.color = isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
        std::cout << report::render_status_text(domains, pending, text);
    }
    return check::exit_code(worst);
}

} // namespace

void add_status_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<StatusArgs>();
    CLI::App* cmd = app.add_subcommand(
        "status", "Print the latest stored result of every domain from the state database "
                  "(no probing, nothing written).");
    cmd->footer("Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (worst stored domain; 3 "
                "also when nothing is stored or the database cannot be read).");
    cmd->add_option("--state-dir", args->state_dir, "Directory holding danemon.db")
        ->type_name("DIR")
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Print JSON instead of text");
    cmd->callback([&run, args] { run = [args] { return run_status(*args); }; });
}

} // namespace danemon::cli
