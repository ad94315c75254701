// Reading one DNS response into the values of lookup.hpp: the CNAME chain from the
// question name, the RRset at its end, the AD bit, TTLs. Internal to lib/dns; the fuzz
// target and unit tests feed it raw wire data.
#pragma once

#include "danemon/facts/facts.hpp"
#include "ldns_cxx.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace danemon::dns::detail {

struct LdnsPktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, LdnsPktFree>;

// The result of one question, before it is turned into a typed facts::Lookup.
struct Answer {
    facts::LookupStatus status = facts::LookupStatus::error;
    bool authenticated = false;
    std::uint32_t ttl = 0;
    std::vector<const ldns_rr*> records; // of the asked type, at the end of the CNAME chain
    std::vector<std::string> cname_chain;
    std::string why;
    PktPtr packet; // owns the records
};

std::string rdf_text(const ldns_rdf* rdf);

// Fills answer from a NOERROR or NXDOMAIN response to (qname, type) and takes the packet.
// `authenticated`: the data validated (the AD bit of a validating resolver's answer, or the
// embedded validator's verdict).
void read_answer(PktPtr packet, const std::string& qname, ldns_rr_type type, bool authenticated,
                 Answer& answer);

facts::Lookup<facts::MxRecord> to_mx(const Answer& answer);
facts::Lookup<std::string> to_addresses(const Answer& answer);
facts::Lookup<dane::TlsaRecord> to_tlsa(const Answer& answer);
facts::Lookup<std::string> to_names(const Answer& answer); // NS (or CNAME) targets, normalized

// A whole TLSA response in wire format, read as the resolver reads it (without the CD
// re-query of a SERVFAIL). Malformed input gives status error, never a crash.
facts::Lookup<dane::TlsaRecord> decode_tlsa_response(const std::uint8_t* wire, std::size_t size,
                                                     const std::string& qname);

} // namespace danemon::dns::detail
