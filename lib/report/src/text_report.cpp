// The text report: one tree per domain, a mark per line, each problem in plain words.
#include "danemon/dane/tlsa.hpp"
#include "danemon/report/report.hpp"
#include "text_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace danemon::report {
namespace {

using check::Status;
using detail::worst_of;
using detail::Writer;
using text::printable;

// "3 1 1 0B35C2A1F08E8D3A... at depth 0": "3 1 1 " and the first bytes of the data are enough
// to recognise the record.
std::string match_text(const std::optional<dane::TlsaRecord>& record,
                       const std::optional<int>& depth) {
    if (!record || !depth) return {};
    const auto text = dane::to_presentation(*record);
    return " (" + text.substr(0, std::min<std::size_t>(text.size(), 22)) + "... at depth " +
           std::to_string(*depth) + ")";
}

// A certificate the server serves to senders of another kind, and how they judge it.
std::string other_key_line(const check::KeyVerdict& k) {
    return printable("also serves " + k.type + " (to senders that negotiate " + k.family + ", " +
                     k.tls_version + ")  DANE " + check::to_string(k.dane) +
                     match_text(k.matched_record, k.matched_depth));
}

std::string endpoint_line(const check::EndpointVerdict& e) {
    const auto& p = e.probe;
    const bool offline = p.endpoint.address.empty(); // danemon verify: a saved chain
    bool v6 = p.endpoint.address.find(':') != std::string::npos;
    std::string text = offline ? "chain " + p.endpoint.saved_chain
                               : (v6 ? "[" + p.endpoint.address + "]" : p.endpoint.address) + ":" +
                                     std::to_string(p.endpoint.port);
    if (p.failure == facts::ProbeFailure::none) {
        if (!offline) text += "  " + p.tls_version + " " + p.cipher;
        if (!p.legacy_tls.empty()) {
            text += " (also accepts";
            for (const auto& v : p.legacy_tls)
                text += " " + v;
            text += ")";
        }
        text += "  DANE " + std::string(check::to_string(e.dane)) +
                match_text(e.matched_record, e.matched_depth);
    }
    return printable(text);
}

} // namespace

std::string render_text(const std::vector<check::DomainVerdict>& verdicts,
                        const TextOptions& options) {
    Writer w(options);
    for (const auto& v : verdicts) {
        std::string head = printable(v.domain) + "  " + check::to_string(v.status);
        if (!v.mx_dnssec.empty()) head += "  (MX records " + v.mx_dnssec + ")";
        w.mark_line(0, v.status, head);
        w.problems(7, v.problems);
        for (const auto& mx : v.mx) {
            Status mx_status = worst_of(mx.problems);
            for (const auto& e : mx.endpoints)
                mx_status = check::worse(mx_status, worst_of(e.problems));
            // danemon verify: no MX lookup, maybe records from the command line ("given").
            const bool given = mx.tlsa_dnssec == check::tlsa_given;
            std::string line =
                (v.mx_dnssec.empty() ? "" : "MX " + std::to_string(mx.preference) + " ") +
                printable(mx.host) + "  TLSA " + printable(mx.tlsa_name) + " " + mx.tlsa_dnssec;
            if (mx.tlsa.empty())
                line += ", none";
            else
                line += ", " + std::to_string(mx.tlsa.size()) + " record(s)" +
                        (given ? "" : ", TTL " + std::to_string(mx.tlsa_ttl));
            w.mark_line(2, mx_status, line);
            for (const auto& t : mx.tlsa)
                w.plain_line(
                    9, "TLSA " + dane::to_presentation(t.record) +
                           (t.usability.usable ? "" : "  (unusable: " + t.usability.why + ")"));
            w.problems(9, mx.problems);
            for (const auto& e : mx.endpoints) {
                w.mark_line(4, worst_of(e.problems), endpoint_line(e));
                for (const auto& k : e.other_keys)
                    w.plain_line(11, other_key_line(k));
                if (!e.probe.keys_untested.empty()) {
                    std::string untested;
                    for (const auto& family : e.probe.keys_untested)
                        untested += (untested.empty() ? "" : ", ") + family;
                    w.plain_line(11, "untested: whether it also serves " + untested +
                                         " certificates (those sessions ended before the "
                                         "handshake)");
                }
                w.problems(11, e.problems);
                if (options.show_chain) {
                    w.chain(11, e.chain);
                    for (const auto& k : e.other_keys)
                        w.chain(11, k.chain, k.type);
                }
            }
        }
    }
    // One validator judges a whole run: the last line names it.
    if (!verdicts.empty() && !verdicts.front().validator.empty())
        w.plain_line(0, "DNSSEC: " + printable(verdicts.front().validator));
    return w.str();
}

} // namespace danemon::report
