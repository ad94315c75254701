// The table of problem codes (codes.hpp).
#include "danemon/check/codes.hpp"

#include "danemon/text/text.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace danemon::check {
namespace {

using S = Severity;

constexpr std::array table{
    CodeInfo{Code::tlsa_mismatch, "tlsa-mismatch", S::critical, "critical", false,
             "no usable TLSA record matches the chain an MX address serves: DANE senders "
             "refuse delivery",
             "publish the record danemon prints (the served key's `3 1 1`), wait two TTLs, then "
             "drop the stale record; or serve the key the records name"},
    CodeInfo{Code::tlsa_name_mismatch, "tlsa-name-mismatch", S::critical, "critical", false,
             "a DANE-TA record matches the chain, but the leaf carries none of the reference "
             "names",
             "issue the certificate for the MX host name (or TLSA base domain), or publish a "
             "`3 1 1` record"},
    CodeInfo{Code::starttls_missing, "starttls-missing", S::critical,
             "critical with TLSA, warning without", false, "the MX address does not offer STARTTLS",
             "enable STARTTLS (Postfix: `smtpd_tls_security_level = may`) or withdraw the TLSA "
             "records"},
    CodeInfo{Code::tls_handshake_failed, "tls-handshake-failed", S::critical, "critical", true,
             "STARTTLS was offered but no TLS handshake succeeded",
             "look at the MTA's TLS log; check its certificate and key files"},
    CodeInfo{Code::tls_legacy_only, "tls-legacy-only", S::critical, "critical", false,
             "no TLS 1.2 or newer: TLS-1.2-only senders cannot deliver to this host",
             "link the MTA against a current OpenSSL; allow TLSv1.2 and TLSv1.3"},
    CodeInfo{Code::dnssec_bogus, "dnssec-bogus", S::critical, "critical", false,
             "MX, address or TLSA records fail DNSSEC validation: senders defer",
             "fix the zone's signatures or its DS record at the parent"},
    CodeInfo{Code::dns_error, "dns-error", S::critical,
             "critical (warning when the other address family still works)", true,
             "a lookup failed (SERVFAIL, timeout, NXDOMAIN for the domain): senders defer",
             "fix the authoritative servers or the delegation"},
    CodeInfo{Code::mx_unreachable, "mx-unreachable", S::critical, "critical", true,
             "the MX address does not accept connections, or the MX host has no addresses",
             "check the firewall, the MTA's listener and the A/AAAA records"},
    CodeInfo{Code::smtp_error, "smtp-error", S::critical, "critical", true,
             "the SMTP dialogue failed: timeout, garbage, a refusing banner, a bad STARTTLS "
             "reply",
             "check the MTA and anything in front of it (load balancers, filters)"},
    CodeInfo{Code::cert_expired, "cert-expired", S::critical,
             "critical in a DANE-TA chain, warning for a DANE-EE leaf or without DANE", false,
             "a served certificate is expired (DANE-EE senders accept it, PKIX senders do not)",
             "renew it; keep the key (`certbot --reuse-key`) so the TLSA records stay valid"},
    CodeInfo{Code::resolver_not_validating, "resolver-not-validating", S::critical, "critical",
             true,
             "the resolver danemon asked does not validate DNSSEC, or the embedded validator "
             "cannot validate the root zone: no verdict can be trusted",
             "use `--resolver auto` or `embedded` (danemon validates itself), or a validating "
             "resolver on this host; for the embedded validator, check that the root servers are "
             "reachable and the trust anchor is current"},
    CodeInfo{Code::tlsa_missing, "tlsa-missing", S::warning, "warning", false,
             "a secure MX host has no TLSA records while other MX hosts of the domain do",
             "publish the record danemon prints for that host"},
    CodeInfo{Code::dnssec_insecure, "dnssec-insecure", S::warning, "warning", false,
             "TLSA records exist, but the host's addresses or the TLSA records are unsigned: "
             "DANE is not in effect",
             "sign the zone and publish its DS"},
    CodeInfo{Code::tlsa_unusable, "tlsa-unusable", S::warning, "warning", false,
             "every TLSA record is unusable for SMTP (PKIX usages, bad digest length, unknown "
             "values): TLS without authentication",
             "publish a `3 1 1` (or `2 1 1`) record"},
    CodeInfo{Code::tls_legacy_enabled, "tls-legacy-enabled", S::warning, "warning", false,
             "TLS 1.0/1.1 still accepted beside TLS 1.2+",
             "disable them (Postfix: `smtpd_tls_protocols = >=TLSv1.2`), or accept it with the "
             "severity policy"},
    CodeInfo{Code::cert_expiring, "cert-expiring", S::warning, "warning", false,
             "a served certificate expires within `expiry_warning_days`",
             "renew it, keeping the key, or pre-publish the next key's TLSA record"},
    CodeInfo{Code::endpoint_inconsistent, "endpoint-inconsistent", S::warning, "warning", false,
             "the addresses of one MX host serve different keys",
             "serve one certificate everywhere, or publish records for each key"},
    CodeInfo{Code::tlsa_rollover_missing, "tlsa-rollover-missing", S::info,
             "info; warning when the one record is DANE-EE and the leaf expires within "
             "`expiry_warning_days`",
             false,
             "the secure TLSA RRset of an MX host has exactly one usable record: no next key can "
             "be published beside it. Correct with a key kept across renewals; the renewal "
             "after it breaks delivery only if it brings a new key",
             "keep the key (`certbot --reuse-key`), or add the issuing CA's `2 1 1` record, or "
             "stage the next key's `3 1 1` record before the renewal (\"current + next\", RFC "
             "7671 section 8.1)"},
    CodeInfo{Code::tlsa_digest_stale, "tlsa-digest-stale", S::critical,
             "critical when it breaks verification, warning otherwise", false,
             "for one usage and selector, a stronger digest (SHA-512) record matches nothing "
             "beside a weaker (SHA-256) one that matches: senders use only the strongest (RFC "
             "7671 section 9)",
             "update or remove the stale stronger-digest record"},
    CodeInfo{Code::local_cert_mismatch, "local-cert-mismatch", S::critical, "critical", false,
             "a certificate file configured in `local_certs` (what the MTA serves after its "
             "next reload) matches no usable TLSA record: the reload will break DANE delivery",
             "publish the record danemon prints, wait two TTLs, then reload"},
    CodeInfo{Code::local_cert_not_served, "local-cert-not-served", S::warning, "warning", false,
             "the configured certificate file differs from what the MX host serves now "
             "(renewed, not reloaded)",
             "run `danemon precheck --cert FILE`, then reload the MTA"},
    CodeInfo{Code::mx_invalid_name, "mx-invalid-name", S::critical, "critical", false,
             "an MX target is not a host name: an IP address (`MX 10 192.0.2.1.`, "
             "`[192.0.2.1]`) or a name with bytes no host name has (NUL, control characters, "
             "spaces; shown escaped as `\\000`). Senders skip it (Postfix) or defer (Exim); "
             "danemon neither resolves nor probes it",
             "publish the name of a host with A/AAAA records as the MX target (RFC 5321 "
             "section 5.1)"},
    CodeInfo{Code::check_truncated, "check-truncated", S::warning, "warning", false,
             "the domain publishes more MX hosts or addresses than danemon checks in one run "
             "(see [Limits](#limits)); what lies beyond was not checked",
             "publish fewer MX hosts and addresses, or check the rest by name"},
    CodeInfo{Code::null_mx, "null-mx", S::info, "info", false,
             "the domain publishes a null MX: it accepts no mail", "nothing"},
    CodeInfo{Code::resolver_remote, "resolver-remote", S::info, "info", false,
             "the validating resolver danemon asked is not on this host: its AD bit crosses the "
             "network unprotected, and anyone on the path can forge it",
             "run a validating resolver on the mail host, or use `--resolver embedded` (or "
             "`auto`)"},
    CodeInfo{Code::check_incomplete, "check-incomplete", S::warning, "unknown", true,
             "the DANE verification itself could not run, or a `local_certs` file cannot be "
             "used (unreadable, not a regular file, no certificate, wrong order)",
             "fix the file the message names; otherwise report a bug with the `--json` "
             "output"},
};

// The table is indexed by the code: one row per enumerator, in the enumeration's order.
constexpr bool in_code_order() {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (table[i].code != static_cast<Code>(i)) return false;
    return table.back().code == Code::check_incomplete; // the last enumerator
}
static_assert(in_code_order(), "the table of codes must list every Code in its order");

} // namespace

const char* to_string(Code code) {
    return info_of(code).name;
}

std::optional<Code> code_from_string(std::string_view name) {
    if (const CodeInfo* info = find_code(name)) return info->code;
    return std::nullopt;
}

const CodeInfo& info_of(Code code) {
    return table.at(static_cast<std::size_t>(code));
}

std::span<const CodeInfo> problem_codes() {
    return table;
}

const CodeInfo* find_code(std::string_view code) {
    for (const auto& info : table)
        if (info.name == code) return &info;
    return nullptr;
}

std::string closest_code(std::string_view code) {
    std::vector<std::string_view> codes;
    for (const auto& info : table)
        codes.push_back(info.name);
    return text::nearest(code, codes, 2);
}

std::string unknown_code_hint(std::string_view code) {
    const std::string near = closest_code(code);
    return near.empty() ? "`danemon codes` lists them" : "did you mean '" + near + "'?";
}

Expected<std::pair<Code, Severity>> parse_severity_rule(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos)
        return Error{"'" + std::string(text) +
                     "' is not CODE=LEVEL (e.g. tls-legacy-enabled=info)"};
    const std::string code(text.substr(0, eq));
    const std::string level(text.substr(eq + 1));
    const CodeInfo* info = find_code(code);
    if (info == nullptr)
        return Error{"'" + code + "' is not a problem code; " + unknown_code_hint(code)};
    const auto severity = severity_from_string(level);
    if (!severity)
        return Error{"'" + level + "' is not a level: give info, warning, critical or off"};
    return std::make_pair(info->code, *severity);
}

std::string codes_markdown() {
    std::string out = "| code | severity | daemon alerts | what it means | what to do |\n"
                      "| --- | --- | --- | --- | --- |\n";
    for (const auto& info : table) {
        out += "| `";
        out += info.name;
        out += "` | ";
        out += info.severity_text;
        out += info.transient ? " | once confirmed | " : " | at once | ";
        out += info.meaning;
        out += " | ";
        out += info.fix;
        out += " |\n";
    }
    return out;
}

std::string codes_text() {
    std::string out;
    for (const auto& info : problem_codes()) {
        out.append(info.name).append(": ").append(info.severity_text);
        out.append("; the daemon alerts ")
            .append(info.transient ? "once a re-check confirms it" : "at once");
        out.append("\n    ").append(info.meaning).append("\n    fix: ").append(info.fix);
        out.append("\n");
    }
    return out;
}

} // namespace danemon::check
