// The text report: one tree per domain, a mark per line, each problem in plain words.
#include "danemon/dane/tlsa.hpp"
#include "danemon/report/report.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace danemon::report {
namespace {

using check::Severity;
using check::Status;
using text::printable;

const char* colour_of(Status status) {
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

Status status_of(Severity severity) {
    switch (severity) {
    case Severity::info:
        return Status::ok;
    case Severity::warning:
        return Status::warning;
    case Severity::critical:
        return Status::critical;
    }
    return Status::critical;
}

Status worst_of(const std::vector<check::Problem>& problems) {
    Status status = Status::ok;
    for (const auto& p : problems)
        status =
            check::worse(status, p.code == check::code::check_incomplete ? Status::unknown
                                                                         : status_of(p.severity));
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
        for (const auto& p : problems)
            plain_line(indent, std::string("- ") + check::to_string(p.severity) + " " + p.code +
                                   ": " + printable(p.message));
    }

    void chain(int indent, const check::EndpointVerdict& e) {
        int depth = 0;
        for (const auto& cert : e.chain) {
            plain_line(indent, "certificate " + std::to_string(depth++));
            plain_line(indent + 2, "subject:     " + printable(cert.subject));
            plain_line(indent + 2, "issuer:      " + printable(cert.issuer));
            plain_line(indent + 2,
                       "valid:       " + iso(cert.not_before) + " to " + iso(cert.not_after));
            std::string names;
            for (const auto& n : cert.names)
                names += (names.empty() ? "" : ", ") + printable(n);
            plain_line(indent + 2, "names:       " + names);
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

std::string endpoint_line(const check::EndpointVerdict& e) {
    const auto& p = e.probe;
    bool v6 = p.endpoint.address.find(':') != std::string::npos;
    std::string text = (v6 ? "[" + p.endpoint.address + "]" : p.endpoint.address) + ":" +
                       std::to_string(p.endpoint.port);
    if (p.failure == smtp::ProbeFailure::none) {
        text += "  " + p.tls_version + " " + p.cipher;
        if (!p.legacy_tls.empty()) {
            text += " (also accepts";
            for (const auto& v : p.legacy_tls)
                text += " " + v;
            text += ")";
        }
        text += "  DANE " + std::string(check::to_string(e.dane));
        if (e.matched_record && e.matched_depth) {
            auto record = dane::to_presentation(*e.matched_record);
            // "3 1 1 " and the first bytes of the data are enough to recognise the record.
            text += " (" + record.substr(0, std::min<std::size_t>(record.size(), 22)) +
                    "... at depth " + std::to_string(*e.matched_depth) + ")";
        }
    }
    return printable(text);
}

} // namespace

std::string render_text(const std::vector<check::DomainVerdict>& verdicts,
                        const TextOptions& options) {
    Writer w(options);
    for (const auto& v : verdicts) {
        std::string head = printable(v.domain) + "  " + check::to_string(v.status);
        head += "  (MX records " + v.mx_dnssec + ")";
        w.mark_line(0, v.status, head);
        w.problems(7, v.problems);
        for (const auto& mx : v.mx) {
            Status mx_status = worst_of(mx.problems);
            for (const auto& e : mx.endpoints)
                mx_status = check::worse(mx_status, worst_of(e.problems));
            std::string line = "MX " + std::to_string(mx.preference) + " " + printable(mx.host) +
                               "  TLSA " + printable(mx.tlsa_name) + " " + mx.tlsa_dnssec;
            if (mx.tlsa.empty())
                line += ", none";
            else
                line += ", " + std::to_string(mx.tlsa.size()) + " record(s), TTL " +
                        std::to_string(mx.tlsa_ttl);
            w.mark_line(2, mx_status, line);
            for (const auto& t : mx.tlsa)
                w.plain_line(
                    9, "TLSA " + dane::to_presentation(t.record) +
                           (t.usability.usable ? "" : "  (unusable: " + t.usability.why + ")"));
            w.problems(9, mx.problems);
            for (const auto& e : mx.endpoints) {
                w.mark_line(4, worst_of(e.problems), endpoint_line(e));
                w.problems(11, e.problems);
                if (options.show_chain) w.chain(11, e);
            }
        }
    }
    return w.str();
}

} // namespace danemon::report
