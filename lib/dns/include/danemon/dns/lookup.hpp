// DNS answers as plain values: each keeps its DNSSEC status and TTL. "Nothing found" and
// "lookup failed" are different values, as Postfix keeps DNS_NOTFOUND and DNS_RETRY apart.
#pragma once

#include "danemon/dane/tlsa.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace danemon::dns {

enum class LookupStatus {
    secure,   // records present, validated (AD bit from a validating resolver)
    insecure, // records present, not validated (unsigned zone)
    nodata,   // the name exists, no records of this type
    nxdomain, // the name does not exist
    bogus,    // SERVFAIL that goes away with the CD bit: DNSSEC validation failed
    error,    // SERVFAIL, REFUSED, timeout, malformed answer: senders defer
};

const char* to_string(LookupStatus status);

// The owner of the TLSA RRset that SMTP senders look up for a TLSA base domain (the MX host
// name, or its CNAME expansion, RFC 7671 section 7): "_25._tcp.<base>" (RFC 7672 section
// 2.2.3), lower case, without the trailing dot. The one place that builds this name.
std::string tlsa_owner(const std::string& base);

template <typename T> struct Lookup {
    LookupStatus status = LookupStatus::error;
    bool authenticated = false; // AD bit: for nodata/nxdomain, whether the denial was validated
    std::uint32_t ttl = 0;      // smallest TTL of the answer RRset (or of the negative answer)
    std::vector<T> records;
    std::vector<std::string> cname_chain; // aliases followed, in order; the last is the target
    std::string why;                      // for bogus/error: one sentence

    bool found() const {
        return status == LookupStatus::secure || status == LookupStatus::insecure;
    }
    bool failed() const { return status == LookupStatus::bogus || status == LookupStatus::error; }
    bool secure() const { return authenticated; }
};

struct MxRecord {
    std::uint16_t preference = 0;
    std::string host; // absolute, lower case, no trailing dot; "" for the null MX "."
    friend bool operator==(const MxRecord&, const MxRecord&) = default;
};

enum class AddressFamily { ipv4, ipv6 };

// Whether the resolver validates at all: a non-validating resolver makes every verdict
// meaningless and is reported, never treated as "insecure".
struct ResolverCheck {
    bool validating = false;
    std::string why; // when not validating
};

} // namespace danemon::dns
