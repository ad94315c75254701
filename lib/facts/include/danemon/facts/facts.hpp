// What the resolve and probe stages find out about a mail domain, as plain values: DNS
// answers with their DNSSEC status and TTL, MX records, probe outcomes with the served chain,
// the name rules every layer applies. lib/dns and lib/smtp produce these, lib/scan gathers
// them into DomainFacts, lib/check judges them; this library does no I/O.
#pragma once

#include "danemon/dane/certificate.hpp"
#include "danemon/dane/tlsa.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace danemon::facts {

// DNS answers. "Nothing found" and "lookup failed" are different values, as Postfix keeps
// DNS_NOTFOUND and DNS_RETRY apart.
enum class LookupStatus {
    secure,   // records present, validated (AD bit from a validating resolver)
    insecure, // records present, not validated (unsigned zone)
    nodata,   // the name exists, no records of this type
    nxdomain, // the name does not exist
    bogus,    // DNSSEC validation failed (SERVFAIL that goes away with the CD bit)
    error,    // SERVFAIL, REFUSED, timeout, malformed answer: senders defer
};

const char* to_string(LookupStatus status);

template <typename T> struct Lookup {
    LookupStatus status = LookupStatus::error;
    // AD bit: the answer, or for nodata/nxdomain the denial, was validated. Unlike
    // status == secure, true for a validated "nothing here" too.
    bool authenticated = false;
    std::uint32_t ttl = 0;  // smallest TTL of the answer RRset (or of the negative answer)
    std::vector<T> records; // in canonical RRset order (RFC 4034 section 6.3)
    std::vector<std::string> cname_chain; // aliases followed, in order; the last is the target
    std::string why;                      // for bogus/error: one sentence

    bool found() const {
        return status == LookupStatus::secure || status == LookupStatus::insecure;
    }
    bool failed() const { return status == LookupStatus::bogus || status == LookupStatus::error; }
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
    // Who judges DNSSEC, for the reports: "embedded validator, root trust anchor key tag
    // 20326" or "resolver 127.0.0.1 (AD bit)"; "" when not known (facts made by hand).
    std::string validator;
    bool remote = false; // a resolver across the network: its AD bit is not protected
};

// Names. Lower case, no trailing dot.
std::string normalize_name(std::string name);

// The owner of the TLSA RRset that SMTP senders look up for a TLSA base domain (the MX host
// name, or its CNAME expansion, RFC 7671 section 7): "_25._tcp.<base>" (RFC 7672 section
// 2.2.3), lower case, without the trailing dot. The one place that builds this name.
std::string tlsa_owner(const std::string& base);

// "_25._tcp.mx.example.org. IN TLSA 3 1 1 HEX" (upper-case hex, as ldns prints it): the
// record at tlsa_owner(BASE), absolute, as a line for a zone file.
std::string zone_file_line(const std::string& base, const dane::TlsaRecord& record);

// Whether NAME (in presentation form, as normalize_name returns it) is a host name that a
// sender would look up and connect to: labels of letters, digits, hyphens (and underscores,
// which Postfix tolerates), none starting or ending with a hyphen, and a top label that is
// not all digits (RFC 1123 section 2.1: so never a dotted-quad address). An escaped byte
// (\000, \032, ...), brackets or colons make it no host name; an MX target must be one
// (RFC 5321 section 5.1, RFC 7505 section 3).
bool is_host_name(const std::string& name);

// An IPv4 or IPv6 address literal ("192.0.2.1", "2001:db8::1"), without brackets or port.
bool is_ip_literal(const std::string& text);

// One SMTP session with one MX address, as a sender has it.
struct ProbeEndpoint {
    std::string host;    // MX host name, for messages
    std::string address; // IPv4 or IPv6 literal; "" for a saved chain judged offline
    std::uint16_t port = 25;
    // `danemon verify`: the file the chain was read from, in place of an address.
    std::string saved_chain{};
};

enum class ProbeFailure {
    none,
    unreachable,      // connect refused / no route / connect timed out     -> mx-unreachable
    smtp_error,       // banner/EHLO/STARTTLS reply missing, timed out, bad -> smtp-error
    starttls_missing, // EHLO did not offer STARTTLS                          -> starttls-missing
    tls_failed,       // handshake failed (TLS 1.0 to 1.3 offered)        -> tls-handshake-failed
};

// A certificate a server serves to senders whose signature algorithms exclude the key of
// the main handshake's certificate (a server with an ECDSA and an RSA key, say).
struct ServedKey {
    std::string type;        // dane::KeyType::name of the leaf: "RSA 2048", "ECDSA P-256"
    std::string family;      // what senders negotiate to be served it: "RSA", "ECDSA", ...
    std::string tls_version; // of the session that was served it
    dane::ServedChain chain;
};

struct ProbeResult {
    ProbeEndpoint endpoint;
    ProbeFailure failure = ProbeFailure::none;
    std::string phase;  // "connect", "banner", "ehlo", "starttls", "handshake" when failed
    std::string detail; // one phrase when failed, no final period; reply text sanitized
    std::string banner; // first banner line, sanitized
    bool starttls_offered = false;
    // Filled when a handshake succeeded (the main one allows TLS 1.0 to 1.3).
    std::string tls_version;
    std::string cipher;
    dane::ServedChain chain;
    bool modern_tls = false;             // TLS 1.2 or newer negotiated
    std::vector<std::string> legacy_tls; // "TLSv1", "TLSv1.1" that the server accepts
    // Legacy versions whose own probe ended before a handshake answer (connect or SMTP
    // failure, timeout, probe deadline): neither accepted nor refused is known.
    std::vector<std::string> legacy_untested;
    // The other certificates the server holds, one per key family besides the main one's.
    std::vector<ServedKey> other_keys;
    // Key families ("RSA", "ECDSA", "Ed25519") whose own session ended before a handshake
    // answer: whether the server holds such a key is unknown.
    std::vector<std::string> keys_untested;
    std::chrono::milliseconds elapsed{0};
};

// Everything found for one MX host of a domain.
struct MxHostFacts {
    MxRecord mx;
    Lookup<std::string> ipv4;
    Lookup<std::string> ipv6;
    // The TLSA base domain (RFC 7672 2.2.3, RFC 7671 section 7): the CNAME-expanded host
    // name when the chain is secure and it has TLSA records, else the MX host name.
    std::string tlsa_base;
    Lookup<dane::TlsaRecord> tlsa; // at _25._tcp.<tlsa_base>
    // Names a DANE-TA leaf may carry: tlsa_base, the MX host name, its CNAME expansion.
    std::vector<std::string> reference_names;
    std::vector<ProbeResult> endpoints; // one per address probed
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

// Everything found for one domain: the plain input of the evaluation. Produced by lib/scan
// on the network, or built by hand in tests.
struct DomainFacts {
    std::string domain;
    ResolverCheck resolver;
    Lookup<MxRecord> mx;
    bool implicit_mx = false; // no MX RRset: the domain itself is the MX host (RFC 5321 5.1)
    std::vector<MxHostFacts> hosts;
    // MX hosts published beyond the scan's cap (the highest preferences): not resolved.
    std::size_t mx_hosts_skipped = 0;
    // The caps in force, for the report's sentence (0: not known, e.g. facts made by hand).
    std::size_t max_mx_hosts = 0;
    std::size_t max_addresses_per_host = 0;
    std::size_t max_endpoints = 0;
};

} // namespace danemon::facts
