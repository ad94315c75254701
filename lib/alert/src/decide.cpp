// When to alert: on a change of state, with reminders, never once per cycle (the state
// lives in the store, so a restart does not announce everything again).
#include "danemon/alert/alert.hpp"

#include <map>
#include <set>

namespace danemon::alert {
namespace {

int rank(const std::string& severity) {
    return severity == "critical" ? 2 : severity == "warning" ? 1 : 0;
}

} // namespace

const char* to_string(EventKind kind) {
    switch (kind) {
    case EventKind::new_problem:
        return "new";
    case EventKind::worse:
        return "worse";
    case EventKind::reminder:
        return "reminder";
    case EventKind::recovered:
        return "recovered";
    }
    return "new";
}

Decision decide(const std::vector<store::AlertState>& previous,
                const std::vector<check::DomainVerdict>& verdicts, std::time_t now,
                std::chrono::seconds reminder) {
    std::set<std::string> domains;
    for (const auto& v : verdicts)
        domains.insert(v.domain);
    std::map<store::AlertKey, store::AlertState> before;
    for (const auto& s : previous)
        if (domains.count(s.key.domain)) before.emplace(s.key, s);

    Decision d;
    std::set<store::AlertKey> present;
    for (const auto& v : verdicts) {
        for (const auto& p : v.all_problems()) {
            if (p.severity == check::Severity::info) continue;
            store::AlertKey key{v.domain, p.mx, p.address, p.code};
            if (!present.insert(key).second) continue; // the same problem twice: once
            std::string severity = check::to_string(p.severity);
            auto it = before.find(key);
            store::AlertState state{key, severity, p.message, now, now};
            if (it == before.end()) {
                d.events.push_back({EventKind::new_problem, key, severity, p.message, now});
            } else {
                state.first_seen = it->second.first_seen;
                state.last_alerted = it->second.last_alerted;
                if (rank(severity) > rank(it->second.severity)) {
                    d.events.push_back({EventKind::worse, key, severity, p.message, now});
                    state.last_alerted = now;
                } else if (now - it->second.last_alerted >= reminder.count()) {
                    d.events.push_back({EventKind::reminder, key, severity, p.message, now});
                    state.last_alerted = now;
                }
                // Better but still present: remember the lower severity, so that a later
                // rise is announced again; no mail for an improvement.
            }
            d.states.push_back(std::move(state));
        }
    }
    for (const auto& [key, state] : before)
        if (!present.count(key))
            d.events.push_back({EventKind::recovered, key, state.severity, state.message, now});
    return d;
}

} // namespace danemon::alert
