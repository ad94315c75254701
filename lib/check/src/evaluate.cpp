// The rules applied to one domain's facts: what a DANE-enforcing sender (RFC 7672, RFC 7671)
// and a sender that requires TLS 1.2 would do with each MX host.
#include "danemon/check/evaluate.hpp"

#include "danemon/check/rollover_rules.hpp"
#include "danemon/facts/facts.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

namespace danemon::check {
namespace {

using facts::LookupStatus;

bool has_code(const std::vector<Problem>& problems, Code code) {
    return std::any_of(problems.begin(), problems.end(),
                       [code](const Problem& p) { return p.code == code; });
}

Problem problem(Code code, Severity severity, std::string message, std::string mx = {},
                std::string address = {}) {
    return Problem{code, severity, std::move(message), std::move(mx), std::move(address)};
}

// A rollover rule's problem at this MX host (and address).
Problem at(Problem problem, std::string mx, std::string address = {}) {
    problem.mx = std::move(mx);
    problem.address = std::move(address);
    return problem;
}

template <typename T> std::string dnssec_word(const facts::Lookup<T>& lookup) {
    switch (lookup.status) {
    case facts::LookupStatus::bogus:
        return "bogus";
    case facts::LookupStatus::error:
        return "error";
    default:
        return lookup.authenticated ? "secure" : "insecure";
    }
}

// " (WHY)" of a failed lookup: the validator's reason, for a report that says what failed.
template <typename T> std::string reason_of(const facts::Lookup<T>& lookup) {
    return lookup.why.empty() ? std::string() : " (" + lookup.why + ")";
}

std::string date_of(std::time_t t) {
    return text::utc_text(t, text::UtcStyle::date);
}

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

std::string endpoint_text(const facts::ProbeEndpoint& e) {
    bool v6 = e.address.find(':') != std::string::npos;
    return (v6 ? "[" + e.address + "]" : e.address) + ":" + std::to_string(e.port);
}

// "mx.example.org at 192.0.2.1:25", or for a saved chain judged offline "mx.example.org in
// chain.pem": where the messages place a served chain.
std::string where_served(const std::string& host, const facts::ProbeEndpoint& e) {
    if (e.address.empty() && !e.saved_chain.empty()) return host + " in " + e.saved_chain;
    return host + " at " + endpoint_text(e);
}

// The record to publish so that a chain matches: 3 1 1 of its leaf (the recommended form).
std::string record_to_publish(const std::string& base, const dane::ServedChain& chain) {
    if (chain.empty()) return {};
    auto data =
        dane::association_data(chain.der.front(), dane::selector_spki, dane::matching_sha256);
    if (!data) return {};
    dane::TlsaRecord record{dane::usage_dane_ee, dane::selector_spki, dane::matching_sha256, *data};
    return facts::zone_file_line(base, record);
}

// What DANE means for one MX host, from its DNS facts alone.
struct HostDane {
    bool addresses_secure = false;
    bool secure_rrset = false; // RFC 7672 2.2: a secure, non-empty TLSA RRset: TLS is mandatory
    std::vector<dane::TlsaRecord> usable;
};

HostDane host_dane(const facts::MxHostFacts& host, bool validating) {
    HostDane d;
    bool any_found = host.ipv4.found() || host.ipv6.found();
    bool all_secure = (!host.ipv4.found() || host.ipv4.authenticated) &&
                      (!host.ipv6.found() || host.ipv6.authenticated);
    // RFC 7672 2.2.2: senders look up TLSA only for hosts whose addresses are secure.
    d.addresses_secure = validating && any_found && all_secure;
    d.secure_rrset = d.addresses_secure && host.tlsa.status == facts::LookupStatus::secure &&
                     !host.tlsa.records.empty();
    if (d.secure_rrset)
        for (const auto& record : host.tlsa.records)
            if (dane::assess_for_smtp(record).usable) d.usable.push_back(record);
    return d;
}

void check_expiry(EndpointVerdict& e, const std::string& host, const Policy& policy,
                  std::time_t now) {
    if (e.chain.empty()) return;
    const auto& leaf = e.chain.front();
    const std::string where = where_served(host, e.probe.endpoint);
    const std::string& address = e.probe.endpoint.address;
    if (leaf.not_after < now) {
        if (e.dane == DaneState::fail) return; // the DANE failure is the problem to fix first
        bool dane_ee = e.dane == DaneState::pass && e.matched_record &&
                       e.matched_record->usage == dane::usage_dane_ee;
        std::string text =
            "The certificate " + where + " expired on " + date_of(leaf.not_after) + ".";
        text += dane_ee ? " DANE senders still accept it (DANE-EE ignores expiry, RFC 7672 section "
                          "3.1.1), but senders that verify it the PKIX way do not."
                        : " Senders that verify certificates refuse it.";
        text += " Renew it, keeping the key (certbot --reuse-key) so the TLSA records stay valid.";
        e.problems.push_back(problem(Code::cert_expired, Severity::warning, text, host, address));
        return;
    }
    auto days_left = (leaf.not_after - now) / 86400;
    if (days_left < policy.expiry_warning_days) {
        e.problems.push_back(problem(
            Code::cert_expiring, Severity::warning,
            "The certificate " + where + " expires on " + date_of(leaf.not_after) + ", in " +
                std::to_string(days_left) +
                " days. Renew it; keep the key (certbot --reuse-key), or publish the next key's "
                "TLSA record at least two TTLs before the switch.",
            host, address));
    }
}

// OpenSSL, like RFC 5280 for trust anchors, does not check the validity of a DANE-TA
// anchor that is not self-signed, so an expired intermediate can pass DANE; senders that
// verify the PKIX way refuse the chain all the same.
void check_issuer_expiry(EndpointVerdict& e, const std::string& host, std::time_t now) {
    if (e.dane == DaneState::fail) return;
    for (std::size_t depth = 1; depth < e.chain.size(); ++depth) {
        const auto& cert = e.chain[depth];
        if (cert.not_after >= now) continue;
        e.problems.push_back(
            problem(Code::cert_expired, Severity::warning,
                    "The issuer certificate at depth " + std::to_string(depth) + " (" +
                        cert.subject + ") in the chain of " + where_served(host, e.probe.endpoint) +
                        " expired on " + date_of(cert.not_after) +
                        ". Senders that verify the chain the PKIX way refuse it. Serve the current "
                        "intermediate certificate from your CA with the leaf.",
                    host, e.probe.endpoint.address));
        return;
    }
}

std::optional<dane::CertificateSummary> summarize(const dane::ServedChain& chain, std::size_t depth,
                                                  EvaluationCache* cache) {
    return cache ? cache->summarize(chain, depth) : dane::summarize(chain, depth);
}

// The record a passing verification matched, among the RRset it was given.
std::optional<dane::TlsaRecord> matched_record(const dane::DaneVerdict& verdict,
                                               const std::vector<dane::TlsaRecord>& records) {
    if (verdict.match_index && *verdict.match_index < records.size())
        return records[*verdict.match_index];
    return std::nullopt;
}

void check_dane(EndpointVerdict& e, const facts::MxHostFacts& host, std::time_t now,
                EvaluationCache* cache) {
    const std::string where = where_served(host.mx.host, e.probe.endpoint);
    const std::string& address = e.probe.endpoint.address;
    const std::string owner = facts::tlsa_owner(host.tlsa_base);
    dane::DaneInput input{host.tlsa.records, host.reference_names, e.probe.chain, now};
    dane::DaneVerdict verdict = cache ? cache->verify(input) : dane::verify(input);
    // RFC 7671 section 9: a stale stronger digest hides a matching weaker one. Critical when
    // that is why verification fails; then it replaces the generic tlsa-mismatch below.
    std::optional<Problem> stale_digest =
        digest_stale(host.tlsa_base, where, host.tlsa.records, verdict);
    if (stale_digest) e.problems.push_back(at(*stale_digest, host.mx.host, address));
    switch (verdict.outcome) {
    case dane::DaneOutcome::pass:
        e.dane = DaneState::pass;
        e.matched_record = matched_record(verdict, host.tlsa.records);
        e.matched_depth = verdict.match_depth;
        return;
    case dane::DaneOutcome::no_usable_records:
        return; // reported once for the host as tlsa-unusable
    case dane::DaneOutcome::internal_error:
        e.problems.push_back(
            problem(Code::check_incomplete, Severity::warning,
                    "DANE verification of " + where + " could not run: " + verdict.detail,
                    host.mx.host, address));
        return;
    case dane::DaneOutcome::fail:
        break;
    }
    e.dane = DaneState::fail;
    const std::string publish = record_to_publish(host.tlsa_base, e.probe.chain);
    switch (verdict.failure) {
    case dane::DaneFailure::name_mismatch: {
        std::vector<std::string> names;
        if (!e.chain.empty()) names = e.chain.front().names;
        e.problems.push_back(problem(
            Code::tlsa_name_mismatch, Severity::critical,
            "A DANE-TA record at " + owner + " matches the chain " + where +
                ", but the certificate's names (" + join(names) + ") include none of " +
                join(host.reference_names) +
                " (RFC 7672 section 3.2.3): DANE senders refuse it. Issue the certificate for " +
                host.tlsa_base + ", or publish " + publish + ".",
            host.mx.host, address));
        return;
    }
    case dane::DaneFailure::expired:
        e.problems.push_back(
            problem(Code::cert_expired, Severity::critical,
                    "The chain " + where + " matches a DANE-TA record at " + owner +
                        ", but a certificate in it is expired or not yet valid (" + verdict.detail +
                        "): DANE senders refuse it. Renew the certificate.",
                    host.mx.host, address));
        return;
    case dane::DaneFailure::empty_chain:
        e.problems.push_back(problem(Code::tls_handshake_failed, Severity::critical,
                                     where + " completed TLS without a certificate: DANE senders "
                                             "cannot authenticate it.",
                                     host.mx.host, address));
        return;
    default:
        break;
    }
    if (stale_digest && stale_digest->severity == Severity::critical) return;
    std::string text = "No usable TLSA record at " + owner + " matches the certificate " + where +
                       ": DANE senders refuse delivery (their logs say 'bad certificate').";
    if (!publish.empty())
        text += " Publish " + publish + " (and drop the stale record once it is live).";
    e.problems.push_back(
        problem(Code::tlsa_mismatch, Severity::critical, text, host.mx.host, address));
}

// P at the endpoint; where the endpoint has a problem of that code (the main key's), P's
// message becomes one more sentence of it, at the worse of the two severities.
void add_or_append(EndpointVerdict& e, Problem p) {
    for (auto& existing : e.problems)
        if (existing.code == p.code) {
            existing.message += " " + p.message;
            existing.severity = std::max(existing.severity, p.severity);
            return;
        }
    e.problems.push_back(std::move(p));
}

// OpenSSL's DANE verification of another certificate of the server (facts::ServedKey), as
// the DANE senders that are served it run it; WHICH names that certificate in messages.
void verify_other_key(EndpointVerdict& e, KeyVerdict& k, const facts::ServedKey& key,
                      const facts::MxHostFacts& host, const std::string& which, std::time_t now,
                      EvaluationCache* cache) {
    const std::string& address = e.probe.endpoint.address;
    dane::DaneInput input{host.tlsa.records, host.reference_names, key.chain, now};
    const dane::DaneVerdict verdict = cache ? cache->verify(input) : dane::verify(input);
    switch (verdict.outcome) {
    case dane::DaneOutcome::pass:
        k.dane = DaneState::pass;
        k.matched_record = matched_record(verdict, host.tlsa.records);
        k.matched_depth = verdict.match_depth;
        return;
    case dane::DaneOutcome::no_usable_records:
        return; // reported once for the host as tlsa-unusable
    case dane::DaneOutcome::internal_error:
        add_or_append(e,
                      problem(Code::check_incomplete, Severity::warning,
                              "DANE verification of " + which + " could not run: " + verdict.detail,
                              host.mx.host, address));
        return;
    case dane::DaneOutcome::fail:
        break;
    }
    k.dane = DaneState::fail;
    const bool wrong_name = verdict.failure == dane::DaneFailure::name_mismatch;
    const std::string publish = record_to_publish(host.tlsa_base, key.chain);
    std::string text = "No usable TLSA record at " + facts::tlsa_owner(host.tlsa_base) +
                       " matches " + which +
                       (wrong_name ? " (a DANE-TA record matches, but its names do not)" : "") +
                       ": those DANE senders refuse delivery while the others deliver.";
    if (!publish.empty() && !wrong_name)
        text += " Publish " + publish + " beside the present records.";
    add_or_append(e, problem(wrong_name ? Code::tlsa_name_mismatch : Code::tlsa_mismatch,
                             Severity::critical, text, host.mx.host, address));
}

// Another certificate of the server, as the DANE senders that are served it judge it: its
// DANE verification and its leaf's validity, named by its key type.
KeyVerdict judge_other_key(EndpointVerdict& e, const facts::ServedKey& key,
                           const facts::MxHostFacts& host, const HostDane& d, const Policy& policy,
                           std::time_t now, EvaluationCache* cache) {
    KeyVerdict k{key.type, key.family, key.tls_version, {}, DaneState::not_applicable, {}, {}};
    for (std::size_t depth = 0; depth < key.chain.der.size(); ++depth)
        if (auto summary = summarize(key.chain, depth, cache))
            k.chain.push_back(std::move(*summary));
    const std::string which = "the " + key.type + " certificate that " +
                              where_served(host.mx.host, e.probe.endpoint) +
                              " serves to senders that negotiate " + key.family;
    if (!d.usable.empty()) verify_other_key(e, k, key, host, which, now, cache);
    if (k.chain.empty() || k.dane == DaneState::fail) return k;
    // The leaf's validity, as check_expiry judges the main one's.
    const std::time_t expiry = k.chain.front().not_after;
    const std::string subject = "T" + which.substr(1);
    if (now > expiry)
        add_or_append(
            e, problem(Code::cert_expired, Severity::warning,
                       subject + " expired on " + date_of(expiry) + ". Renew it with the others.",
                       host.mx.host, e.probe.endpoint.address));
    else if ((expiry - now) / 86400 < policy.expiry_warning_days)
        add_or_append(
            e, problem(Code::cert_expiring, Severity::warning,
                       subject + " expires on " + date_of(expiry) + ". Renew it with the others.",
                       host.mx.host, e.probe.endpoint.address));
    return k;
}

EndpointVerdict evaluate_endpoint(const facts::ProbeResult& probe, const facts::MxHostFacts& host,
                                  const HostDane& d, const Policy& policy, std::time_t now,
                                  EvaluationCache* cache) {
    EndpointVerdict e;
    e.probe = probe;
    for (std::size_t depth = 0; depth < probe.chain.der.size(); ++depth)
        if (auto summary = summarize(probe.chain, depth, cache))
            e.chain.push_back(std::move(*summary));
    const std::string& name = host.mx.host;
    const std::string where = where_served(name, probe.endpoint);
    const std::string& address = probe.endpoint.address;
    switch (probe.failure) {
    case facts::ProbeFailure::unreachable:
        e.problems.push_back(problem(Code::mx_unreachable, Severity::critical,
                                     "Cannot connect to " + where + " (" + probe.detail +
                                         "): senders queue the mail or move to the next MX.",
                                     name, address));
        return e;
    case facts::ProbeFailure::smtp_error:
        e.problems.push_back(problem(Code::smtp_error, Severity::critical,
                                     "The SMTP dialogue with " + where + " failed at " +
                                         probe.phase + ": " + probe.detail + ".",
                                     name, address));
        return e;
    case facts::ProbeFailure::starttls_missing:
        if (d.secure_rrset)
            e.problems.push_back(problem(
                Code::starttls_missing, Severity::critical,
                where + " does not offer STARTTLS although TLSA records are published at " +
                    facts::tlsa_owner(host.tlsa_base) +
                    ": DANE senders defer all mail to it (RFC 7672 section 2.2). Enable STARTTLS "
                    "(Postfix: smtpd_tls_security_level = may) or withdraw the TLSA records.",
                name, address));
        else
            e.problems.push_back(problem(Code::starttls_missing, Severity::warning,
                                         where + " does not offer STARTTLS: senders that require "
                                                 "TLS cannot deliver here.",
                                         name, address));
        return e;
    case facts::ProbeFailure::tls_failed:
        e.problems.push_back(problem(
            Code::tls_handshake_failed, Severity::critical,
            "The TLS handshake with " + where + " failed: " + probe.detail + ".", name, address));
        return e;
    case facts::ProbeFailure::none:
        break;
    }
    if (!probe.modern_tls) {
        e.problems.push_back(problem(
            Code::tls_legacy_only, Severity::critical,
            where + " speaks only " +
                (probe.tls_version.empty() ? "TLS 1.0/1.1" : probe.tls_version) +
                " (no TLS 1.2 or newer): senders that require TLS 1.2 cannot deliver and move to "
                "the "
                "next MX. Link the MTA against a current OpenSSL and allow TLSv1.2 and TLSv1.3.",
            name, address));
    } else if (!probe.legacy_tls.empty()) {
        e.problems.push_back(problem(Code::tls_legacy_enabled, Severity::warning,
                                     where + " still accepts " + join(probe.legacy_tls) +
                                         " beside TLS 1.2+. Consider disabling them (Postfix: "
                                         "smtpd_tls_protocols = >=TLSv1.2).",
                                     name, address));
    }
    if (!d.usable.empty()) check_dane(e, host, now, cache);
    check_expiry(e, name, policy, now);
    check_issuer_expiry(e, name, now);
    for (const auto& key : probe.other_keys)
        e.other_keys.push_back(judge_other_key(e, key, host, d, policy, now, cache));
    e.complete = probe.legacy_untested.empty() && probe.keys_untested.empty() &&
                 !has_code(e.problems, Code::check_incomplete);
    return e;
}

void check_address_lookups(MxVerdict& m, const facts::MxHostFacts& host) {
    bool any_found = host.ipv4.found() || host.ipv6.found();
    for (const auto* lookup : {&host.ipv4, &host.ipv6}) {
        const char* type = lookup == &host.ipv4 ? "A" : "AAAA";
        if (lookup->status == facts::LookupStatus::bogus)
            m.problems.push_back(problem(Code::dnssec_bogus, Severity::critical,
                                         std::string("The ") + type + " records of " +
                                             host.mx.host + " fail DNSSEC validation" +
                                             reason_of(*lookup) + ": senders defer mail to it.",
                                         host.mx.host));
        else if (lookup->status == facts::LookupStatus::error)
            m.problems.push_back(problem(Code::dns_error,
                                         any_found ? Severity::warning : Severity::critical,
                                         std::string("The ") + type + " lookup for " +
                                             host.mx.host + " failed: " + lookup->why + ".",
                                         host.mx.host));
    }
    if (!any_found && !host.ipv4.failed() && !host.ipv6.failed())
        m.problems.push_back(problem(Code::mx_unreachable, Severity::critical,
                                     host.mx.host + " has no A or AAAA records: senders cannot "
                                                    "connect to it.",
                                     host.mx.host));
}

void check_tlsa_lookup(MxVerdict& m, const facts::MxHostFacts& host, const HostDane& d,
                       bool domain_has_dane, bool validating) {
    const std::string owner = facts::tlsa_owner(host.tlsa_base);
    if (!validating) return;
    const auto& tlsa = host.tlsa;
    if (d.addresses_secure) {
        if (tlsa.status == facts::LookupStatus::bogus) {
            m.problems.push_back(problem(Code::dnssec_bogus, Severity::critical,
                                         "The TLSA records at " + owner +
                                             " fail DNSSEC validation" + reason_of(tlsa) +
                                             ": DANE senders defer mail to " + host.mx.host + ".",
                                         host.mx.host));
            return;
        }
        if (tlsa.status == facts::LookupStatus::error) {
            // RFC 7672 2.2.3: a failed TLSA lookup makes the host unusable; never "no DANE".
            m.problems.push_back(problem(Code::dns_error, Severity::critical,
                                         "The TLSA lookup at " + owner + " failed (" + tlsa.why +
                                             "): DANE senders defer mail to " + host.mx.host + ".",
                                         host.mx.host));
            return;
        }
    }
    if (tlsa.found() && !d.secure_rrset) {
        std::string text = d.addresses_secure
                               ? "The TLSA records at " + owner +
                                     " are not DNSSEC-signed: DANE is not in effect. "
                                     "Sign that zone and publish its DS record."
                               : "The addresses of " + host.mx.host +
                                     " are not DNSSEC-signed, so senders do not look up its TLSA "
                                     "records (RFC 7672 "
                                     "section 2.2.2): DANE is not in effect. Sign the zone and "
                                     "publish its DS record.";
        m.problems.push_back(problem(Code::dnssec_insecure, Severity::warning, text, host.mx.host));
        return;
    }
    if (d.secure_rrset && d.usable.empty()) {
        std::vector<std::string> reasons;
        for (const auto& record : tlsa.records) {
            std::string why = dane::assess_for_smtp(record).why;
            if (!why.empty() && why.back() == '.') why.pop_back(); // embedded in our sentence
            reasons.push_back(std::move(why));
        }
        std::sort(reasons.begin(), reasons.end());
        reasons.erase(std::unique(reasons.begin(), reasons.end()), reasons.end());
        std::string text = "Every TLSA record at " + owner + " is unusable for SMTP (" +
                           join(reasons, "; ") +
                           "): senders require TLS but do not authenticate the server.";
        for (const auto& endpoint : host.endpoints)
            if (auto publish = record_to_publish(host.tlsa_base, endpoint.chain);
                !publish.empty()) {
                text += " Publish " + publish + ".";
                break;
            }
        m.problems.push_back(problem(Code::tlsa_unusable, Severity::warning, text, host.mx.host));
        return;
    }
    if (d.addresses_secure && !tlsa.found() && domain_has_dane) {
        std::string text = host.mx.host + " has no TLSA records while other MX hosts of the domain "
                                          "do: DANE senders deliver to it without authentication.";
        for (const auto& endpoint : host.endpoints)
            if (auto publish = record_to_publish(host.tlsa_base, endpoint.chain);
                !publish.empty()) {
                text += " Publish " + publish + ".";
                break;
            }
        m.problems.push_back(problem(Code::tlsa_missing, Severity::warning, text, host.mx.host));
    }
}

void check_consistency(MxVerdict& m) {
    std::set<std::string> keys;
    std::vector<std::string> seen;
    for (const auto& e : m.endpoints) {
        if (e.chain.empty()) continue;
        if (keys.insert(e.chain.front().spki_sha256).second)
            seen.push_back(e.probe.endpoint.address + " serves key " +
                           e.chain.front().spki_sha256.substr(0, 16) + "...");
    }
    if (keys.size() > 1)
        m.problems.push_back(problem(Code::endpoint_inconsistent, Severity::warning,
                                     "The addresses of " + m.host + " serve different keys (" +
                                         join(seen, "; ") +
                                         "): one TLSA RRset must match them all.",
                                     m.host));
}

// The certificate files the MTA will load on its next reload (after a renewal): checked
// against the published RRset before senders see them, and against what is served now.
void check_local_certificates(MxVerdict& m, const facts::MxHostFacts& host, const HostDane& d,
                              std::time_t now, EvaluationCache* cache) {
    for (const auto& local : host.local_certificates) {
        if (!local.error.empty() || local.chain.empty()) {
            m.problems.push_back(problem(Code::check_incomplete, Severity::warning,
                                         "The certificate file " + local.path + " configured for " +
                                             host.mx.host + " cannot be used: " + local.error + ".",
                                         host.mx.host));
            continue;
        }
        if (!d.usable.empty()) {
            dane::DaneInput input{host.tlsa.records, host.reference_names, local.chain, now};
            auto verdict = cache ? cache->verify(input) : dane::verify(input);
            if (verdict.outcome == dane::DaneOutcome::fail) {
                std::string publish = record_to_publish(host.tlsa_base, local.chain);
                m.problems.push_back(
                    problem(Code::local_cert_mismatch, Severity::critical,
                            "The certificate file " + local.path +
                                " (what the MTA serves after its next "
                                "reload or restart) matches no usable TLSA record at " +
                                facts::tlsa_owner(host.tlsa_base) +
                                ": DANE senders will refuse mail from then on. Publish " + publish +
                                " now, wait two TTLs, then reload.",
                            host.mx.host));
            }
        }
        for (const auto& endpoint : host.endpoints) {
            if (endpoint.chain.empty() || endpoint.chain.der.front() == local.chain.der.front())
                continue;
            m.problems.push_back(problem(Code::local_cert_not_served, Severity::warning,
                                         "The certificate file " + local.path +
                                             " differs from the one " + host.mx.host +
                                             " serves at " + endpoint_text(endpoint.endpoint) +
                                             ": renewed but not reloaded? Check the new file with "
                                             "danemon precheck before reloading the MTA.",
                                         host.mx.host, endpoint.endpoint.address));
            break;
        }
    }
}

// "127.0.25.1", "[192.0.2.1]", "2001:db8::1": an address literal where a name belongs.
bool looks_like_address(std::string text) {
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    return facts::is_ip_literal(text);
}

// RFC 5321 section 5.1 and RFC 7505 section 3: an MX target is a host name, looked up for
// its A/AAAA records. Postfix skips targets that look like addresses or hold bytes no host
// name has; Exim defers. So the host is unusable: critical, and nothing else is said.
Problem invalid_mx_name(const facts::MxHostFacts& host) {
    const std::string& name = host.mx.host;
    std::string why = looks_like_address(name)
                          ? "it is an IP address, which senders do not connect to from an MX "
                            "record"
                          : "it holds bytes a host name cannot have (shown escaped)";
    return problem(Code::mx_invalid_name, Severity::critical,
                   "The MX target " + name + " is not a host name: " + why +
                       ". Senders skip it (Postfix) or defer the mail (Exim). Publish the name "
                       "of a host with A or AAAA records as the MX target (RFC 5321 section "
                       "5.1).",
                   name);
}

// Caps of lib/scan: what was published but not checked (README "Limits").
std::optional<Problem> truncation(const facts::DomainFacts& facts) {
    std::size_t addresses = 0;
    for (const auto& host : facts.hosts)
        addresses += host.addresses_skipped;
    if (facts.mx_hosts_skipped == 0 && addresses == 0) return std::nullopt;
    std::vector<std::string> parts;
    if (facts.mx_hosts_skipped > 0)
        parts.push_back(std::to_string(facts.mx_hosts_skipped) + " MX host(s) after the first " +
                        std::to_string(facts.hosts.size()) + " by preference");
    if (addresses > 0)
        parts.push_back(std::to_string(addresses) + " address(es) beyond " +
                        std::to_string(facts.max_addresses_per_host) +
                        " per host and address family or " + std::to_string(facts.max_endpoints) +
                        " per domain");
    return problem(Code::check_truncated, Severity::warning,
                   facts.domain +
                       " publishes more than danemon checks in one run: " + join(parts, " and ") +
                       " were not checked. Senders try only a few addresses per message "
                       "(Postfix: 5), so the hosts and addresses that matter most were checked; "
                       "consider publishing fewer MX hosts and addresses.");
}

MxVerdict evaluate_host(const facts::MxHostFacts& host, const HostDane& d, bool domain_has_dane,
                        bool validating, const Policy& policy, std::time_t now,
                        EvaluationCache* cache) {
    MxVerdict m;
    m.host = host.mx.host;
    m.preference = host.mx.preference;
    m.tlsa_name = facts::tlsa_owner(host.tlsa_base);
    m.tlsa_dnssec = dnssec_word(host.tlsa);
    m.tlsa_status = host.tlsa.status;
    if (!facts::is_host_name(host.mx.host)) {
        m.problems.push_back(invalid_mx_name(host));
        m.lookups_complete = m.complete = true; // nothing else is looked up or probed
        return m;
    }
    m.tlsa_ttl = host.tlsa.ttl;
    for (const auto& record : host.tlsa.records)
        m.tlsa.push_back(TlsaVerdict{record, dane::assess_for_smtp(record)});
    check_address_lookups(m, host);
    check_tlsa_lookup(m, host, d, domain_has_dane, validating);
    for (const auto& probe : host.endpoints)
        m.endpoints.push_back(evaluate_endpoint(probe, host, d, policy, now, cache));
    // RFC 7671 section 8.1: with a single usable record no next key can be pre-published;
    // whether that matters soon depends on when the served leaf expires.
    if (d.secure_rrset) {
        std::optional<std::time_t> leaf_expiry;
        for (const auto& e : m.endpoints)
            if (!e.chain.empty() && (!leaf_expiry || e.chain.front().not_after < *leaf_expiry))
                leaf_expiry = e.chain.front().not_after;
        if (auto missing = rollover_missing(host.mx.host, host.tlsa_base, host.tlsa, leaf_expiry,
                                            now, policy.expiry_warning_days))
            m.problems.push_back(at(*missing, host.mx.host));
    }
    check_consistency(m);
    check_local_certificates(m, host, d, now, cache);
    m.lookups_complete =
        !host.ipv4.failed() && !host.ipv6.failed() && !(d.addresses_secure && host.tlsa.failed());
    m.complete = m.lookups_complete && !has_code(m.problems, Code::check_incomplete) &&
                 std::all_of(m.endpoints.begin(), m.endpoints.end(),
                             [](const EndpointVerdict& e) { return e.complete; });
    return m;
}

// The site's severity policy over every problem the rules found.
void apply_policy(DomainVerdict& v, const Policy& policy) {
    if (policy.severity.empty()) return;
    v.for_each_problem([&](Problem& p) {
        const auto it = policy.severity.find(p.code);
        if (it == policy.severity.end() || it->second == p.severity) return;
        p.default_severity = p.severity;
        p.severity = it->second;
    });
}

Status status_of(const DomainVerdict& v) {
    Status status = Status::ok;
    for (const auto& p : v.all_problems())
        status = worse(status, status_of(p));
    return status;
}

DomainVerdict finish(DomainVerdict& v, const Policy& policy) {
    apply_policy(v, policy);
    v.status = status_of(v);
    return std::move(v);
}

} // namespace

std::optional<dane::CertificateSummary> EvaluationCache::summarize(const dane::ServedChain& chain,
                                                                   std::size_t depth) {
    const dane::Bytes& der = chain.der[depth];
    const std::string_view key(reinterpret_cast<const char*>(der.data()), der.size());
    {
        std::lock_guard lock(mutex_);
        if (const auto it = summaries_.find(key); it != summaries_.end()) return it->second;
    }
    auto summary = dane::summarize(chain, depth);
    std::lock_guard lock(mutex_);
    return summaries_.emplace(std::string(key), std::move(summary)).first->second;
}

dane::DaneVerdict EvaluationCache::verify(const dane::DaneInput& input) {
    // Length-prefixed fields: no two different inputs share a key.
    std::string key;
    auto add = [&key](const auto& bytes) {
        key += std::to_string(bytes.size()) + ':';
        key.append(bytes.begin(), bytes.end());
    };
    key += std::to_string(input.now) + ';' + std::to_string(input.records.size()) + ';';
    for (const auto& r : input.records) {
        key += std::to_string(r.usage) + ' ' + std::to_string(r.selector) + ' ' +
               std::to_string(r.matching) + ' ';
        add(r.data);
    }
    key += std::to_string(input.reference_names.size()) + ';';
    for (const auto& name : input.reference_names)
        add(name);
    key += std::to_string(input.chain.der.size()) + ';';
    for (const auto& der : input.chain.der)
        add(der);
    {
        std::lock_guard lock(mutex_);
        if (const auto it = verdicts_.find(key); it != verdicts_.end()) return it->second;
    }
    auto verdict = dane::verify(input);
    std::lock_guard lock(mutex_);
    return verdicts_.emplace(std::move(key), std::move(verdict)).first->second;
}

DomainVerdict evaluate(const facts::DomainFacts& facts, const Policy& policy, std::time_t now,
                       EvaluationCache* cache) {
    DomainVerdict v;
    v.domain = facts.domain;
    v.mx_dnssec = dnssec_word(facts.mx);
    const bool validating = facts.resolver.validating;
    v.complete = validating && !facts.mx.failed();
    if (!validating)
        v.problems.push_back(problem(Code::resolver_not_validating, Severity::critical,
                                     facts.resolver.why.empty()
                                         ? "The resolver does not validate DNSSEC: no DANE verdict "
                                           "can be trusted. Use a validating resolver (unbound)."
                                         : facts.resolver.why + "."));
    v.validator = facts.resolver.validator;
    if (facts.resolver.remote)
        v.problems.push_back(problem(
            Code::resolver_remote, Severity::info,
            "DNSSEC is judged by the " + facts.resolver.validator +
                ", which is not on this host: its AD bit crosses the network unprotected and "
                "can be forged on the way. Run a validating resolver on the mail host, or use "
                "--resolver embedded."));
    switch (facts.mx.status) {
    case facts::LookupStatus::bogus:
        v.problems.push_back(problem(Code::dnssec_bogus, Severity::critical,
                                     "The MX records of " + facts.domain +
                                         " fail DNSSEC validation" + reason_of(facts.mx) +
                                         ": validating senders defer all mail for the domain."));
        return finish(v, policy);
    case facts::LookupStatus::error:
        v.problems.push_back(problem(Code::dns_error, Severity::critical,
                                     "The MX lookup for " + facts.domain + " failed (" +
                                         facts.mx.why + "): senders defer mail until it answers."));
        return finish(v, policy);
    case facts::LookupStatus::nxdomain:
        v.problems.push_back(problem(Code::dns_error, Severity::critical,
                                     facts.domain + " does not exist in DNS (NXDOMAIN): no mail "
                                                    "can be delivered to it."));
        return finish(v, policy);
    default:
        break;
    }
    // RFC 7505 section 3: a lone "0 ." MX says the domain accepts no mail.
    bool null_mx = facts.mx.found() && std::all_of(facts.mx.records.begin(), facts.mx.records.end(),
                                                   [](const auto& mx) { return mx.host.empty(); });
    if (null_mx) {
        v.problems.push_back(problem(Code::null_mx, Severity::info,
                                     facts.domain +
                                         " publishes a null MX (RFC 7505): it accepts no "
                                         "mail, so there is nothing to probe."));
        return finish(v, policy);
    }
    std::vector<HostDane> dane_of;
    bool domain_has_dane = false;
    for (const auto& host : facts.hosts) {
        dane_of.push_back(host_dane(host, validating));
        domain_has_dane = domain_has_dane || dane_of.back().secure_rrset;
    }
    for (std::size_t i = 0; i < facts.hosts.size(); ++i)
        v.mx.push_back(evaluate_host(facts.hosts[i], dane_of[i], domain_has_dane, validating,
                                     policy, now, cache));
    if (auto truncated = truncation(facts)) v.problems.push_back(std::move(*truncated));
    return finish(v, policy);
}

} // namespace danemon::check
