// When to alert: on a change of state, with reminders, never once per cycle (the state
// lives in the store, so a restart does not announce everything again).
#include "danemon/alert/alert.hpp"
#include "danemon/check/codes.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace danemon::alert {
namespace {

int rank(check::Severity severity) {
    return severity == check::Severity::critical ? 2 : severity == check::Severity::warning ? 1 : 0;
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

namespace {

bool announced(check::Severity severity) {
    return severity == check::Severity::warning || severity == check::Severity::critical;
}

bool needs_confirmation(const std::string& code, std::chrono::seconds confirm) {
    const auto* info = check::find_code(code);
    return confirm.count() > 0 && info != nullptr && info->transient;
}

void ask_confirmation(Decision& d, const std::string& domain, std::time_t at) {
    auto [it, added] = d.confirm_at.emplace(domain, at);
    if (!added) it->second = std::min(it->second, at);
}

// A problem that is present now, with its state before (if any).
void decide_present(Decision& d, const store::AlertKey& key, const check::Problem& p,
                    const store::AlertState* before, std::time_t now, std::chrono::seconds reminder,
                    std::chrono::seconds confirm) {
    const check::Severity severity = p.severity;
    store::AlertState state{key, severity, p.message, now, now, false};
    const bool transient = needs_confirmation(key.code, confirm);
    if (before == nullptr || before->pending) {
        const std::time_t first = before ? before->first_seen : now;
        if (transient && now - first < confirm.count()) {
            state.first_seen = first;
            state.last_alerted = 0;
            state.pending = true;
            ask_confirmation(d, key.domain, first + confirm.count());
        } else {
            state.first_seen = first;
            d.events.push_back({EventKind::new_problem, key, severity, p.message, now});
        }
    } else {
        state.first_seen = before->first_seen;
        state.last_alerted = before->last_alerted;
        if (rank(severity) > rank(before->severity)) {
            d.events.push_back({EventKind::worse, key, severity, p.message, now});
            state.last_alerted = now;
        } else if (now - before->last_alerted >= reminder.count()) {
            d.events.push_back({EventKind::reminder, key, severity, p.message, now});
            state.last_alerted = now;
        }
        // Better but still present: remember the lower severity, so that a later rise is
        // announced again; no mail for an improvement.
    }
    d.states.push_back(std::move(state));
}

} // namespace

Decision decide(const std::vector<store::AlertState>& previous,
                const std::vector<check::DomainVerdict>& verdicts, std::time_t now,
                std::chrono::seconds reminder, std::chrono::seconds confirm) {
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
            if (!announced(p.severity)) continue;
            store::AlertKey key{v.domain, p.mx, p.address, check::to_string(p.code)};
            if (!present.insert(key).second) continue; // the same problem twice: once
            const auto it = before.find(key);
            decide_present(d, key, p, it == before.end() ? nullptr : &it->second, now, reminder,
                           confirm);
        }
    }
    for (const auto& [key, state] : before) {
        if (present.count(key)) continue;
        if (observed_gone(*verdict_of.at(key.domain), key)) {
            // Gone: announce the recovery of what was announced; a pending one goes quietly.
            if (!state.pending)
                d.events.push_back({EventKind::recovered, key, state.severity, state.message, now});
        } else {
            d.states.push_back(state); // unknown this time: first seen and last alerted stay
            if (state.pending) ask_confirmation(d, key.domain, now + confirm.count());
        }
    }
    return d;
}

void mark_pending(std::vector<check::DomainVerdict>& verdicts, const Decision& decision) {
    std::set<store::AlertKey> pending;
    for (const auto& s : decision.states)
        if (s.pending) pending.insert(s.key);
    if (pending.empty()) return;
    for (auto& v : verdicts)
        v.for_each_problem([&](check::Problem& p) {
            p.pending = pending.count({v.domain, p.mx, p.address, check::to_string(p.code)}) > 0;
        });
}

} // namespace danemon::alert
