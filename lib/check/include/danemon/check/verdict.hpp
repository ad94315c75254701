// The outcome of evaluating one domain: what a DANE-enforcing sender and a sender that
// requires TLS 1.2 would do with each MX host, and why. Plain values for lib/report.
#pragma once

#include "danemon/check/problem.hpp"
#include "danemon/dane/verify.hpp"
#include "danemon/facts/facts.hpp"

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace danemon::check {

enum class DaneState { pass, fail, not_applicable };
const char* to_string(DaneState state); // "pass", "fail", "not-applicable"

// A certificate the server holds beside the main handshake's, as a DANE sender whose
// signature algorithms are served it judges it (facts::ServedKey).
struct KeyVerdict {
    std::string type;        // "RSA 2048"
    std::string family;      // "RSA": what senders negotiate to be served it
    std::string tls_version; // of the session that was served it
    std::vector<dane::CertificateSummary> chain;
    DaneState dane = DaneState::not_applicable;
    std::optional<dane::TlsaRecord> matched_record;
    std::optional<int> matched_depth;
};

struct EndpointVerdict {
    facts::ProbeResult probe;
    DaneState dane = DaneState::not_applicable;
    std::optional<dane::TlsaRecord> matched_record;
    std::optional<int> matched_depth;
    std::vector<dane::CertificateSummary> chain; // summaries of probe.chain, leaf first
    std::vector<KeyVerdict> other_keys;          // probe.other_keys, judged
    // One problem per code: what another key adds to a code already there is one more
    // sentence in that problem's message.
    std::vector<Problem> problems;
    // The probe and every check of this endpoint ran to their end (the handshake completed,
    // the TLS 1.0/1.1 and other key sessions answered, the verification ran): a problem of this
    // endpoint that is absent now is gone. Otherwise it is unknown, not recovered.
    bool complete = false;
};

struct TlsaVerdict {
    dane::TlsaRecord record;
    dane::Usability usability;
};

// MxVerdict::tlsa_dnssec of records a user gave (danemon verify --tlsa): not looked up.
inline constexpr const char* tlsa_given = "given";

struct MxVerdict {
    std::string host;
    std::uint16_t preference = 0;
    std::string tlsa_name;   // _25._tcp.<base>
    std::string tlsa_dnssec; // secure | insecure | bogus | error, or tlsa_given
    // How the TLSA lookup ended; secure: found and DNSSEC-validated, as senders use it.
    facts::LookupStatus tlsa_status = facts::LookupStatus::error;
    std::uint32_t tlsa_ttl = 0;
    std::vector<TlsaVerdict> tlsa;
    std::vector<Problem> problems;
    std::vector<EndpointVerdict> endpoints;
    // The host's DNS lookups that matter to senders did not fail (addresses; TLSA where the
    // addresses are secure): its list of endpoints is what senders would use.
    bool lookups_complete = false;
    // lookups_complete, every endpoint complete and no check of the host incomplete.
    bool complete = false;
};

struct DomainVerdict {
    std::string domain;
    Status status = Status::ok;
    std::string mx_dnssec; // secure | insecure | bogus | error; "" when no MX was looked up
                           // (danemon verify)
    // Who judged DNSSEC (facts::ResolverCheck::validator), "" when not known.
    std::string validator;
    std::vector<Problem> problems;
    std::vector<MxVerdict> mx;
    // The resolver validates and the MX lookup did not fail: the list of MX hosts is what
    // senders would use, and a domain-level problem that is absent now is gone.
    bool complete = false;

    // Every problem of the domain, its MX hosts and endpoints, in report order.
    std::vector<Problem> all_problems() const;
    // The same problems in place, for what changes them after the rules (the severity
    // policy, the daemon's pending marks).
    template <typename F> void for_each_problem(F&& f) {
        for (auto& p : problems)
            f(p);
        for (auto& host : mx) {
            for (auto& p : host.problems)
                f(p);
            for (auto& endpoint : host.endpoints)
                for (auto& p : endpoint.problems)
                    f(p);
        }
    }
};

// What is kept of a verdict between runs (the state store) and shown by `danemon status`:
// the domain's status and every problem, without the details behind them.
struct VerdictSummary {
    std::string domain;
    Status status = Status::ok;
    std::time_t checked_at = 0;
    std::vector<Problem> problems; // DomainVerdict::all_problems()
};

} // namespace danemon::check
