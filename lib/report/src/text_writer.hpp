// The text reports' writer, internal to lib/report: one line per mark (status) or plain
// text, problems with their severity and code, chains; every string from the network goes
// through text::printable here, once, for every text report (check and status alike).
#pragma once

#include "danemon/report/report.hpp"
#include "danemon/text/text.hpp"

#include <sstream>
#include <string>
#include <vector>

namespace danemon::report::detail {

using check::Severity;
using check::Status;
using text::printable;

inline const char* colour_of(Status status) {
    switch (status) {
    case Status::ok:
        return "\033[32m";
    case Status::warning:
        return "\033[33m";
    case Status::critical:
        return "\033[31m";
    case Status::unknown:
        return "\033[35m";
    }
    return "";
}

// "critical tlsa-mismatch", "info tls-legacy-enabled (policy: warning -> info)", with
// " (pending confirmation)" for a transient problem the daemon has seen once.
inline std::string problem_head(const check::Problem& p) {
    std::string head = std::string(check::to_string(p.severity)) + " " + check::to_string(p.code);
    if (p.default_severity)
        head += std::string(" (policy: ") + check::to_string(*p.default_severity) + " -> " +
                check::to_string(p.severity) + ")";
    if (p.pending) head += " (pending confirmation)";
    return head;
}

inline Status worst_of(const std::vector<check::Problem>& problems) {
    Status status = Status::ok;
    for (const auto& p : problems)
        status = check::worse(status, check::status_of(p));
    return status;
}

class Writer {
public:
    explicit Writer(const TextOptions& options)
        : options_(options) {}

    void mark_line(int indent, Status status, const std::string& text) {
        static const char* const marks[] = {"[ ok ]", "[WARN]", "[CRIT]", "[ ?? ]"};
        const char* mark = marks[static_cast<int>(status)];
        out_ << std::string(static_cast<std::size_t>(indent), ' ');
        if (options_.color)
            out_ << colour_of(status) << mark << "\033[0m";
        else
            out_ << mark;
        out_ << ' ' << text << '\n';
    }

    void plain_line(int indent, const std::string& text) {
        out_ << std::string(static_cast<std::size_t>(indent), ' ') << text << '\n';
    }

    void problems(int indent, const std::vector<check::Problem>& problems) {
        for (const auto& p : problems) // a problem the policy turned off is in --json only
            if (p.severity != Severity::off)
                plain_line(indent, "- " + problem_head(p) + ": " + printable(p.message));
    }

    // A served chain; `of` names whose it is ("" for the main handshake's).
    void chain(int indent, const std::vector<dane::CertificateSummary>& chain,
               const std::string& of = {}) {
        int depth = 0;
        for (const auto& cert : chain) {
            plain_line(indent,
                       (of.empty() ? "" : of + " ") + "certificate " + std::to_string(depth++));
            plain_line(indent + 2, "subject:     " + printable(cert.subject));
            plain_line(indent + 2, "issuer:      " + printable(cert.issuer));
            plain_line(indent + 2,
                       "valid:       " + iso(cert.not_before) + " to " + iso(cert.not_after));
            std::string names;
            for (const auto& n : cert.names)
                names += (names.empty() ? "" : ", ") + printable(n);
            plain_line(indent + 2, "names:       " + names);
            plain_line(indent + 2, "key:         " + cert.key.name);
            plain_line(indent + 2, "spki sha256: " + cert.spki_sha256);
            plain_line(indent + 2, "cert sha256: " + cert.cert_sha256);
            std::istringstream pem(cert.pem);
            for (std::string line; std::getline(pem, line);)
                plain_line(indent + 2, line);
        }
    }

    static std::string iso(std::time_t t) { return text::utc_text(t, text::UtcStyle::readable); }

    std::string str() const { return out_.str(); }
    const TextOptions& options() const { return options_; }

private:
    const TextOptions& options_;
    std::ostringstream out_;
};

} // namespace danemon::report::detail
