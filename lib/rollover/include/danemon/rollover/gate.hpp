// The pre-rotation gate for one MX host: may the NEW chain be deployed now without any
// DANE-enforcing sender refusing it? (RFC 7671 section 8.1 "current + next", RFC 6698 A.4.)
// Pure: every observation (DNS answers, first-seen times, the time) is an input.
#pragma once

#include "danemon/dane/certificate.hpp"
#include "danemon/dane/tlsa.hpp"
#include "danemon/facts/facts.hpp"

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace danemon::rollover {

// The TLSA RRset one authoritative server gave when asked directly (RD=0), or why it gave
// none. An empty records list with an empty error means the server has no such records.
struct AuthoritativeAnswer {
    std::vector<dane::TlsaRecord> records;
    std::uint32_t ttl = 0; // the zone's TTL, undecremented (a resolver's TTL counts down)
    std::string error;     // non-empty: the server could not be asked or answered badly
};

struct GateInput {
    std::string mx_host; // as published in the MX record
    // Where senders find the TLSA RRset: the MX host name, or its CNAME expansion (RFC 7671
    // section 7). Empty: mx_host. Records to publish are named at facts::tlsa_owner(tlsa_base).
    std::string tlsa_base;
    dane::ServedChain new_chain;          // the renewed chain, leaf first (DER)
    dane::ServedChain current_chain;      // what the host serves now; empty when unknown
    facts::Lookup<dane::TlsaRecord> tlsa; // at tlsa_owner(tlsa_base), through the resolver
    // [0] = TLSA base domain, then the MX host and its CNAME expansion (as dane::DaneInput).
    std::vector<std::string> reference_names;
    // Name server host name -> its answer. Every authoritative server of the zone belongs
    // here: an empty map fails the gate (nothing confirms the record is everywhere).
    std::map<std::string, AuthoritativeAnswer> authoritative;
    // When each record was first seen in the published RRset (the state store). A record
    // that matches the new chain but is missing here counts as first seen at `now`.
    std::map<dane::TlsaRecord, std::time_t> first_seen;
    std::time_t now = 0;
};

struct GateDecision {
    bool pass = false;
    std::vector<std::string> reasons; // one sentence each, empty when pass
    // The record for the new chain: the published one that matches it, or, when none does,
    // the 3 1 1 record of its leaf key to publish. Empty only when the new chain is empty.
    std::optional<dane::TlsaRecord> record;
    std::string record_line;       // record in zone-file syntax (facts::zone_file_line)
    bool record_published = false; // record is in the resolver's RRset and matches
    // first seen + 2 x TTL of the matching record: the earliest time the new chain may be
    // deployed as far as caches are concerned. Empty while the record is not published.
    std::optional<std::time_t> earliest_safe_time;
    std::uint32_t ttl = 0; // the TTL the wait is based on (largest of resolver and servers)
};

// Passes only when all hold (otherwise one reason per failing condition):
//  - the resolver's TLSA RRset is found and DNSSEC-secure;
//  - a usable record of it authenticates the new chain (dane::verify, so digest agility and
//    the DANE-TA name rules apply exactly as for senders);
//  - the current chain, when given, is still authenticated by the RRset;
//  - every authoritative server listed serves an RRset that authenticates the new chain;
//  - now >= first seen + 2 x TTL of the earliest-seen record that alone authenticates the
//    new chain.
GateDecision decide(const GateInput& input);

} // namespace danemon::rollover
