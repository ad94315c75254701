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

// Whether the verdict observed the place of a problem it no longer reports, so that the
// problem is really gone: the domain, MX host or address was looked at to the end this time,
// or it is no longer published (the MX host left the MX RRset, the address its A/AAAA RRset)
// by lookups that completed. A lookup that failed or a probe that did not get through the
// handshake observed nothing: the problem is unknown, not recovered.
bool observed_gone(const check::DomainVerdict& v, const store::AlertKey& key) {
    if (!v.complete) return false;
    if (key.mx.empty()) return true;
    const check::MxVerdict* host = nullptr;
    for (const auto& mx : v.mx)
        if (mx.host == key.mx) host = &mx;
    if (host == nullptr) return true;
    if (key.address.empty()) return host->complete;
    if (!host->lookups_complete) return false;
    for (const auto& e : host->endpoints)
        if (e.probe.endpoint.address == key.address) return e.complete;
    return true;
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
    std::map<std::string, const check::DomainVerdict*> verdict_of;
    for (const auto& v : verdicts) {
        verdict_of[v.domain] = &v;
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
    for (const auto& [key, state] : before) {
        if (present.count(key)) continue;
        if (observed_gone(*verdict_of.at(key.domain), key))
            d.events.push_back({EventKind::recovered, key, state.severity, state.message, now});
        else
            d.states.push_back(state); // unknown this time: first seen and last alerted stay
    }
    return d;
}

} // namespace danemon::alert
