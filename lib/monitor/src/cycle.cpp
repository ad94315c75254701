// One check cycle: the pipeline of `danemon check` over the due domains, then, per batch,
// alert decisions and the new state committed together, then delivery from the outbox.
#include "danemon/monitor/monitor.hpp"
#include "danemon/pipeline/pipeline.hpp"

#include <chrono>
#include <map>
#include <spdlog/spdlog.h>

namespace danemon::monitor {

std::string CycleSummary::status_line() const {
    return std::to_string(domains) + " domains checked in " +
           std::to_string(static_cast<long>(seconds)) + " s: " + std::to_string(ok) + " ok, " +
           std::to_string(warning) + " warning, " + std::to_string(critical) + " critical" +
           (unknown ? ", " + std::to_string(unknown) + " unknown" : "") + "; " +
           std::to_string(alerts_pending) + " alerts pending";
}

namespace {

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

// One batch's verdicts: alerts decided against the stored states and committed with them.
void commit_batch(pipeline::Batch&& batch, CycleIo& io, std::chrono::seconds reminder,
                  std::map<std::string, metrics::DomainSample>& samples, CycleSummary& summary) {
    const std::time_t now = batch.checked_at;
    alert::Decision decision =
        alert::decide(io.store.alert_states(), batch.verdicts, now, reminder);
    std::vector<store::OutboxEntry> outbox;
    for (const auto& event : decision.events) {
        spdlog::info("alert event={} domain={} mx={} addr={} code={} severity={}",
                     alert::to_string(event.kind), event.key.domain, event.key.mx,
                     event.key.address, event.key.code, event.severity);
        for (auto* sink : io.sinks)
            outbox.push_back({0, sink->channel(), alert::to_json(event), 0, now, ""});
    }
    io.store.record_cycle(batch.verdicts, now, decision.states, outbox);
    summary.alerts_queued += outbox.size();
    for (const auto& v : batch.verdicts) {
        count(v, summary);
        spdlog::debug("checked domain={} status={}", v.domain, check::to_string(v.status));
        samples[v.domain] = metrics::DomainSample::of(v, now, batch.seconds);
    }
}

} // namespace

CycleSummary run_cycle(const config::Config& config, const std::vector<std::string>& domains,
                       CycleIo& io, std::map<std::string, metrics::DomainSample>& samples) {
    const auto started = std::chrono::steady_clock::now();
    CycleSummary summary;
    pipeline::Io pipeline_io{io.resolver, io.prober, io.clock};
    pipeline::run(pipeline::targets_of(config, domains), pipeline::settings_of(config), pipeline_io,
                  [&](pipeline::Batch&& batch) {
                      commit_batch(std::move(batch), io, config.reminder_interval, samples,
                                   summary);
                  });
    summary.alerts_delivered = alert::deliver_outbox(io.store, io.sinks, io.clock());
    summary.alerts_pending = io.store.pending();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

} // namespace danemon::monitor
