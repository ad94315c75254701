// Reports of verdicts: a tree of text for people (domain -> MX host -> address, one mark
// per line, each problem with its fix), JSON for machines (the stable contract documented
// in README.md), and the served chains as PEM. Strings that came from the network are
// neutralized for the terminal here.
#pragma once

#include "danemon/check/verdict.hpp"

#include <ctime>
#include <string>
#include <vector>

namespace danemon::report {

struct TextOptions {
    bool color = false;      // ANSI colours, only when writing to a terminal
    bool show_chain = false; // print each served chain (subject, issuer, dates, names, PEM)
};

std::string render_text(const std::vector<check::DomainVerdict>& verdicts,
                        const TextOptions& options);

// JSON contract version 1; checked_at is printed as RFC 3339 UTC.
std::string render_json(const std::vector<check::DomainVerdict>& verdicts, std::time_t checked_at);

// danemon check --nagios: the Nagios plugin output. The first line is the state, the
// counts of critical and warning problems, the worst problem and the performance data
// (domains checked, domains per status, the check's duration, the days until the soonest
// leaf certificate expires); then one line per problem. Exit with check::exit_code.
struct NagiosOptions {
    std::time_t now = 0;
    double duration_seconds = 0;
    int expiry_warning_days = 21; // the cert_expiry_days warning threshold
};
std::string render_nagios(const std::vector<check::DomainVerdict>& verdicts,
                          const NagiosOptions& options);

// An alert waiting in the outbox, as `danemon status` shows it.
struct PendingAlert {
    std::string channel; // syslog | email | exec
    std::string event;   // new | worse | reminder | recovered
    std::string domain, mx, address, code;
    int attempts = 0;
    std::time_t next_attempt = 0;
    std::string last_error; // why the last attempt failed; empty before the first
};

// `danemon status`: the latest stored summary of each domain, as text (a mark line per
// domain, one line per problem, then the alerts waiting for delivery with their last error)
// and as JSON ({"status": worst, "domains": [...], "pending_alerts": [...]}).
std::string render_status_text(const std::vector<check::VerdictSummary>& domains,
                               const std::vector<PendingAlert>& pending,
                               const TextOptions& options);
std::string render_status_json(const std::vector<check::VerdictSummary>& domains,
                               const std::vector<PendingAlert>& pending);

// Writes each served chain as DIR/<mx>_<address>_<port>.pem (leaf first). Returns the
// paths written. Throws std::runtime_error naming the file when one cannot be written.
std::vector<std::string> save_chains(const std::vector<check::DomainVerdict>& verdicts,
                                     const std::string& directory);

} // namespace danemon::report
