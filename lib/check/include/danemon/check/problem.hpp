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

// The problem codes. Their names ("tlsa-mismatch", what reports, JSON, the store, alerts and
// the configuration show), usual severities, meanings and fixes are the table of codes.hpp.
enum class Code {
    // critical: a sender would defer or refuse this MX host
    tlsa_mismatch,
    tlsa_name_mismatch,
    starttls_missing,
    tls_handshake_failed,
    tls_legacy_only,
    dnssec_bogus,
    dns_error,
    mx_unreachable,
    smtp_error,
    cert_expired,
    resolver_not_validating,
    // warning: works today, but DANE is not in effect where expected or will break soon
    tlsa_missing,
    dnssec_insecure,
    tlsa_unusable,
    tls_legacy_enabled,
    cert_expiring,
    endpoint_inconsistent,
    tlsa_rollover_missing, // one usable record (info, or warning when a renewal is near)
    tlsa_digest_stale,     // critical when it breaks DANE, else warning
    local_cert_mismatch,   // critical
    local_cert_not_served, // warning
    mx_invalid_name,       // critical: an MX target that is no host name; not probed
    check_truncated,       // warning: MX hosts or addresses beyond the scan's caps
    null_mx,               // info
    resolver_remote,       // info: the AD bit of a resolver across the network
    check_incomplete,      // the check could not be completed (status unknown)
};
// The code's name, "tlsa-mismatch".
const char* to_string(Code code);
// The code of a name; nullopt for a name that is no problem code.
std::optional<Code> code_from_string(std::string_view name);

struct Problem {
    Code code = Code::check_incomplete;
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
