// The pipeline (pipeline.hpp): batches by port, scan, local certificate files, evaluation.
#include "danemon/pipeline/pipeline.hpp"

#include "danemon/dane/certificate_file.hpp"
#include "danemon/localfile/read.hpp"
#include "danemon/scan/scanner.hpp"
#include "danemon/smtp/identity.hpp"

#include <algorithm>
#include <thread>

namespace danemon::pipeline {
namespace {

// The files the MTA loads (local_certs), read at every check: a renewal shows up here
// before the MTA reloads and before any sender sees it. A file that cannot be used is that
// host's check-incomplete, never a reason to stop the others.
void read_local_certificates(const Target& target, facts::DomainFacts& facts) {
    for (auto& host : facts.hosts) {
        const auto it = target.local_certs.find(host.mx.host);
        if (it == target.local_certs.end()) continue;
        for (const auto& path : it->second) {
            facts::MxHostFacts::LocalCertificate local;
            local.path = path;
            auto contents = localfile::read_regular_file(path, localfile::certificate_file);
            if (!contents) {
                local.error = contents.error();
            } else if (auto chain = dane::read_server_chain(*contents); !chain) {
                local.error = chain.error();
            } else {
                local.chain.der = std::move(*chain);
            }
            host.local_certificates.push_back(std::move(local));
        }
    }
}

// One domain's fault is that domain's check-incomplete, never the end of the others' check.
check::DomainVerdict evaluate_one(const facts::DomainFacts& facts, const Settings& settings,
                                  std::time_t now, check::EvaluationCache& cache) {
    try {
        return check::evaluate(facts, settings.policy, now, &cache);
    } catch (const std::exception& e) {
        check::DomainVerdict v;
        v.domain = facts.domain;
        v.status = check::Status::unknown;
        v.problems.push_back({check::Code::check_incomplete, check::Severity::warning,
                              "The check of " + facts.domain +
                                  " could not be completed (internal error: " + e.what() + ").",
                              "", ""});
        return v;
    }
}

scan::ScanOptions scan_options(const Settings& settings, std::uint16_t port) {
    scan::ScanOptions options;
    if (port != 25) options.port = port;
    options.limits = smtp::PhaseLimits::within(settings.timeout);
    options.helo_name = settings.helo_name.empty() ? smtp::local_host_name() : settings.helo_name;
    options.concurrency = settings.concurrency;
    options.probe_legacy = settings.probe_legacy;
    options.probe_keys = settings.probe_keys;
    return options;
}

Batch run_batch(const std::vector<Target>& targets, std::vector<std::size_t> members,
                const Settings& settings, Io& io) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> names;
    for (const std::size_t i : members)
        names.push_back(targets[i].domain);
    scan::Scanner scanner(io.resolver, io.prober,
                          scan_options(settings, targets[members.front()].port));
    std::vector<facts::DomainFacts> facts = scanner.scan(names);
    for (std::size_t i = 0; i < facts.size(); ++i)
        read_local_certificates(targets[members[i]], facts[i]);

    Batch batch;
    batch.checked_at = io.clock();
    batch.verdicts.resize(facts.size());
    // Verification is CPU work: one thread per core; domains that share an endpoint verify
    // its chain once (the cache lives as long as the batch, so memory stays bounded).
    check::EvaluationCache cache;
    scan::run_bounded(
        facts.size(), std::max(1U, std::thread::hardware_concurrency()), [&](std::size_t i) {
            batch.verdicts[i] = evaluate_one(facts[i], settings, batch.checked_at, cache);
        });
    batch.targets = std::move(members);
    batch.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return batch;
}

} // namespace

Settings settings_of(const config::Config& config) {
    Settings s;
    s.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
    s.helo_name = config.helo_name;
    s.concurrency = config.concurrency;
    s.policy.expiry_warning_days = config.expiry_warning_days;
    s.policy.severity = config.severity;
    return s;
}

std::vector<Target> targets_of(const config::Config& config,
                               const std::vector<std::string>& names) {
    std::map<std::string, const config::DomainConfig*> configured;
    for (const auto& d : config.domains)
        configured.emplace(d.name, &d);
    std::vector<Target> targets;
    auto add = [&](const std::string& name) {
        Target t;
        t.domain = name;
        if (const auto it = configured.find(facts::normalize_name(name)); it != configured.end()) {
            t.port = it->second->port.value_or(25);
            t.local_certs = it->second->local_certs;
        }
        targets.push_back(std::move(t));
    };
    if (names.empty())
        for (const auto& d : config.domains)
            add(d.name);
    for (const auto& name : names)
        add(name);
    return targets;
}

std::chrono::milliseconds dns_query_timeout(std::chrono::milliseconds timeout) {
    return std::min(timeout, std::chrono::milliseconds(5000));
}

void run(const std::vector<Target>& targets, const Settings& settings, Io& io,
         const std::function<void(Batch&&)>& on_batch) {
    // Batches bound the memory of a run; a hosting provider's shared MX hosts are still
    // probed once per batch. Domains with their own SMTP port go in batches of their own.
    std::map<std::uint16_t, std::vector<std::size_t>> by_port;
    for (std::size_t i = 0; i < targets.size(); ++i)
        by_port[targets[i].port].push_back(i);
    const std::size_t size = std::max<std::size_t>(1, settings.batch_size);
    for (const auto& [port, members] : by_port)
        for (std::size_t start = 0; start < members.size(); start += size) {
            const auto end = std::min(members.size(), start + size);
            std::vector<std::size_t> batch(members.begin() + static_cast<long>(start),
                                           members.begin() + static_cast<long>(end));
            on_batch(run_batch(targets, std::move(batch), settings, io));
        }
}

std::vector<check::DomainVerdict> run_all(const std::vector<Target>& targets,
                                          const Settings& settings, Io& io) {
    std::vector<check::DomainVerdict> verdicts(targets.size());
    run(targets, settings, io, [&](Batch&& batch) {
        for (std::size_t i = 0; i < batch.targets.size(); ++i)
            verdicts[batch.targets[i]] = std::move(batch.verdicts[i]);
    });
    return verdicts;
}

} // namespace danemon::pipeline
