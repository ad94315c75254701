// One check cycle: the same resolve/probe/evaluate path as `danemon check`, then alert
// decisions and the new state committed together, then delivery from the outbox.
#include "danemon/check/evaluate.hpp"
#include "danemon/monitor/monitor.hpp"
#include "danemon/rollover/publish.hpp"
#include "danemon/scan/scanner.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
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

// The files the MTA loads (local_certs), read at every cycle: a renewal shows up here
// before the MTA reloads and before any sender sees it.
void attach_local_certificates(const config::Config& config, check::DomainFacts& facts) {
    for (const auto& d : config.domains) {
        if (d.name != facts.domain) continue;
        for (auto& host : facts.hosts) {
            auto it = d.local_certs.find(host.mx.host);
            if (it == d.local_certs.end()) continue;
            for (const auto& path : it->second) {
                check::MxHostFacts::LocalCertificate local;
                local.path = path;
                std::ifstream in(path, std::ios::binary);
                std::string contents{std::istreambuf_iterator<char>(in),
                                     std::istreambuf_iterator<char>()};
                if (!in && !in.eof())
                    local.error = std::string("cannot read it: ") + std::strerror(errno);
                else if (auto file = rollover::read_certificate_file(contents); !file.error.empty())
                    local.error = std::move(file.error);
                else if (auto problem = rollover::leaf_problem(file.chain); !problem.empty())
                    local.error = std::move(problem);
                else
                    local.chain.der = std::move(file.chain);
                host.local_certificates.push_back(std::move(local));
            }
        }
    }
}

namespace {

// One batch: scanned together (probes deduplicated across its domains), evaluated, and
// committed with its alerts in one transaction.
void run_batch(const config::Config& config, const std::vector<std::string>& batch,
               std::uint16_t port, CycleIo& io,
               std::map<std::string, metrics::DomainSample>& samples, CycleSummary& summary) {
    const auto started = std::chrono::steady_clock::now();
    check::Policy policy;
    policy.expiry_warning_days = config.expiry_warning_days;
    scan::ScanOptions options;
    if (port != 25) options.port = port;
    options.concurrency = config.concurrency;
    options.helo_name = config.helo_name.empty() ? "localhost" : config.helo_name;
    options.limits = smtp::PhaseLimits::within(
        std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout));
    scan::Scanner scanner(io.resolver, io.prober, options);
    std::vector<check::DomainVerdict> verdicts;
    {
        auto facts = scanner.scan(batch);
        const std::time_t now = io.clock();
        for (auto& f : facts) {
            attach_local_certificates(config, f);
            verdicts.push_back(check::evaluate(f, policy, now));
        }
    }
    const std::time_t now = io.clock();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    alert::Decision decision =
        alert::decide(io.store.alert_states(), verdicts, now, config.reminder_interval);
    std::vector<store::OutboxEntry> outbox;
    for (const auto& event : decision.events) {
        spdlog::info("alert event={} domain={} mx={} addr={} code={} severity={}",
                     alert::to_string(event.kind), event.key.domain, event.key.mx,
                     event.key.address, event.key.code, event.severity);
        for (auto* sink : io.sinks)
            outbox.push_back({0, sink->channel(), alert::to_json(event), 0, now, ""});
    }
    io.store.record_cycle(verdicts, now, decision.states, outbox);
    summary.alerts_queued += outbox.size();

    for (const auto& v : verdicts) {
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
        spdlog::debug("checked domain={} status={}", v.domain, check::to_string(v.status));
        samples[v.domain] = metrics::DomainSample::of(v, now, seconds);
    }
    summary.domains += batch.size();
}

} // namespace

CycleSummary run_cycle(const config::Config& config, const std::vector<std::string>& domains,
                       CycleIo& io, std::map<std::string, metrics::DomainSample>& samples) {
    const auto started = std::chrono::steady_clock::now();
    // Batches bound the memory of a cycle; domains with their own SMTP port go in batches of
    // their own. A hosting provider's shared MX hosts are still probed once per batch.
    constexpr std::size_t batch_size = 250;
    std::map<std::string, std::uint16_t> port_of;
    for (const auto& d : config.domains)
        port_of[d.name] = d.port.value_or(25);
    std::map<std::uint16_t, std::vector<std::string>> by_port;
    for (const auto& name : domains) {
        auto it = port_of.find(name);
        by_port[it == port_of.end() ? std::uint16_t{25} : it->second].push_back(name);
    }
    CycleSummary summary;
    for (const auto& [port, group] : by_port)
        for (std::size_t i = 0; i < group.size(); i += batch_size) {
            std::vector<std::string> batch(
                group.begin() + static_cast<long>(i),
                group.begin() + static_cast<long>(std::min(group.size(), i + batch_size)));
            run_batch(config, batch, port, io, samples, summary);
        }
    summary.alerts_delivered = alert::deliver_outbox(io.store, io.sinks, io.clock());
    summary.alerts_pending = io.store.pending();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

std::vector<std::unique_ptr<alert::AlertSink>> make_sinks(const config::Config& config,
                                                          const std::string& host_name) {
    std::vector<std::unique_ptr<alert::AlertSink>> sinks;
    if (config.syslog.enabled)
        sinks.push_back(alert::make_syslog_sink(config.syslog.identity, config.syslog.facility));
    if (config.email.enabled) {
        alert::EmailOptions options;
        options.headers.from =
            config.email.from.empty() ? "danemon@" + host_name : config.email.from;
        options.headers.to = config.email.to;
        options.headers.host_name = host_name;
        options.server = config.email.server;
        options.port = config.email.port;
        options.min_severity = config.email.min_severity;
        sinks.push_back(alert::make_email_sink(options));
    }
    if (config.exec.enabled)
        sinks.push_back(alert::make_exec_sink(config.exec.command, config.exec.timeout));
    return sinks;
}

} // namespace danemon::monitor
