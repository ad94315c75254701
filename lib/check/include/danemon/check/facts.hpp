// What the resolve and probe stages found for one domain: the plain input of the pure
// evaluation. Produced by lib/scan on the network, or built by hand in tests.
#pragma once

#include "danemon/check/problem.hpp"
#include "danemon/dns/lookup.hpp"
#include "danemon/smtp/prober.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace danemon::check {

struct MxHostFacts {
    dns::MxRecord mx;
    dns::Lookup<std::string> ipv4;
    dns::Lookup<std::string> ipv6;
    // The TLSA base domain (RFC 7672 2.2.3, RFC 7671 section 7): the CNAME-expanded host
    // name when the chain is secure and it has TLSA records, else the MX host name.
    std::string tlsa_base;
    dns::Lookup<dane::TlsaRecord> tlsa; // at _25._tcp.<tlsa_base>
    // Names a DANE-TA leaf may carry: tlsa_base, the MX host name, its CNAME expansion.
    std::vector<std::string> reference_names;
    std::vector<smtp::ProbeResult> endpoints; // one per address probed
    // Addresses published beyond the scan's caps (per family, then per domain): not probed.
    std::size_t addresses_skipped = 0;
    // Certificate files the MTA loads for this host (configured local_certs), as read now.
    struct LocalCertificate {
        std::string path;
        dane::ServedChain chain;
        std::string error; // why the file cannot be used (unreadable, no certificate, wrong order)
    };
    std::vector<LocalCertificate> local_certificates;
};

struct DomainFacts {
    std::string domain;
    dns::ResolverCheck resolver;
    dns::Lookup<dns::MxRecord> mx;
    bool implicit_mx = false; // no MX RRset: the domain itself is the MX host (RFC 5321 5.1)
    std::vector<MxHostFacts> hosts;
    // MX hosts published beyond the scan's cap (the highest preferences): not resolved.
    std::size_t mx_hosts_skipped = 0;
    // The caps in force, for the report's sentence (0: not known, e.g. facts made by hand).
    std::size_t max_mx_hosts = 0;
    std::size_t max_addresses_per_host = 0;
    std::size_t max_endpoints = 0;
};

struct Policy {
    int expiry_warning_days = 21; // cert-expiring below this many days
    // The severity policy: code -> the level a site gives it (info, warning, critical, off),
    // applied to every occurrence after the rules have judged.
    std::map<std::string, Severity> severity;
};

} // namespace danemon::check
