// The embedded validator's files: the trust anchor (given, or Debian's root key tracked by
// RFC 5011 in a copy in the state directory) and the root hints. Internal to lib/dns.
#pragma once

#include "danemon/dns/resolver.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace danemon::dns::detail {

struct TrustAnchor {
    std::string file;     // what libunbound is given
    bool tracked = false; // an RFC 5011 state file (ub_ctx_add_ta_autr), else a static anchor
    std::string owner;    // the anchored zone, "." for the root
    std::vector<std::uint16_t> key_tags;
    std::string note; // "" or why Debian's root key is used as it is, not tracked
};

// The anchor the options name; throws std::runtime_error with one sentence naming the file
// (missing, unreadable, not a regular file, no DS or DNSKEY record, a copy that cannot be
// made in the state directory).
TrustAnchor prepare_trust_anchor(const ValidatorOptions& options);

// Throws std::runtime_error with one sentence when FILE cannot be read or holds no NS record
// of the root.
void check_root_hints(const std::string& file);

// "root trust anchor key tag 20326", "trust anchor example. key tags 1, 2".
std::string describe(const TrustAnchor& anchor);

} // namespace danemon::dns::detail
