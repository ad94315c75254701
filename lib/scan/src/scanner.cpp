// Resolution follows RFC 7672 section 2.2 and RFC 7671 section 7. Lookups and probes run on
// a bounded pool; each distinct MX host is resolved once and each distinct endpoint probed
// once per run, so a slow host costs only its own deadline.
#include "danemon/scan/scanner.hpp"

#include "danemon/tls/handshake.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

namespace danemon::scan {
namespace {

using ProbeKey = std::tuple<std::string, std::uint16_t, std::string>; // address, port, SNI

} // namespace

Scanner::Scanner(dns::Resolver& resolver, smtp::Prober& prober, ScanOptions options)
    : resolver_(resolver)
    , prober_(prober)
    , options_(std::move(options)) {}

facts::MxHostFacts Scanner::resolve_host(const facts::MxRecord& mx) {
    facts::MxHostFacts host;
    host.mx = mx;
    host.tlsa_base = mx.host;
    if (!facts::is_host_name(mx.host)) {
        // RFC 5321 section 5.1: an MX target is a host name. Senders skip (Postfix) or defer
        // on (Exim) anything else, so it is neither looked up nor probed.
        for (auto* lookup : {&host.ipv4, &host.ipv6}) {
            lookup->status = facts::LookupStatus::error;
            lookup->why = "not looked up: the MX target is not a host name";
        }
        host.tlsa.why = "not looked up: the MX target is not a host name";
        return host;
    }
    host.ipv4 = resolver_.lookup_addresses(mx.host, facts::AddressFamily::ipv4);
    host.ipv6 = resolver_.lookup_addresses(mx.host, facts::AddressFamily::ipv6);
    for (auto* lookup : {&host.ipv4, &host.ipv6})
        if (lookup->records.size() > options_.max_addresses_per_host) {
            host.addresses_skipped += lookup->records.size() - options_.max_addresses_per_host;
            lookup->records.resize(options_.max_addresses_per_host);
        }

    // RFC 7671 section 7: when the MX host is an alias and the whole chain is secure, the
    // sender tries TLSA at the expanded name first, then at the name as published. An
    // error at the expanded name does not fall back (RFC 7672 section 2.2.3).
    const facts::Lookup<std::string>& aliased =
        host.ipv4.cname_chain.empty() ? host.ipv6 : host.ipv4;
    std::string target = aliased.cname_chain.empty() ? std::string() : aliased.cname_chain.back();
    host.tlsa_base = mx.host;
    if (!target.empty() && aliased.authenticated) {
        auto expanded = resolver_.lookup_tlsa(facts::tlsa_owner(target));
        if (expanded.status == facts::LookupStatus::nodata ||
            expanded.status == facts::LookupStatus::nxdomain) {
            host.tlsa = resolver_.lookup_tlsa(facts::tlsa_owner(mx.host));
        } else {
            host.tlsa = std::move(expanded);
            host.tlsa_base = target;
        }
    } else {
        host.tlsa = resolver_.lookup_tlsa(facts::tlsa_owner(mx.host));
    }
    for (const auto& name : {host.tlsa_base, mx.host, target})
        if (!name.empty() && std::find(host.reference_names.begin(), host.reference_names.end(),
                                       name) == host.reference_names.end())
            host.reference_names.push_back(name);
    return host;
}

facts::DomainFacts Scanner::resolve_mx(const std::string& domain,
                                       const facts::ResolverCheck& resolver,
                                       std::vector<facts::MxRecord>& hosts) {
    facts::DomainFacts facts;
    facts.domain = facts::normalize_name(domain);
    facts.resolver = resolver;
    facts.mx = resolver_.lookup_mx(facts.domain);
    if (facts.mx.status == facts::LookupStatus::nodata) {
        // RFC 5321 section 5.1: no MX RRset, the domain itself is the implicit MX.
        facts.implicit_mx = true;
        hosts.push_back(facts::MxRecord{0, facts.domain});
    } else if (facts.mx.found()) {
        for (const auto& mx : facts.mx.records)
            if (!mx.host.empty()) hosts.push_back(mx); // the null MX "." is never probed
    }
    facts.max_mx_hosts = options_.max_mx_hosts;
    facts.max_addresses_per_host = options_.max_addresses_per_host;
    facts.max_endpoints = options_.max_endpoints_per_domain;
    if (hosts.size() > options_.max_mx_hosts) { // sorted by preference: the backups go
        facts.mx_hosts_skipped = hosts.size() - options_.max_mx_hosts;
        hosts.resize(options_.max_mx_hosts);
    }
    return facts;
}

std::vector<facts::DomainFacts> Scanner::resolve_all(const std::vector<std::string>& domains,
                                                     const facts::ResolverCheck& resolver) {
    // The MX RRset of every domain, then every distinct MX host once per run (a hosting
    // provider's thousands of domains share a handful of hosts; a run lasts seconds, well
    // inside any TTL a resolver would honour).
    const std::size_t threads = options_.concurrency;
    std::vector<facts::DomainFacts> all(domains.size());
    std::vector<std::vector<facts::MxRecord>> wanted(domains.size());
    run_bounded(domains.size(), threads,
                [&](std::size_t i) { all[i] = resolve_mx(domains[i], resolver, wanted[i]); });
    std::map<std::string, std::size_t> host_index;
    std::vector<const facts::MxRecord*> host_list;
    for (const auto& records : wanted)
        for (const auto& mx : records)
            if (host_index.emplace(mx.host, host_list.size()).second) host_list.push_back(&mx);
    std::vector<facts::MxHostFacts> resolved(host_list.size());
    run_bounded(host_list.size(), threads,
                [&](std::size_t i) { resolved[i] = resolve_host(*host_list[i]); });
    for (std::size_t d = 0; d < all.size(); ++d)
        for (const auto& mx : wanted[d]) {
            facts::MxHostFacts host = resolved[host_index.at(mx.host)];
            host.mx = mx; // hosts that several preferences or domains list are resolved once
            all[d].hosts.push_back(std::move(host));
        }
    // At most max_endpoints_per_domain addresses per domain, in MX preference order.
    for (auto& facts : all) {
        std::size_t left = options_.max_endpoints_per_domain;
        for (auto& host : facts.hosts)
            for (auto* lookup : {&host.ipv4, &host.ipv6}) {
                if (lookup->records.size() > left) {
                    host.addresses_skipped += lookup->records.size() - left;
                    lookup->records.resize(left);
                }
                left -= lookup->records.size();
            }
    }
    return all;
}

namespace {

// What a failed second pass leaves of the other key types: unknown, every one of them.
void mark_keys_untested(facts::ProbeResult& result) {
    const auto main_key = dane::leaf_key_type(result.chain);
    result.other_keys.clear();
    result.keys_untested.clear();
    if (!result.modern_tls || !main_key) return;
    for (const dane::KeyFamily family : tls::probed_key_families)
        if (family != main_key->family) result.keys_untested.emplace_back(dane::to_string(family));
}

} // namespace

std::vector<facts::ProbeResult>
Scanner::probe_all(const std::vector<smtp::ProbeRequest>& requests) {
    // Every main session first, then the legacy-version sessions in a second pass: a
    // connection opened right after the first one to the same server can find its process
    // still busy, and Postfix's master, say, then starts another smtpd just for it.
    const std::size_t threads = options_.concurrency;
    std::vector<facts::ProbeResult> results(requests.size());
    run_bounded(requests.size(), threads, [&](std::size_t i) {
        smtp::ProbeRequest main_only = requests[i];
        main_only.probe_legacy = false;
        main_only.probe_keys = false;
        try {
            results[i] = prober_.probe(main_only);
        } catch (const std::exception& e) {
            // Probers report failures as values; this is the last line of defence.
            results[i].endpoint = requests[i].endpoint;
            results[i].failure = facts::ProbeFailure::smtp_error;
            results[i].phase = "probe";
            results[i].detail = e.what();
        }
    });
    if (options_.probe_legacy || options_.probe_keys) {
        run_bounded(requests.size(), threads, [&](std::size_t i) {
            try {
                prober_.second_pass(requests[i], results[i]);
            } catch (const std::exception&) {
                // The main session's result stands; what the later sessions ask stays unknown.
                results[i].legacy_tls.clear();
                if (options_.probe_legacy) results[i].legacy_untested = {"TLSv1", "TLSv1.1"};
                if (options_.probe_keys) mark_keys_untested(results[i]);
            }
        });
    }
    return results;
}

std::vector<facts::DomainFacts> Scanner::scan(const std::vector<std::string>& domains) {
    std::vector<facts::DomainFacts> all = resolve_all(domains, resolver_.check_validation());
    const std::uint16_t port = options_.port.value_or(25);

    // Every distinct endpoint once per run, however many domains share it.
    std::map<ProbeKey, std::size_t> index;
    std::vector<smtp::ProbeRequest> requests;
    for (const auto& facts : all)
        for (const auto& host : facts.hosts)
            for (const auto* lookup : {&host.ipv4, &host.ipv6})
                for (const auto& address : lookup->records)
                    if (index.emplace(ProbeKey{address, port, host.tlsa_base}, requests.size())
                            .second)
                        requests.push_back(probe_request(host, address, port));

    const std::vector<facts::ProbeResult> results = probe_all(requests);
    for (auto& facts : all)
        for (auto& host : facts.hosts)
            for (const auto* lookup : {&host.ipv4, &host.ipv6})
                for (const auto& address : lookup->records) {
                    facts::ProbeResult result =
                        results[index.at(ProbeKey{address, port, host.tlsa_base})];
                    result.endpoint.host = host.mx.host;
                    host.endpoints.push_back(std::move(result));
                }
    return all;
}

smtp::ProbeRequest Scanner::probe_request(const facts::MxHostFacts& host,
                                          const std::string& address, std::uint16_t port) const {
    smtp::ProbeRequest request;
    request.endpoint = facts::ProbeEndpoint{host.mx.host, address, port};
    request.sni = host.tlsa_base;
    request.helo_name = options_.helo_name;
    request.limits = options_.limits;
    request.probe_legacy = options_.probe_legacy;
    request.probe_keys = options_.probe_keys;
    return request;
}

facts::MxHostFacts Scanner::scan_host(const std::string& mx_host) {
    facts::MxHostFacts host = resolve_host(facts::MxRecord{0, facts::normalize_name(mx_host)});
    for (const auto* lookup : {&host.ipv4, &host.ipv6})
        for (const auto& address : lookup->records)
            host.endpoints.push_back(
                prober_.probe(probe_request(host, address, options_.port.value_or(25))));
    return host;
}

} // namespace danemon::scan
