// The pre-rotation gate: current + next must both be published, DNSSEC-secure, on every
// authoritative server, and old enough that no cache still holds the RRset without the next
// record (RFC 7671 section 8.1, RFC 6698 appendix A.4).
#include "danemon/rollover/gate.hpp"

#include "danemon/dane/verify.hpp"
#include "danemon/facts/facts.hpp"
#include "danemon/rollover/publish.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>

namespace danemon::rollover {
namespace {

dane::DaneVerdict verify_with(const std::vector<dane::TlsaRecord>& records,
                              const dane::ServedChain& chain, const GateInput& input) {
    return dane::verify({records, input.reference_names, chain, input.now});
}

// Why a verification of the new chain failed, as the end of a sentence.
std::string failure_text(const dane::DaneVerdict& verdict) {
    switch (verdict.failure) {
    case dane::DaneFailure::name_mismatch:
        return "a DANE-TA record matches, but the new certificate carries none of the MX "
               "host's reference names (RFC 7672 section 3.2.3)";
    case dane::DaneFailure::expired:
        return "a DANE-TA record matches, but a certificate of the new chain is expired or not "
               "yet valid";
    case dane::DaneFailure::chain_invalid:
        return "a DANE-TA record matches, but the new chain does not verify to it";
    default:
        break;
    }
    if (std::any_of(verdict.records.begin(), verdict.records.end(), [](const auto& r) {
            return r.hidden_by_agility && r.matched_depth.has_value();
        }))
        return "a matching record is hidden by a stronger digest of the same usage and "
               "selector that matches nothing (RFC 7671 section 9)";
    return "no published TLSA record matches the new key";
}

// Names and figures every part of the decision refers to.
struct Subject {
    std::string mx;    // the MX host, normalized
    std::string base;  // the TLSA base domain
    std::string owner; // _25._tcp.BASE
    std::string wait;  // "2 x TTL N s"
};

// The published TLSA RRset against the new chain and the chain served now.
void check_published(GateDecision& d, const GateInput& input, const Subject& s) {
    const auto& tlsa = input.tlsa;
    if (tlsa.failed()) {
        d.reasons.push_back("The TLSA lookup for " + s.owner + " failed (" +
                            std::string(facts::to_string(tlsa.status)) +
                            (tlsa.why.empty() ? "" : ": " + tlsa.why) +
                            "): DANE senders defer mail to " + s.mx + " until it is fixed.");
        return;
    }
    if (!tlsa.found()) {
        d.reasons.push_back("No TLSA records are published at " + s.owner + ".");
        return;
    }
    if (!tlsa.authenticated)
        d.reasons.push_back("The TLSA RRset at " + s.owner +
                            " is not DNSSEC-secure: senders ignore it; sign the zone.");
    const auto verdict = verify_with(tlsa.records, input.new_chain, input);
    if (verdict.outcome == dane::DaneOutcome::pass && verdict.match_index) {
        d.record = tlsa.records[*verdict.match_index];
        d.record_published = true;
    } else if (verdict.outcome == dane::DaneOutcome::internal_error) {
        d.reasons.push_back("The new chain could not be verified against " + s.owner + " (" +
                            verdict.detail + ").");
    } else {
        d.reasons.push_back("The new chain would fail DANE verification at " + s.owner + ": " +
                            failure_text(verdict) + ".");
    }
    if (input.current_chain.empty()) return;
    const auto current = verify_with(tlsa.records, input.current_chain, input);
    if (current.outcome == dane::DaneOutcome::pass) return;
    std::string text = "The chain " + s.mx +
                       " serves now would no longer match the published TLSA records: keep "
                       "its record published beside the new one until the switch";
    if (!current.suggested.empty())
        text += " (" + facts::zone_file_line(s.base, current.suggested.front()) + ")";
    d.reasons.push_back(text + ".");
}

// Every authoritative server must serve a record that authenticates the new chain.
void check_authoritative(GateDecision& d, const GateInput& input, const Subject& s) {
    if (input.authoritative.empty())
        d.reasons.push_back("No authoritative nameserver of the zone was asked: cannot confirm "
                            "that every one serves the new key's record.");
    for (const auto& [server, answer] : input.authoritative) {
        const std::string ns = facts::normalize_name(server) + ".";
        if (!answer.error.empty()) {
            d.reasons.push_back(ns + " could not be asked for " + s.owner + " (" + answer.error +
                                "): cannot confirm it serves the new key's record.");
            continue;
        }
        const auto served = verify_with(answer.records, input.new_chain, input);
        if (served.outcome != dane::DaneOutcome::pass)
            d.reasons.push_back(ns + " does not serve the new key's record at " + s.owner +
                                " yet.");
    }
}

// The wait starts when the first record that on its own authenticates the new chain
// appeared: a cache filled before that holds an RRset that rejects the new chain.
void check_age(GateDecision& d, const GateInput& input, const Subject& s) {
    std::optional<std::time_t> first;
    std::optional<dane::TlsaRecord> first_record;
    for (const auto& record : input.tlsa.records) {
        if (verify_with({record}, input.new_chain, input).outcome != dane::DaneOutcome::pass)
            continue;
        const auto seen = input.first_seen.find(record);
        const std::time_t at = seen == input.first_seen.end() ? input.now : seen->second;
        if (!first || at < *first) {
            first = at;
            first_record = record;
        }
    }
    if (!first) { // only the RRset as a whole matches (cannot happen for one chain)
        first = input.now;
        first_record = d.record;
    }
    d.earliest_safe_time = *first + 2 * static_cast<std::time_t>(d.ttl);
    if (input.now < *d.earliest_safe_time)
        d.reasons.push_back("The new key's record (" + dane::to_presentation(*first_record) +
                            ") was first seen at " +
                            text::utc_text(*first, text::UtcStyle::iso8601) + "; wait until " +
                            text::utc_text(*d.earliest_safe_time, text::UtcStyle::iso8601) + " (" +
                            s.wait + ") so that no resolver still caches the RRset without it.");
}

} // namespace

GateDecision decide(const GateInput& input) {
    GateDecision d;
    if (input.new_chain.empty()) {
        d.reasons.push_back("The new certificate file holds no certificate.");
        return d;
    }
    Subject s;
    s.mx = facts::normalize_name(input.mx_host);
    s.base = input.tlsa_base.empty() ? s.mx : facts::normalize_name(input.tlsa_base);
    s.owner = facts::tlsa_owner(s.base);
    if (auto record = record_for_chain(input.new_chain.der, dane::usage_dane_ee,
                                       dane::selector_spki, dane::matching_sha256))
        d.record = std::move(*record);
    d.ttl = input.tlsa.ttl;
    for (const auto& [server, answer] : input.authoritative)
        if (answer.error.empty()) d.ttl = std::max(d.ttl, answer.ttl);
    s.wait = "2 x TTL " + std::to_string(d.ttl) + " s";

    check_published(d, input, s);
    if (d.record) d.record_line = facts::zone_file_line(s.base, *d.record);
    if (!d.record_published && d.record)
        d.reasons.push_back("Publish " + d.record_line + " beside the current record, then wait " +
                            s.wait + " before deploying the new certificate.");
    check_authoritative(d, input, s);
    if (d.record_published) check_age(d, input, s);
    d.pass = d.reasons.empty();
    return d;
}

} // namespace danemon::rollover
