// The I/O stages of a check: resolve each domain's MX, address and TLSA records (each
// distinct MX host once), then probe every distinct (address, port, SNI) once per run, both
// on a bounded pool of workers; every main session comes before the first TLS 1.0/1.1 one.
// The Resolver and Prober must allow concurrent calls. Produces facts::DomainFacts for the
// pure evaluation.
#pragma once

#include "danemon/dns/resolver.hpp"
#include "danemon/facts/facts.hpp"
#include "danemon/smtp/prober.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace danemon::scan {

struct ScanOptions {
    std::optional<std::uint16_t> port; // overrides 25 for every MX host
    smtp::PhaseLimits limits;
    std::string helo_name = "localhost";
    std::size_t concurrency = 8; // lookups, and then probes, in flight at once
    bool probe_legacy = true;
    bool probe_keys = true; // also ask for a certificate of each other key type
    // Caps on the work for one domain (README "Limits"): senders try at most a handful of
    // addresses per message (Postfix smtp_mx_address_limit = 5, Exim hosts_max_try = 5), so
    // these cover every host a sender would use and every backup in real MX sets. What
    // lies beyond is reported (check-truncated), never silently dropped.
    std::size_t max_mx_hosts = 10;             // per domain, lowest preference first
    std::size_t max_addresses_per_host = 8;    // per MX host and address family
    std::size_t max_endpoints_per_domain = 32; // addresses probed per domain, in MX order
};

class Scanner {
public:
    Scanner(dns::Resolver& resolver, smtp::Prober& prober, ScanOptions options);
    // One facts::DomainFacts per domain, in the order given. Never throws for network trouble:
    // failures are values inside the facts.
    std::vector<facts::DomainFacts> scan(const std::vector<std::string>& domains);

    // One MX host on its own, as scan() resolves and probes it (for the rollover gate).
    facts::MxHostFacts scan_host(const std::string& mx_host);

private:
    facts::MxHostFacts resolve_host(const facts::MxRecord& mx);
    smtp::ProbeRequest probe_request(const facts::MxHostFacts& host, const std::string& address,
                                     std::uint16_t port) const;
    // The domain's MX lookup; `hosts` receives the MX hosts to resolve and probe.
    facts::DomainFacts resolve_mx(const std::string& domain, const facts::ResolverCheck& resolver,
                                  std::vector<facts::MxRecord>& hosts);
    // Every domain's MX hosts with their addresses (each distinct host resolved once) and TLSA
    // records, the addresses capped per domain.
    std::vector<facts::DomainFacts> resolve_all(const std::vector<std::string>& domains,
                                                const facts::ResolverCheck& resolver);
    // One result per request, in the same order.
    std::vector<facts::ProbeResult> probe_all(const std::vector<smtp::ProbeRequest>& requests);

    dns::Resolver& resolver_;
    smtp::Prober& prober_;
    ScanOptions options_;
};

// The scanner's pool, for callers that work on its results in parallel: runs task(i) for
// every i below count on at most `threads` threads, the caller's included. The first
// exception stops the hand-out of further work and is rethrown here.
template <typename Task>
void run_bounded(std::size_t count, std::size_t threads, const Task& task) {
    std::atomic<std::size_t> next{0};
    std::mutex failure_mutex;
    std::exception_ptr failure;
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++) {
            try {
                task(i);
            } catch (...) {
                std::lock_guard lock(failure_mutex);
                if (!failure) failure = std::current_exception();
                next = count;
            }
        }
    };
    threads = std::min(std::max<std::size_t>(threads, 1), count);
    {
        std::vector<std::jthread> pool;
        for (std::size_t t = 1; t < threads; ++t)
            pool.emplace_back(worker);
        worker();
    } // joins
    if (failure) std::rethrow_exception(failure);
}

} // namespace danemon::scan
