// The CNAME chain, the answer RRset and negative TTLs of one response (RFC 1034 section
// 3.6.2, RFC 2308 section 5), and the typed records of MX, A/AAAA and TLSA answers.
#include "answer.hpp"

#include "danemon/dns/resolver.hpp"

#include <algorithm>
#include <limits>

namespace danemon::dns::detail {
namespace {

std::string owner_name(const ldns_rr* rr) {
    return facts::normalize_name(rdf_text(ldns_rr_owner(rr)));
}

// Follows the CNAME chain from the question name and collects the RRset at its end.
void follow_answer(const ldns_pkt* packet, std::string current, ldns_rr_type type, Answer& answer) {
    const ldns_rr_list* rrs = ldns_pkt_answer(packet);
    std::size_t count = rrs ? ldns_rr_list_rr_count(rrs) : 0;
    for (std::size_t hops = 0; hops < 16; ++hops) { // a loop of aliases ends here
        bool aliased = false;
        for (std::size_t i = 0; i < count; ++i) {
            const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && type != LDNS_RR_TYPE_CNAME &&
                owner_name(rr) == current && ldns_rr_rd_count(rr) >= 1) {
                current = facts::normalize_name(rdf_text(ldns_rr_rdf(rr, 0)));
                answer.cname_chain.push_back(current);
                aliased = true;
                break;
            }
        }
        if (!aliased) break;
    }
    std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
    for (std::size_t i = 0; i < count; ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
        if (ldns_rr_get_type(rr) == type && owner_name(rr) == current) {
            answer.records.push_back(rr);
            ttl = std::min(ttl, ldns_rr_ttl(rr));
        }
    }
    if (!answer.records.empty()) answer.ttl = ttl;
    // An RRset is a set and resolvers rotate it; canonical order (RFC 4034 section 6.3) makes
    // every report, the addresses probed under the scan's caps and the record reported as the
    // match the same from one run to the next.
    std::stable_sort(answer.records.begin(), answer.records.end(),
                     [](const ldns_rr* a, const ldns_rr* b) { return ldns_rr_compare(a, b) < 0; });
}

// RFC 2308 section 5: a negative answer lives min(SOA TTL, SOA MINIMUM).
std::uint32_t negative_ttl(const ldns_pkt* packet) {
    const ldns_rr_list* auth = ldns_pkt_authority(packet);
    std::size_t count = auth ? ldns_rr_list_rr_count(auth) : 0;
    for (std::size_t i = 0; i < count; ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(auth, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) >= 7)
            return std::min(ldns_rr_ttl(rr), ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)));
    }
    return 0;
}

template <typename T> facts::Lookup<T> shell(const Answer& answer) {
    facts::Lookup<T> result;
    result.status = answer.status;
    result.authenticated = answer.authenticated;
    result.ttl = answer.ttl;
    result.cname_chain = answer.cname_chain;
    result.why = answer.why;
    return result;
}

} // namespace

std::string rdf_text(const ldns_rdf* rdf) {
    char* text = ldns_rdf2str(rdf);
    if (text == nullptr) return {};
    std::string result(text);
    free(text); // NOLINT: ldns allocates with malloc
    return result;
}

void read_answer(PktPtr packet, const std::string& qname, ldns_rr_type type, bool authenticated,
                 Answer& answer) {
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(packet.get());
    answer.authenticated = authenticated;
    follow_answer(packet.get(), facts::normalize_name(qname), type, answer);
    if (rcode == LDNS_RCODE_NXDOMAIN && answer.records.empty()) {
        answer.status = facts::LookupStatus::nxdomain;
    } else if (answer.records.empty()) {
        answer.status = facts::LookupStatus::nodata;
    } else {
        answer.status =
            answer.authenticated ? facts::LookupStatus::secure : facts::LookupStatus::insecure;
    }
    if (answer.records.empty()) answer.ttl = negative_ttl(packet.get());
    answer.packet = std::move(packet);
}

facts::Lookup<facts::MxRecord> to_mx(const Answer& answer) {
    facts::Lookup<facts::MxRecord> result = shell<facts::MxRecord>(answer);
    for (const ldns_rr* rr : answer.records) {
        if (ldns_rr_rd_count(rr) < 2) continue;
        facts::MxRecord mx;
        mx.preference = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
        mx.host = facts::normalize_name(rdf_text(ldns_rr_rdf(rr, 1)));
        result.records.push_back(std::move(mx));
    }
    std::sort(result.records.begin(), result.records.end(), [](const auto& a, const auto& b) {
        return a.preference != b.preference ? a.preference < b.preference : a.host < b.host;
    });
    return result;
}

facts::Lookup<std::string> to_addresses(const Answer& answer) {
    facts::Lookup<std::string> result = shell<std::string>(answer);
    for (const ldns_rr* rr : answer.records)
        if (ldns_rr_rd_count(rr) >= 1) result.records.push_back(rdf_text(ldns_rr_rdf(rr, 0)));
    return result;
}

facts::Lookup<dane::TlsaRecord> to_tlsa(const Answer& answer) {
    facts::Lookup<dane::TlsaRecord> result = shell<dane::TlsaRecord>(answer);
    for (const ldns_rr* rr : answer.records) {
        if (ldns_rr_rd_count(rr) < 4) continue;
        dane::TlsaRecord record;
        record.usage = ldns_rdf2native_int8(ldns_rr_rdf(rr, 0));
        record.selector = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
        record.matching = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
        const ldns_rdf* data = ldns_rr_rdf(rr, 3);
        const std::uint8_t* bytes = ldns_rdf_data(data);
        record.data.assign(bytes, bytes + ldns_rdf_size(data));
        result.records.push_back(std::move(record));
    }
    return result;
}

facts::Lookup<std::string> to_names(const Answer& answer) {
    facts::Lookup<std::string> result = shell<std::string>(answer);
    for (const ldns_rr* rr : answer.records)
        if (ldns_rr_rd_count(rr) >= 1)
            result.records.push_back(facts::normalize_name(rdf_text(ldns_rr_rdf(rr, 0))));
    return result;
}

facts::Lookup<dane::TlsaRecord> decode_tlsa_response(const std::uint8_t* wire, std::size_t size,
                                                     const std::string& qname) {
    Answer answer;
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, wire, size) != LDNS_STATUS_OK || raw == nullptr) {
        answer.why = "malformed DNS response";
        return to_tlsa(answer);
    }
    PktPtr packet(raw);
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(packet.get());
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
        answer.why = "the server answered an error";
        return to_tlsa(answer);
    }
    const bool authenticated = ldns_pkt_ad(packet.get());
    read_answer(std::move(packet), qname, LDNS_RR_TYPE_TLSA, authenticated, answer);
    return to_tlsa(answer);
}

} // namespace danemon::dns::detail
