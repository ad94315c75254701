// The outcome of evaluating one domain: what a DANE-enforcing sender and a sender that
// requires TLS 1.2 would do with each MX host, and why. Plain values for lib/report.
#pragma once

#include "danemon/check/problem.hpp"
#include "danemon/dane/verify.hpp"
#include "danemon/smtp/prober.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace danemon::check {

enum class DaneState { pass, fail, not_applicable };
const char* to_string(DaneState state); // "pass", "fail", "not-applicable"

struct EndpointVerdict {
    smtp::ProbeResult probe;
    DaneState dane = DaneState::not_applicable;
    std::optional<dane::TlsaRecord> matched_record;
    std::optional<int> matched_depth;
    std::vector<dane::CertificateSummary> chain; // summaries of probe.chain, leaf first
    std::vector<Problem> problems;
};

struct TlsaVerdict {
    dane::TlsaRecord record;
    dane::Usability usability;
};

struct MxVerdict {
    std::string host;
    std::uint16_t preference = 0;
    std::string tlsa_name;   // _25._tcp.<base>
    std::string tlsa_dnssec; // secure | insecure | bogus | error
    std::uint32_t tlsa_ttl = 0;
    std::vector<TlsaVerdict> tlsa;
    std::vector<Problem> problems;
    std::vector<EndpointVerdict> endpoints;
};

struct DomainVerdict {
    std::string domain;
    Status status = Status::ok;
    std::string mx_dnssec; // secure | insecure | bogus | error
    std::vector<Problem> problems;
    std::vector<MxVerdict> mx;

    // Every problem of the domain, its MX hosts and endpoints, in report order.
    std::vector<Problem> all_problems() const;
};

} // namespace danemon::check
