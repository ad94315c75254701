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

// `danemon status`: the latest stored summary of each domain, as text (a mark line per
// domain, one line per problem) and as JSON ({"status": worst, "domains": [...]}).
std::string render_status_text(const std::vector<check::VerdictSummary>& domains,
                               const TextOptions& options);
std::string render_status_json(const std::vector<check::VerdictSummary>& domains);

// Writes each served chain as DIR/<mx>_<address>_<port>.pem (leaf first). Returns the
// paths written. Throws std::runtime_error naming the file when one cannot be written.
std::vector<std::string> save_chains(const std::vector<check::DomainVerdict>& verdicts,
                                     const std::string& directory);

} // namespace danemon::report
