// `danemon status`: the stored summaries as text (a mark line per domain, a line per
// problem) and JSON, through the same writers as the check reports.
#include "danemon/report/report.hpp"
#include "danemon/text/text.hpp"
#include "json_parts.hpp"
#include "text_writer.hpp"

namespace danemon::report {
namespace {

check::Status worst(const std::vector<check::VerdictSummary>& domains) {
    check::Status status = check::Status::ok;
    for (const auto& d : domains)
        status = check::worse(status, d.status);
    return status;
}

std::string iso8601(std::time_t t) {
    return text::utc_text(t, text::UtcStyle::iso8601);
}

} // namespace

std::string render_status_text(const std::vector<check::VerdictSummary>& domains,
                               const std::vector<PendingAlert>& pending,
                               const TextOptions& options) {
    using text::printable;
    detail::Writer w(options);
    for (const auto& d : domains) {
        w.mark_line(0, d.status,
                    printable(d.domain) + "  " + check::to_string(d.status) + "  checked " +
                        iso8601(d.checked_at));
        for (const auto& p : d.problems) {
            if (p.severity == check::Severity::off) continue;
            std::string line = detail::problem_head(p) + ": " + printable(p.message);
            if (!p.mx.empty())
                line += " (" + printable(p.mx) +
                        (p.address.empty() ? "" : " " + printable(p.address)) + ")";
            w.plain_line(7, line);
        }
    }
    if (!pending.empty())
        w.plain_line(0, "Alerts waiting for delivery: " + std::to_string(pending.size()));
    for (const auto& a : pending) {
        std::string line =
            a.channel + "  " + a.event + " " + printable(a.code) + " " + printable(a.domain);
        if (!a.mx.empty())
            line += " (" + printable(a.mx) + (a.address.empty() ? "" : " " + printable(a.address)) +
                    ")";
        line += ": " + std::to_string(a.attempts) + " failed attempt(s), next " +
                iso8601(a.next_attempt);
        if (!a.last_error.empty()) line += "; last error: " + printable(a.last_error);
        w.plain_line(7, line);
    }
    return w.str();
}

std::string render_status_json(const std::vector<check::VerdictSummary>& domains,
                               const std::vector<PendingAlert>& pending) {
    nlohmann::json out;
    out["status"] = check::to_string(worst(domains));
    out["domains"] = nlohmann::json::array();
    for (const auto& d : domains)
        out["domains"].push_back({{"domain", text::printable(d.domain)},
                                  {"status", check::to_string(d.status)},
                                  {"checked_at", iso8601(d.checked_at)},
                                  {"problems", detail::problems_json(d.problems)}});
    out["pending_alerts"] = nlohmann::json::array();
    for (const auto& a : pending)
        out["pending_alerts"].push_back({{"channel", a.channel},
                                         {"event", a.event},
                                         {"domain", text::printable(a.domain)},
                                         {"mx", text::printable(a.mx)},
                                         {"address", text::printable(a.address)},
                                         {"code", text::printable(a.code)},
                                         {"attempts", a.attempts},
                                         {"next_attempt", iso8601(a.next_attempt)},
                                         {"last_error", text::printable(a.last_error)}});
    return out.dump(2) + "\n";
}

} // namespace danemon::report
