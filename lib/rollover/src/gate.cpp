// The pre-rotation gate: current + next must both be published, DNSSEC-secure, on every
// authoritative server, and old enough that no cache still holds the RRset without the next
// record (RFC 7671 section 8.1, RFC 6698 appendix A.4).
#include "danemon/rollover/gate.hpp"

#include "danemon/dane/verify.hpp"
#include "danemon/dns/resolver.hpp"
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

} // namespace

GateDecision decide(const GateInput& input) {
    GateDecision d;
    const std::string mx = dns::normalize_name(input.mx_host);
    const std::string base = input.tlsa_base.empty() ? mx : dns::normalize_name(input.tlsa_base);
    const std::string owner = dns::tlsa_owner(base);
    if (input.new_chain.empty()) {
        d.reasons.push_back("The new certificate file holds no certificate.");
        return d;
    }
    d.record = record_for_chain(input.new_chain.der, dane::usage_dane_ee, dane::selector_spki,
                                dane::matching_sha256)
                   .record;

    d.ttl = input.tlsa.ttl;
    for (const auto& [server, answer] : input.authoritative)
        if (answer.error.empty()) d.ttl = std::max(d.ttl, answer.ttl);
    const std::string wait = "2 x TTL " + std::to_string(d.ttl) + " s";

    const auto& tlsa = input.tlsa;
    std::optional<dane::DaneVerdict> new_verdict;
    if (tlsa.failed()) {
        d.reasons.push_back("The TLSA lookup for " + owner + " failed (" +
                            std::string(dns::to_string(tlsa.status)) +
                            (tlsa.why.empty() ? "" : ": " + tlsa.why) +
                            "): DANE senders defer mail to " + mx + " until it is fixed.");
    } else if (!tlsa.found()) {
        d.reasons.push_back("No TLSA records are published at " + owner + ".");
    } else {
        if (!tlsa.secure())
            d.reasons.push_back("The TLSA RRset at " + owner +
                                " is not DNSSEC-secure: senders ignore it; sign the zone.");
        new_verdict = verify_with(tlsa.records, input.new_chain, input);
        if (new_verdict->outcome == dane::DaneOutcome::pass && new_verdict->match_index) {
            d.record = tlsa.records[*new_verdict->match_index];
            d.record_published = true;
        } else if (new_verdict->outcome == dane::DaneOutcome::internal_error) {
            d.reasons.push_back("The new chain could not be verified against " + owner + " (" +
                                new_verdict->detail + ").");
        } else {
            d.reasons.push_back("The new chain would fail DANE verification at " + owner + ": " +
                                failure_text(*new_verdict) + ".");
        }
        if (!input.current_chain.empty()) {
            const auto current = verify_with(tlsa.records, input.current_chain, input);
            if (current.outcome != dane::DaneOutcome::pass) {
                std::string text = "The chain " + mx +
                                   " serves now would no longer match the published TLSA "
                                   "records: keep its record published beside the new one "
                                   "until the switch";
                if (!current.suggested.empty())
                    text += " (" + zone_file_line(base, current.suggested.front()) + ")";
                d.reasons.push_back(text + ".");
            }
        }
    }
    if (d.record) d.record_line = zone_file_line(base, *d.record);
    if (!d.record_published && d.record)
        d.reasons.push_back("Publish " + d.record_line + " beside the current record, then wait " +
                            wait + " before deploying the new certificate.");

    if (input.authoritative.empty())
        d.reasons.push_back("No authoritative nameserver of the zone was asked: cannot confirm "
                            "that every one serves the new key's record.");
    for (const auto& [server, answer] : input.authoritative) {
        const std::string ns = dns::normalize_name(server) + ".";
        if (!answer.error.empty()) {
            d.reasons.push_back(ns + " could not be asked for " + owner + " (" + answer.error +
                                "): cannot confirm it serves the new key's record.");
            continue;
        }
        const auto served = verify_with(answer.records, input.new_chain, input);
        if (served.outcome != dane::DaneOutcome::pass)
            d.reasons.push_back(ns + " does not serve the new key's record at " + owner + " yet.");
    }

    if (d.record_published) {
        // The wait starts when the first record that on its own authenticates the new chain
        // appeared: a cache filled before that holds an RRset that rejects the new chain.
        std::optional<std::time_t> first;
        std::optional<dane::TlsaRecord> first_record;
        for (const auto& record : tlsa.records) {
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
            d.reasons.push_back(
                "The new key's record (" + dane::to_presentation(*first_record) +
                ") was first seen at " + text::utc_text(*first, text::UtcStyle::iso8601) +
                "; wait until " + text::utc_text(*d.earliest_safe_time, text::UtcStyle::iso8601) +
                " (" + wait + ") so that no resolver still caches the RRset without it.");
    }
    d.pass = d.reasons.empty();
    return d;
}

} // namespace danemon::rollover
