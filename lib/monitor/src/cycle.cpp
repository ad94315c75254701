// One check cycle: the pipeline of `danemon check` over the due domains, then, per batch,
// alert decisions and the new state committed together, then delivery from the outbox. A
// store that cannot be written is itself an alarm, and never silences the others.
#include "danemon/monitor/monitor.hpp"
#include "danemon/pipeline/pipeline.hpp"

#include <chrono>
#include <map>
#include <spdlog/spdlog.h>

namespace danemon::monitor {

std::string CycleSummary::status_line() const {
    std::string line = std::to_string(domains) + " domains checked in " +
                       std::to_string(static_cast<long>(seconds)) + " s: " + std::to_string(ok) +
                       " ok, " + std::to_string(warning) + " warning, " + std::to_string(critical) +
                       " critical" + (unknown ? ", " + std::to_string(unknown) + " unknown" : "") +
                       "; " + std::to_string(alerts_pending) + " alerts pending";
    if (store_failure) line += "; state store failing: " + *store_failure;
    return line;
}

void DaemonMemory::load(const std::vector<store::AlertState>& states) {
    alert_states.clear();
    for (const auto& s : states)
        alert_states[s.key.domain].push_back(s);
}

namespace {

constexpr const char* store_failing_code = "state-store-failing";
constexpr auto failure_log_interval = std::chrono::minutes(10);

void count(const check::DomainVerdict& v, CycleSummary& summary) {
    switch (v.status) {
    case check::Status::ok:
        ++summary.ok;
        break;
    case check::Status::warning:
        ++summary.warning;
        break;
    case check::Status::critical:
        ++summary.critical;
        break;
    case check::Status::unknown:
        ++summary.unknown;
        break;
    }
    ++summary.domains;
}

alert::AlertEvent store_event(alert::EventKind kind, const CycleIo& io, const std::string& why,
                              std::time_t now) {
    return {kind,
            {io.host_name, "", "", store_failing_code},
            check::Severity::critical,
            kind == alert::EventKind::recovered
                ? "danemon can write its state database again; alerts go through the outbox "
                  "again."
                : "danemon cannot write its state database (" + why +
                      "). Until it can, alerts go out directly from memory: none is lost while "
                      "danemon runs, but reminders, recoveries and alerts after a restart may "
                      "come late or twice. Free space on, or repair, the file system of the "
                      "state directory.",
            now};
}

void remember_unsaved(DaemonMemory& memory, const CycleIo& io, const alert::AlertEvent& event) {
    for (auto* sink : io.sinks) {
        if (memory.unsaved.size() >= DaemonMemory::max_unsaved) {
            spdlog::error("alert dropped: more than {} alerts wait while the state store fails",
                          DaemonMemory::max_unsaved);
            return;
        }
        memory.unsaved.push_back({sink->channel(), event});
    }
}

// The store refused a write: log it (error level, every time), announce it once.
void store_failed(const std::string& why, DaemonMemory& memory, const CycleIo& io,
                  std::time_t now) {
    spdlog::error("state store failing error=\"{}\"", why);
    if (!memory.store_failure)
        remember_unsaved(memory, io, store_event(alert::EventKind::new_problem, io, why, now));
    memory.store_failure = why;
}

void note_delivery_failure(DaemonMemory& memory, const std::string& channel,
                           const std::string& error) {
    ++memory.delivery_failures[channel];
    ++memory.failures_not_logged[channel];
    const auto now = std::chrono::steady_clock::now();
    const auto last = memory.failure_logged.find(channel);
    if (last != memory.failure_logged.end() && now - last->second < failure_log_interval) return;
    spdlog::warn("alert delivery failed channel={} failures={} error=\"{}\"", channel,
                 memory.failures_not_logged[channel], error);
    memory.failure_logged[channel] = now;
    memory.failures_not_logged[channel] = 0;
}

// One batch's verdicts: alerts decided against the daemon's memory and committed with the
// new state; if the commit fails, the alerts wait in memory for direct delivery.
void commit_batch(pipeline::Batch&& batch, CycleIo& io, DaemonMemory& memory,
                  const config::Config& config,
                  std::map<std::string, metrics::DomainSample>& samples, CycleSummary& summary) {
    const std::time_t now = batch.checked_at;
    std::vector<store::AlertState> previous;
    for (const auto& v : batch.verdicts)
        if (const auto it = memory.alert_states.find(v.domain); it != memory.alert_states.end())
            previous.insert(previous.end(), it->second.begin(), it->second.end());
    alert::Decision decision = alert::decide(previous, batch.verdicts, now,
                                             config.reminder_interval, config.confirm_delay);
    alert::mark_pending(batch.verdicts, decision);
    for (const auto& [domain, at] : decision.confirm_at) {
        spdlog::info("alert pending confirmation domain={} recheck_in={}s", domain,
                     std::max<std::time_t>(0, at - now));
        auto [it, added] = summary.confirm_at.emplace(domain, at);
        if (!added) it->second = std::min(it->second, at);
    }
    std::vector<store::OutboxEntry> outbox;
    for (const auto& event : decision.events) {
        spdlog::info("alert event={} domain={} mx={} addr={} code={} severity={}",
                     alert::to_string(event.kind), event.key.domain, event.key.mx,
                     event.key.address, event.key.code, check::to_string(event.severity));
        for (auto* sink : io.sinks)
            outbox.push_back({0, sink->channel(), alert::to_json(event), 0, now, ""});
    }
    const std::size_t new_entries = outbox.size();
    const bool was_failing = memory.store_failure.has_value();
    if (was_failing) { // stored with this batch if the store works again
        for (const auto& u : memory.unsaved)
            outbox.push_back({0, u.channel, alert::to_json(u.event), 0, now, ""});
        for (auto* sink : io.sinks)
            outbox.push_back({0, sink->channel(),
                              alert::to_json(store_event(alert::EventKind::recovered, io, "", now)),
                              0, now, ""});
    }
    try {
        io.store.record_cycle(batch.verdicts, now, decision.states, outbox);
        if (was_failing) spdlog::info("state store writable again");
        memory.store_failure.reset();
        memory.unsaved.clear();
    } catch (const store::StoreError& e) {
        store_failed(e.what(), memory, io, now);
        for (const auto& event : decision.events)
            remember_unsaved(memory, io, event);
    }
    summary.alerts_queued += new_entries;
    for (const auto& v : batch.verdicts)
        memory.alert_states[v.domain].clear();
    for (const auto& s : decision.states)
        memory.alert_states[s.key.domain].push_back(s);
    std::erase_if(memory.alert_states, [](const auto& e) { return e.second.empty(); });
    for (const auto& v : batch.verdicts) {
        count(v, summary);
        spdlog::debug("checked domain={} status={}", v.domain, check::to_string(v.status));
        samples[v.domain] = metrics::DomainSample::of(v, now, batch.seconds);
    }
}

// While the store fails, the waiting alerts go to their channels from memory.
void deliver_unsaved(CycleIo& io, DaemonMemory& memory, CycleSummary& summary) {
    std::vector<DaemonMemory::Unsaved> left;
    for (auto& u : memory.unsaved) {
        alert::AlertSink* sink = nullptr;
        for (auto* s : io.sinks)
            if (s->channel() == u.channel) sink = s;
        if (sink == nullptr) continue; // the channel was removed by a reload
        Expected<void> delivered = Error{""};
        try {
            delivered = sink->deliver(u.event, {});
        } catch (const std::exception& e) {
            delivered = Error{e.what()};
        }
        if (delivered) {
            ++summary.alerts_delivered;
            continue;
        }
        note_delivery_failure(memory, u.channel, delivered.error());
        left.push_back(std::move(u));
    }
    memory.unsaved = std::move(left);
}

void deliver(CycleIo& io, DaemonMemory& memory, CycleSummary& summary) {
    const std::time_t now = io.clock();
    const bool failing_before = memory.store_failure.has_value();
    if (failing_before) deliver_unsaved(io, memory, summary);
    try {
        const auto report = alert::deliver_outbox(io.store, io.sinks, now);
        summary.alerts_delivered += report.delivered;
        for (const auto& f : report.failures)
            note_delivery_failure(memory, f.channel, f.error);
        if (!memory.store_failure) io.store.checkpoint();
        memory.alerts_pending = io.store.pending() + memory.unsaved.size();
    } catch (const store::StoreError& e) {
        store_failed(e.what(), memory, io, now);
        if (!failing_before) deliver_unsaved(io, memory, summary);
        memory.alerts_pending = memory.unsaved.size();
    }
}

} // namespace

CycleSummary run_cycle(const config::Config& config, const std::vector<std::string>& domains,
                       CycleIo& io, DaemonMemory& memory,
                       std::map<std::string, metrics::DomainSample>& samples) {
    const auto started = std::chrono::steady_clock::now();
    CycleSummary summary;
    pipeline::Io pipeline_io{io.resolver, io.prober, io.clock};
    pipeline::run(pipeline::targets_of(config, domains), pipeline::settings_of(config), pipeline_io,
                  [&](pipeline::Batch&& batch) {
                      commit_batch(std::move(batch), io, memory, config, samples, summary);
                  });
    deliver(io, memory, summary);
    summary.alerts_pending = memory.alerts_pending;
    summary.store_failure = memory.store_failure;
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

} // namespace danemon::monitor
