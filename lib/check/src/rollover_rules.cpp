// Check-time rollover rules: a single usable TLSA record (no room for a next key, RFC 7671
// section 8.1) and a stale stronger digest that hides a matching weaker one (section 9).
#include "danemon/check/rollover_rules.hpp"

#include "danemon/facts/facts.hpp"
#include "danemon/text/text.hpp"

namespace danemon::check {
std::optional<Problem> rollover_missing(const std::string& mx_host, const std::string& tlsa_base,
                                        const facts::Lookup<dane::TlsaRecord>& tlsa,
                                        std::optional<std::time_t> leaf_expiry, std::time_t now,
                                        int warning_days) {
    // Only a secure RRset puts DANE in effect (RFC 7672 section 2.2); without it nothing
    // breaks at renewal.
    if (!tlsa.found() || !tlsa.authenticated) return std::nullopt;
    const dane::TlsaRecord* usable = nullptr;
    std::size_t count = 0;
    for (const auto& record : tlsa.records) {
        if (!dane::assess_for_smtp(record).usable) continue;
        usable = &record;
        ++count;
    }
    if (count != 1) return std::nullopt;
    const std::string owner = facts::tlsa_owner(tlsa_base);
    const std::string host = facts::normalize_name(mx_host);
    std::string message =
        owner + " has a single usable TLSA record (" + dane::to_presentation(*usable) + "): ";
    if (usable->usage == dane::usage_dane_ta) {
        message += "when the issuing CA changes (CAs rotate their intermediates) DANE senders "
                   "refuse mail to " +
                   host +
                   ". Publish a 3 1 1 record for the server's key beside it, and the next "
                   "CA's record before the switch (RFC 7671 section 8.1).";
        return Problem{Code::tlsa_rollover_missing, Severity::info, std::move(message), {}, {}};
    }
    const bool renewal_near = leaf_expiry && *leaf_expiry - now < std::time_t{warning_days} * 86400;
    if (!renewal_near) {
        message += "correct while the key stays the same across renewals (certbot "
                   "--reuse-key). Before a renewal with a new key, publish the next key's "
                   "record beside it, wait two TTLs, then deploy the new key (current + next, "
                   "RFC 7671 section 8.1).";
        return Problem{Code::tlsa_rollover_missing, Severity::info, std::move(message), {}, {}};
    }
    message += "the certificate " + host + " serves expires on " +
               text::utc_text(*leaf_expiry, text::UtcStyle::date) +
               ", so its renewal is near, and if it brings a new key, DANE senders refuse mail "
               "to " +
               host +
               " from then on. Renew with the same key (certbot --reuse-key), or publish the "
               "next key's record beside this one now, wait two TTLs, then deploy it (current "
               "+ next, RFC 7671 section 8.1).";
    return Problem{Code::tlsa_rollover_missing, Severity::warning, std::move(message), {}, {}};
}

std::optional<Problem> digest_stale(const std::string& tlsa_base, const std::string& where,
                                    const std::vector<dane::TlsaRecord>& records,
                                    const dane::DaneVerdict& verdict) {
    if (verdict.records.size() != records.size()) return std::nullopt;
    // A hidden weaker record that matches the chain, and the stronger record of the same
    // usage and selector that hides it while matching nothing.
    for (const auto& weak : verdict.records) {
        if (!weak.hidden_by_agility || !weak.matched_depth) continue;
        const auto& hidden = records[weak.index];
        for (const auto& strong : verdict.records) {
            const auto& stale = records[strong.index];
            if (!strong.usability.usable || strong.matched_depth || strong.hidden_by_agility ||
                stale.usage != hidden.usage || stale.selector != hidden.selector ||
                stale.matching <= hidden.matching)
                continue;
            const bool breaks = verdict.outcome == dane::DaneOutcome::fail;
            std::string message =
                "At " + facts::tlsa_owner(tlsa_base) + " the record " +
                dane::to_presentation(stale) + " matches no certificate served by " + where +
                ", and because it is the stronger digest, senders "
                "ignore the matching " +
                dane::to_presentation(hidden) + " (RFC 7671 section 9)" +
                (breaks ? ": DANE senders refuse delivery." : "; another record still matches.") +
                " Update the stale record to the served key's digest, or remove it.";
            return Problem{Code::tlsa_digest_stale,
                           breaks ? Severity::critical : Severity::warning,
                           std::move(message),
                           {},
                           {}};
        }
    }
    return std::nullopt;
}

} // namespace danemon::check
