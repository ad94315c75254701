// The Resolver interface, and its real implementation on ldns that asks one validating
// recursive resolver (the mail host's own, as Postfix does) with DO set, and re-asks with
// CD on SERVFAIL to tell bogus data from a broken server.
#pragma once

#include "danemon/dns/lookup.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace danemon::dns {

// Implementations must be safe to call from several threads at once: the scanner resolves
// domains on its worker pool.
class Resolver {
public:
    virtual ~Resolver() = default;
    // Asks for a name that is known to be signed (the root) and requires the AD bit.
    virtual ResolverCheck check_validation() = 0;
    virtual Lookup<MxRecord> lookup_mx(const std::string& domain) = 0;
    // Records are textual addresses ("192.0.2.1", "2001:db8::1").
    virtual Lookup<std::string> lookup_addresses(const std::string& host, AddressFamily family) = 0;
    virtual Lookup<dane::TlsaRecord> lookup_tlsa(const std::string& owner) = 0;
};

struct ResolverAddress {
    std::string address; // IPv4 or IPv6 literal
    std::uint16_t port = 53;
};

// Parses "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address. Throws std::invalid_argument.
ResolverAddress parse_resolver_address(const std::string& text);
// The first nameserver in a resolv.conf; throws std::runtime_error when there is none.
ResolverAddress system_resolver(const std::string& resolv_conf = "/etc/resolv.conf");

struct ResolverOptions {
    ResolverAddress server;
    std::chrono::milliseconds timeout{5000}; // per query
    int retries = 1;
};

std::unique_ptr<Resolver> make_ldns_resolver(const ResolverOptions& options);

// Lower case, no trailing dot.
std::string normalize_name(std::string name);

} // namespace danemon::dns
