// The latest stored result of every domain, from the state database, without probing.
#include "danemon/alert/alert.hpp"
#include "danemon/command/command.hpp"
#include "danemon/report/report.hpp"
#include "danemon/store/store.hpp"

namespace danemon::command {
namespace {

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

} // namespace

int run_status(const StatusRequest& request, std::ostream& out, std::ostream& err) {
    const std::string& state_dir = request.state_dir;
    std::vector<check::VerdictSummary> domains;
    std::vector<report::PendingAlert> pending;
    try {
        // Read only: status never creates or changes a state directory or database.
        auto store = store::Store::open_read_only(state_dir);
        domains = store->latest();
        for (const auto& entry : store->outbox())
            pending.push_back(pending_alert(entry));
    } catch (const store::StoreError& e) {
        err << "danemon status: " << e.what() << "\n";
        return 3;
    }
    if (domains.empty()) {
        err << "danemon status: no check has been stored yet in " << state_dir << "\n";
        return 3;
    }
    check::Status worst = check::Status::ok;
    for (const auto& d : domains)
        worst = check::worse(worst, d.status);
    if (request.json) {
        out << report::render_status_json(domains, pending);
    } else {
        report::TextOptions text;
        text.color = request.color;
        out << report::render_status_text(domains, pending, text);
    }
    return check::exit_code(worst);
}

} // namespace danemon::command
