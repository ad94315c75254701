// One pipeline from domain names to verdicts, the same for every entry point (danemon check,
// check --config, the daemon's cycle): resolve and probe (lib/scan), read the certificate
// files the MTA will load next (local_certs), evaluate (lib/check, on every core, with the
// evaluation cache). Settings come from the configuration or the command line, once.
#pragma once

#include "danemon/check/evaluate.hpp"
#include "danemon/config/config.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/smtp/prober.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace danemon::pipeline {

struct Target {
    std::string domain;
    std::uint16_t port = 25; // SMTP port of every MX host of the domain
    std::map<std::string, std::vector<std::string>> local_certs; // MX host -> files
};

struct Settings {
    std::chrono::milliseconds timeout{30000}; // one MX address, all its sessions
    std::string helo_name;                    // "" = smtp::local_host_name()
    std::size_t concurrency = 8;              // lookups, then probes, in flight at once
    bool probe_legacy = true;                 // also test whether TLS 1.0/1.1 are accepted
    bool probe_keys = true;                   // also ask for each other key type's certificate
    check::Policy policy;
    std::size_t batch_size = 250; // domains scanned, evaluated and handed on together
};

// The settings a configuration gives (timeout, helo_name, concurrency, expiry_warning_days).
Settings settings_of(const config::Config& config);

// The targets of a configuration: `names` (empty: every configured domain), each with its
// configured port and local_certs when the configuration lists it, else port 25.
std::vector<Target> targets_of(const config::Config& config,
                               const std::vector<std::string>& names = {});

// The limit of one DNS query for a probe timeout: the timeout, at most 5 s.
std::chrono::milliseconds dns_query_timeout(std::chrono::milliseconds timeout);

struct Io {
    dns::Resolver& resolver;
    smtp::Prober& prober;
    std::function<std::time_t()> clock;
};

struct Batch {
    std::vector<std::size_t> targets; // per verdict: its index in the targets given to run()
    std::vector<check::DomainVerdict> verdicts;
    std::time_t checked_at = 0; // the time the verdicts were judged at
    double seconds = 0;         // wall time of the batch
};

// Checks every target, in batches of at most batch_size domains that share a port, and
// hands each batch to on_batch when it is judged, so that memory stays bounded by one batch.
// Network trouble never throws (it is in the verdicts); what on_batch throws propagates.
void run(const std::vector<Target>& targets, const Settings& settings, Io& io,
         const std::function<void(Batch&&)>& on_batch);

// Every verdict, in the order of `targets`.
std::vector<check::DomainVerdict> run_all(const std::vector<Target>& targets,
                                          const Settings& settings, Io& io);

} // namespace danemon::pipeline
