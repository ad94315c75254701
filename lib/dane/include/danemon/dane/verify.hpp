// DANE verification of a captured chain against TLSA records, exactly as a DANE-enforcing
// SMTP sender does it (RFC 7672 with OpenSSL's DANE code, run offline on the captured
// chain as Postfix does), plus per-record diagnostics. Pure: the time is an input.
#pragma once

#include "danemon/dane/certificate.hpp"
#include "danemon/dane/tlsa.hpp"

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace danemon::dane {

struct DaneInput {
    std::vector<TlsaRecord> records;          // the whole published RRset, usable or not
    std::vector<std::string> reference_names; // [0] = TLSA base domain, then MX host, CNAME target
    ServedChain chain;
    std::time_t now = 0;
};

enum class DaneOutcome {
    pass,              // a usable record authenticates the chain
    fail,              // usable records exist and none authenticates the chain
    no_usable_records, // every record is unusable: TLS required, no authentication
    internal_error,    // verification could not run (bad input, OpenSSL failure)
};

enum class DaneFailure {
    none,
    no_match,      // no usable record matches any certificate of the chain
    name_mismatch, // a DANE-TA record matched, but the leaf carries no reference name
    expired,       // a DANE-TA chain matched, but a certificate in it is expired/not yet valid
    chain_invalid, // a DANE-TA record matched, the chain does not verify to it
    empty_chain,   // nothing was captured
};

struct RecordDiagnostic {
    std::size_t index = 0;            // position in DaneInput::records
    Usability usability;              // from assess_for_smtp
    std::optional<int> matched_depth; // depth of the first chain certificate the data matches
    bool hidden_by_agility = false;   // RFC 7671 section 9: a usable stronger digest of the
                                      // same usage and selector exists, so this one is unused
};

struct DaneVerdict {
    DaneOutcome outcome = DaneOutcome::internal_error;
    DaneFailure failure = DaneFailure::none;
    std::string detail; // one sentence for people; OpenSSL's reason and depth on failure
    std::optional<std::size_t> match_index; // record that authenticated the chain (pass only)
    std::optional<int> match_depth;         // 0 = leaf; as OpenSSL reports it: a DANE-TA
                                            // full certificate not served sits one above the
                                            // top; a bare DANE-TA key not served is reported
                                            // at the depth of the certificate it signed
    std::vector<RecordDiagnostic> records;  // one per input record, same order
    std::vector<TlsaRecord> suggested;      // records that would match this chain: 3 1 1 leaf,
                                            // then 2 1 1 of the top certificate served
};

// Checks, in this order, each ending the verification:
//  - no usable record (or no records)          -> no_usable_records
//  - no TLSA base domain (reference_names empty or [0] empty) -> internal_error: a DANE-TA(2)
//    name check cannot run without it and must not be skipped, so no verdict is given
//  - empty chain                               -> fail / empty_chain
//  - a chain element that is not DER           -> internal_error
//  - OpenSSL's DANE verification at input.now  -> pass, or fail with the mapped failure
// Digest agility (RFC 7671 section 9) is in effect: per usage and selector only the strongest
// digest present (SHA-512 over SHA-256) is used; Full(0) records are always used.
// As in OpenSSL (and RFC 5280 section 6.1 for trust anchors), a DANE-TA(2) anchor that is not
// self-signed is not itself checked for expiry; certificates below it are.
// records and suggested are filled in every case.
DaneVerdict verify(const DaneInput& input);

} // namespace danemon::dane
