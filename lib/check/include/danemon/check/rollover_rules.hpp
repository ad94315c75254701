// The rollover rules of every check: room for a next key (RFC 7671 section 8.1) and a stale
// stronger digest (section 9). Pure. Each returns the problem without its mx and address,
// which the caller sets.
#pragma once

#include "danemon/check/problem.hpp"
#include "danemon/dane/tlsa.hpp"
#include "danemon/dane/verify.hpp"
#include "danemon/facts/facts.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace danemon::check {

// tlsa-rollover-missing: a found, DNSSEC-secure RRset with exactly one usable record, so no
// next key (or next CA) can be pre-published beside it (RFC 7671 section 8.1). With a key
// kept across renewals that is correct, so it is advice (info), as the reference mail tester
// grades a missing rollover scheme; it is a warning only when it is about to matter: the one
// record is DANE-EE and the served leaf expires within `warning_days` of `now` (the renewal
// is near, and if it brings a new key, DANE senders refuse the mail). Nothing otherwise.
// `tlsa_base` is where the RRset was found (facts::tlsa_owner), `mx_host` the MX host name,
// `leaf_expiry` the soonest expiry of the leaf certificates the host serves (none: unknown).
std::optional<Problem> rollover_missing(const std::string& mx_host, const std::string& tlsa_base,
                                        const facts::Lookup<dane::TlsaRecord>& tlsa,
                                        std::optional<std::time_t> leaf_expiry = std::nullopt,
                                        std::time_t now = 0, int warning_days = 21);

// tlsa-digest-stale: for one usage and selector, a stronger-digest record that matches
// nothing in the chain beside a weaker-digest record that matches it: senders use only the
// strongest digest (RFC 7671 section 9), so the matching one is ignored. Critical when the
// verification fails because of it (verdict.outcome == fail), warning when another record
// still authenticates the chain. `verdict` is dane::verify's result for `records` on one
// served chain; `where` names the endpoint ("mx.example.org at 192.0.2.1:25"), `tlsa_base`
// where the RRset was found.
std::optional<Problem> digest_stale(const std::string& tlsa_base, const std::string& where,
                                    const std::vector<dane::TlsaRecord>& records,
                                    const dane::DaneVerdict& verdict);

} // namespace danemon::check
