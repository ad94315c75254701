// The JSON report, contract version 1 (README.md, "JSON output"). Field names and code
// names are stable; fields may be added, never renamed or removed.
#include "danemon/dane/tlsa.hpp"
#include "danemon/report/report.hpp"
#include "danemon/text/text.hpp"
#include "json_parts.hpp"

#include <nlohmann/json.hpp>

namespace danemon::report {
namespace {

using detail::problems_json;
using nlohmann::json;
using text::printable;

std::string rfc3339(std::time_t t) {
    return text::utc_text(t, text::UtcStyle::iso8601);
}

json chain_json(const std::vector<dane::CertificateSummary>& chain) {
    json list = json::array();
    for (const auto& c : chain) {
        json names = json::array();
        for (const auto& n : c.names)
            names.push_back(printable(n));
        list.push_back({{"subject", printable(c.subject)},
                        {"issuer", printable(c.issuer)},
                        {"not_before", rfc3339(c.not_before)},
                        {"not_after", rfc3339(c.not_after)},
                        {"names", names},
                        {"spki_sha256", c.spki_sha256},
                        {"cert_sha256", c.cert_sha256},
                        {"key", c.key.name}});
    }
    return list;
}

json match_json(const std::optional<dane::TlsaRecord>& record, const std::optional<int>& depth) {
    if (!record || !depth) return nullptr;
    return {{"record", dane::to_presentation(*record)}, {"depth", *depth}};
}

// The other certificates the server holds, beside the main handshake's (the endpoint's own
// chain, dane and match): what senders with other signature algorithms are served, and how
// they judge it. Not repeated for the main one: a report of many domains would hold every
// chain twice.
json keys_json(const check::EndpointVerdict& e) {
    json keys = json::array();
    for (const auto& k : e.other_keys)
        keys.push_back({{"type", k.type},
                        {"tls_version", k.tls_version},
                        {"dane", check::to_string(k.dane)},
                        {"match", match_json(k.matched_record, k.matched_depth)},
                        {"chain", chain_json(k.chain)}});
    return keys;
}

json endpoint_json(const check::EndpointVerdict& e) {
    const auto& p = e.probe;
    json legacy = json::array();
    for (const auto& v : p.legacy_tls)
        legacy.push_back(v);
    bool tls = p.failure == facts::ProbeFailure::none;
    json endpoint = {{"address", p.endpoint.address},
                     {"port", p.endpoint.port},
                     {"starttls", p.starttls_offered},
                     {"tls_version", tls ? json(p.tls_version) : json(nullptr)},
                     {"cipher", tls ? json(p.cipher) : json(nullptr)},
                     {"legacy_tls", legacy},
                     {"dane", check::to_string(e.dane)},
                     {"match", match_json(e.matched_record, e.matched_depth)},
                     {"chain", chain_json(e.chain)},
                     {"keys", keys_json(e)},
                     {"keys_untested", p.keys_untested},
                     {"problems", problems_json(e.problems)}};
    if (p.endpoint.address.empty()) { // danemon verify: a saved chain, no session
        for (const char* unknown : {"address", "port", "starttls", "tls_version", "cipher"})
            endpoint[unknown] = nullptr;
        endpoint["saved_chain"] = printable(p.endpoint.saved_chain);
    }
    return endpoint;
}

// offline: danemon verify, no MX lookup (preference null).
json mx_json(const check::MxVerdict& m, bool offline) {
    json tlsa = json::array();
    for (const auto& t : m.tlsa)
        tlsa.push_back({{"usage", t.record.usage},
                        {"selector", t.record.selector},
                        {"matching", t.record.matching},
                        {"data", dane::to_hex(t.record.data)},
                        {"usable", t.usability.usable},
                        {"why", t.usability.why}});
    json endpoints = json::array();
    for (const auto& e : m.endpoints)
        endpoints.push_back(endpoint_json(e));
    const bool given = m.tlsa_dnssec == check::tlsa_given; // danemon verify --tlsa
    return {{"host", printable(m.host)},
            {"preference", offline ? json(nullptr) : json(m.preference)},
            {"tlsa_name", printable(m.tlsa_name)},
            {"tlsa_dnssec", m.tlsa_dnssec},
            {"tlsa_ttl", given ? json(nullptr) : json(m.tlsa_ttl)},
            {"tlsa", tlsa},
            {"problems", problems_json(m.problems)},
            {"endpoints", endpoints}};
}

} // namespace

std::string render_json(const std::vector<check::DomainVerdict>& verdicts, std::time_t checked_at) {
    json domains = json::array();
    for (const auto& v : verdicts) {
        json mx = json::array();
        for (const auto& m : v.mx)
            mx.push_back(mx_json(m, v.mx_dnssec.empty()));
        domains.push_back({{"domain", printable(v.domain)},
                           {"status", check::to_string(v.status)},
                           {"mx_dnssec", v.mx_dnssec.empty() ? json(nullptr) : json(v.mx_dnssec)},
                           {"dnssec_validator",
                            v.validator.empty() ? json(nullptr) : json(printable(v.validator))},
                           {"problems", problems_json(v.problems)},
                           {"mx", mx}});
    }
    json doc = {{"version", 1}, {"checked_at", rfc3339(checked_at)}, {"domains", domains}};
    return doc.dump(2) + "\n";
}

} // namespace danemon::report
