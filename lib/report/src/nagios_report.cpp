// danemon check --nagios: output as the Nagios plugin guidelines describe it. One first line
// "DANE <STATE> - <n> critical, <m> warning: <worst problem> | <perfdata>", then one line per
// problem (the long text). Perfdata items are 'label'=value[UOM];warn;crit;min;max.
#include "danemon/report/report.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

namespace danemon::report {
namespace {

using check::Problem;
using check::Severity;
using check::Status;

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

// Printable, and without '|': the guidelines make the first '|' of a line the start of the
// performance data, so a message may not carry one.
std::string plugin_text(std::string_view bytes) {
    std::string out = text::printable(bytes);
    std::replace(out.begin(), out.end(), '|', '/');
    return out;
}

// "tlsa-mismatch on mx.example.org [192.0.2.1] (example.org)"
std::string where(const std::string& domain, const Problem& p) {
    std::string out = check::to_string(p.code);
    if (!p.mx.empty()) out += " on " + plugin_text(p.mx);
    if (!p.address.empty()) out += " [" + plugin_text(p.address) + "]";
    out += " (" + plugin_text(domain) + ")";
    return out;
}

std::string seconds_text(double seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", seconds);
    return buffer;
}

} // namespace

std::string render_nagios(const std::vector<check::DomainVerdict>& verdicts,
                          const NagiosOptions& options) {
    Status worst = Status::ok;
    int critical = 0, warning = 0;
    int per_status[4] = {0, 0, 0, 0};
    std::optional<Problem> headline; // the worst problem (as check::worse ranks), the first such
    Status headline_status = Status::ok;
    std::string headline_domain;
    std::optional<long long> soonest_days;
    std::string long_text;

    for (const auto& v : verdicts) {
        worst = check::worse(worst, v.status);
        ++per_status[static_cast<int>(v.status)];
        for (const auto& mx : v.mx)
            for (const auto& e : mx.endpoints)
                if (!e.chain.empty()) {
                    const long long days =
                        (static_cast<long long>(e.chain.front().not_after) - options.now) / 86400;
                    soonest_days = soonest_days ? std::min(*soonest_days, days) : days;
                }
        for (const auto& p : v.all_problems()) {
            if (p.severity == Severity::off) continue;
            const Status status = check::status_of(p);
            if (status == Status::critical) ++critical;
            if (status == Status::warning) ++warning;
            if (status != headline_status && check::worse(headline_status, status) == status) {
                headline = p;
                headline_status = status;
                headline_domain = v.domain;
            }
            // The problem's own level; an incomplete check is the plugin's UNKNOWN.
            const std::string level =
                upper(status == Status::unknown ? check::to_string(status)
                                                : check::to_string(p.severity));
            long_text += level + " " + where(v.domain, p) + ": " + plugin_text(p.message) + "\n";
        }
    }
    std::string summary;
    if (headline)
        summary = where(headline_domain, *headline);
    else
        summary = std::to_string(verdicts.size()) +
                  (verdicts.size() == 1 ? " domain passes" : " domains pass");

    std::string out = "DANE " + upper(check::to_string(worst)) + " - " + std::to_string(critical) +
                      " critical, " + std::to_string(warning) + " warning: " + summary + " |";
    out += " 'domains'=" + std::to_string(verdicts.size()) + ";;;0";
    for (Status s : {Status::ok, Status::warning, Status::critical, Status::unknown})
        out += " '" + std::string(check::to_string(s)) +
               "'=" + std::to_string(per_status[static_cast<int>(s)]) + ";;;0";
    out += " 'duration'=" + seconds_text(options.duration_seconds) + "s;;;0";
    // Thresholds in the guidelines' range syntax: "21:" alerts below 21 days, "0:" below 0.
    out += " 'cert_expiry_days'=" + (soonest_days ? std::to_string(*soonest_days) : "U") + ";" +
           std::to_string(options.expiry_warning_days) + ":;0:;;";
    out += "\n" + long_text;
    if (!verdicts.empty() && !verdicts.front().validator.empty())
        out += "DNSSEC: " + plugin_text(verdicts.front().validator) + "\n";
    return out;
}

} // namespace danemon::report
