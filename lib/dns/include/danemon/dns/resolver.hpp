// The Resolver interface and its two real implementations: ldns asking one validating
// recursive resolver (the mail host's own, as Postfix does) with DO set, re-asking with CD on
// SERVFAIL to tell bogus data from a broken server; and libunbound as an embedded validating
// resolver with a trust anchor of its own. make_resolver chooses between them.
#pragma once

#include "danemon/expected/expected.hpp"
#include "danemon/facts/facts.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace danemon::dns {

// Implementations must be safe to call from several threads at once: the scanner resolves
// domains on its worker pool.
class Resolver {
public:
    virtual ~Resolver() = default;
    // Asks for a name that is known to be signed (the root) and requires it to validate;
    // says which validator judges (ResolverCheck::validator).
    virtual facts::ResolverCheck check_validation() = 0;
    // Who judges DNSSEC, as reports say it: "resolver 127.0.0.1 (AD bit)", "embedded
    // validator, root trust anchor key tag 20326"; "" when not known (test doubles).
    virtual std::string describe() const { return {}; }
    virtual facts::Lookup<facts::MxRecord> lookup_mx(const std::string& domain) = 0;
    // Records are textual addresses ("192.0.2.1", "2001:db8::1").
    virtual facts::Lookup<std::string> lookup_addresses(const std::string& host,
                                                        facts::AddressFamily family) = 0;
    virtual facts::Lookup<dane::TlsaRecord> lookup_tlsa(const std::string& owner) = 0;
    // Name server host names of exactly this name (non-empty only at a zone apex).
    virtual facts::Lookup<std::string> lookup_ns(const std::string& name) = 0;
};

struct ResolverAddress {
    std::string address; // IPv4 or IPv6 literal
    std::uint16_t port = 53;
};

// Parses "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address. Throws std::invalid_argument.
ResolverAddress parse_resolver_address(const std::string& text);
// The same forms back: "192.0.2.1", "192.0.2.1:5353", "::1", "[::1]:5399".
std::string to_string(const ResolverAddress& address);
// The first nameserver in a resolv.conf; throws std::runtime_error when there is none.
ResolverAddress system_resolver(const std::string& resolv_conf = "/etc/resolv.conf");
// 127.0.0.0/8 or ::1 (or ::ffff:127.x.y.z): a resolver whose AD bit does not cross a network.
bool is_loopback(const ResolverAddress& address);

struct ResolverOptions {
    ResolverAddress server;
    std::chrono::milliseconds timeout{5000}; // per query, its copies sent again included
    int retries = 1; // copies sent again when a query got no answer (the first waits <= 1 s)
    bool recursion_desired = true; // false: ask an authoritative server about its own data
    // The budget of every query together: a query after it fails at once (status error),
    // and none waits past it. A dead resolver then costs this, not each query's timeout.
    std::optional<std::chrono::steady_clock::time_point> deadline;
};

std::unique_ptr<Resolver> make_ldns_resolver(const ResolverOptions& options);

// The embedded validator (libunbound): recursive resolution and DNSSEC validation in
// danemon itself, from a trust anchor of its own.
struct ValidatorOptions {
    // A DS or DNSKEY file in zone-file syntax (unbound's trust-anchor-file); "": the root
    // key of Debian's dns-root-data, kept current by RFC 5011 in a copy in state_dir.
    std::string trust_anchor;
    std::string root_hints; // a root hints zone file; "": libunbound's built-in root servers
    std::string state_dir;  // "" or not writable: Debian's root key as it is, not tracked
    std::string packaged_root_key = "/usr/share/dns/root.key";
    std::chrono::milliseconds timeout{5000}; // per query, the recursion behind it included
    std::optional<std::chrono::steady_clock::time_point> deadline; // as ResolverOptions'
    std::string chosen_because; // "" or why `auto` chose it, for the report's DNSSEC line
};

// Throws std::runtime_error with one sentence when the trust anchor or root hints cannot be
// used (missing, unreadable, holding no DS/DNSKEY or NS records).
std::unique_ptr<Resolver> make_embedded_validator(const ValidatorOptions& options);
// The same checks of a given trust anchor and root hints file ("": not given), reading only:
// for `danemon config check`.
void check_validator_files(const std::string& trust_anchor, const std::string& root_hints);

// Which validator danemon uses, as the user chose it (--resolver, --trust-anchor,
// --root-hints, or the settings resolver, trust_anchor and root_hints).
struct ResolverChoice {
    std::string resolver;     // auto ("" too) | embedded | ADDR[:PORT]
    std::string trust_anchor; // for the embedded validator; "": Debian's root key
    std::string root_hints;   // "": the public root servers
};

// The resolver setting as given ("" is auto), or why it is none of auto, embedded and
// ADDR[:PORT].
Expected<std::string> parse_resolver_choice(const std::string& resolver);

struct ResolverSetup {
    ResolverChoice choice;
    std::string state_dir; // the embedded validator's RFC 5011 state
    std::chrono::milliseconds timeout{5000};
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::string resolv_conf = "/etc/resolv.conf";
    std::string packaged_root_key = "/usr/share/dns/root.key";
};

// The resolver a choice names. auto: the system's first nameserver when it is on loopback and
// validates (one root SOA query), else the embedded validator. Throws std::runtime_error or
// std::invalid_argument with one sentence.
std::unique_ptr<Resolver> make_resolver(const ResolverSetup& setup);

// What one authoritative server of a zone answers itself (RD=0) for a TLSA name: used to
// tell that a new record has reached every server before a key is rolled.
struct AuthoritativeTlsa {
    std::string server;                   // name server host name as in the NS RRset
    std::string address;                  // the address asked
    facts::Lookup<dane::TlsaRecord> tlsa; // status secure/insecure mean "records present"
};

// Finds the zone of `owner` (walking up with NS queries through `resolver`), resolves each
// name server's addresses, and asks every address directly. A server that cannot be asked
// appears with status error and the reason. Empty when no zone cut was found, or when an NS
// lookup on the way failed (a resolver that does not answer is not asked further). Each
// server is asked within `timeout`, and not past `deadline`.
std::vector<AuthoritativeTlsa>
ask_authoritative_servers(Resolver& resolver, const std::string& owner,
                          std::chrono::milliseconds timeout, std::uint16_t port = 53,
                          std::optional<std::chrono::steady_clock::time_point> deadline = {});

// A mail domain as a user names it (command line, configuration), normalized (lower case, no
// trailing dot), or why it is none, in one phrase that quotes it: empty, not ASCII (give the
// A-label, e.g. from `idn2`), an IP address, or not a host name (RFC 1123 section 2.1).
Expected<std::string> parse_mail_domain(std::string_view text);

// The name danemon sends in EHLO: a host name, or an address literal in brackets
// ("[192.0.2.1]", RFC 5321 section 4.1.3); why not otherwise (control bytes, spaces, ...).
Expected<std::string> parse_helo_name(std::string_view text);

} // namespace danemon::dns
