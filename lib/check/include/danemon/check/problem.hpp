// Problems and severities: the fixed vocabulary of codes that reports, alerts and exit
// codes are built from. Codes may be added when a real case needs one; never renamed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace danemon::check {

// off: dropped by the severity policy (shown only in --json, never in a status or alert).
enum class Severity { info, warning, critical, off };
const char* to_string(Severity severity);
// The severity a name stands for ("info", "warning", "critical", "off"); nullopt for any
// other. The levels the severity policy may give a code, and what the store reads back.
std::optional<Severity> severity_from_string(std::string_view name);

// A domain's status: the worst severity among its problems (info counts as ok), or
// unknown when the check itself could not be completed.
enum class Status { ok, warning, critical, unknown };
const char* to_string(Status status);
std::optional<Status> status_from_string(std::string_view name);
// Nagios-style: 0 ok, 1 warning, 2 critical, 3 unknown.
int exit_code(Status status);
Status worse(Status a, Status b);

namespace code {
// critical: a sender would defer or refuse this MX host
inline constexpr const char* tlsa_mismatch = "tlsa-mismatch";
inline constexpr const char* tlsa_name_mismatch = "tlsa-name-mismatch";
inline constexpr const char* starttls_missing = "starttls-missing";
inline constexpr const char* tls_handshake_failed = "tls-handshake-failed";
inline constexpr const char* tls_legacy_only = "tls-legacy-only";
inline constexpr const char* dnssec_bogus = "dnssec-bogus";
inline constexpr const char* dns_error = "dns-error";
inline constexpr const char* mx_unreachable = "mx-unreachable";
inline constexpr const char* smtp_error = "smtp-error";
inline constexpr const char* cert_expired = "cert-expired";
inline constexpr const char* resolver_not_validating = "resolver-not-validating";
// warning: works today, but DANE is not in effect where expected or will break soon
inline constexpr const char* tlsa_missing = "tlsa-missing";
inline constexpr const char* dnssec_insecure = "dnssec-insecure";
inline constexpr const char* tlsa_unusable = "tlsa-unusable";
inline constexpr const char* tls_legacy_enabled = "tls-legacy-enabled";
inline constexpr const char* cert_expiring = "cert-expiring";
inline constexpr const char* endpoint_inconsistent = "endpoint-inconsistent";
inline constexpr const char* tlsa_rollover_missing = "tlsa-rollover-missing"; // one usable record
inline constexpr const char* local_cert_mismatch = "local-cert-mismatch";     // critical
inline constexpr const char* local_cert_not_served = "local-cert-not-served"; // warning
inline constexpr const char* tlsa_digest_stale =
    "tlsa-digest-stale"; // critical when it breaks DANE
// critical: an MX target that is no host name (an IP address, escaped bytes); not probed
inline constexpr const char* mx_invalid_name = "mx-invalid-name";
// warning: MX hosts or addresses beyond the scan's caps were not checked
inline constexpr const char* check_truncated = "check-truncated";
// info
inline constexpr const char* null_mx = "null-mx";
// the check could not be completed (status unknown)
inline constexpr const char* check_incomplete = "check-incomplete";
} // namespace code

struct Problem {
    std::string code;
    Severity severity = Severity::info;
    std::string message; // one plain sentence (or two: what is wrong, then the fix)
    std::string mx;      // MX host, empty for domain-level problems
    std::string address; // endpoint address, empty above endpoint level
    // The severity the rules gave, when the severity policy changed it.
    std::optional<Severity> default_severity = std::nullopt;
    // Set by the daemon: a transient problem seen once, waiting for its confirming re-check.
    bool pending = false;
};

// What one problem makes of its domain's status: unknown for check-incomplete, warning or
// critical as its severity, ok for info and for a problem the policy turned off.
Status status_of(const Problem& problem);

} // namespace danemon::check
