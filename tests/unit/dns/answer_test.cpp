// Responses in wire format, read as the resolver reads them: AD bit, CNAME chains,
// negative TTLs, and hostile or broken packets.
#include "answer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace danemon;
using facts::LookupStatus;

namespace {

const std::string owner = "_25._tcp.mx.example.test";
const std::string record_data = std::string(64, 'a');

// Builds a response with ldns from zone-file lines.
std::vector<std::uint8_t> response(ldns_pkt_rcode rcode, bool ad,
                                   const std::vector<std::string>& answer,
                                   const std::vector<std::string>& authority = {}) {
    ldns_pkt* pkt = ldns_pkt_new();
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_rcode(pkt, static_cast<std::uint8_t>(rcode));
    ldns_pkt_set_ad(pkt, ad);
    auto push = [&](const std::string& line, ldns_pkt_section section) {
        ldns_rr* rr = nullptr;
        REQUIRE(ldns_rr_new_frm_str(&rr, line.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK);
        ldns_pkt_push_rr(pkt, section, rr);
    };
    for (const auto& line : answer)
        push(line, LDNS_SECTION_ANSWER);
    for (const auto& line : authority)
        push(line, LDNS_SECTION_AUTHORITY);
    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    REQUIRE(ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK);
    std::vector<std::uint8_t> bytes(wire, wire + size);
    free(wire); // NOLINT: ldns allocates with malloc
    ldns_pkt_free(pkt);
    return bytes;
}

facts::Lookup<dane::TlsaRecord> decode(const std::vector<std::uint8_t>& wire,
                                       const std::string& qname = owner) {
    return dns::detail::decode_tlsa_response(wire.data(), wire.size(), qname);
}

} // namespace

TEST_CASE("a validated TLSA answer is secure and keeps its TTL") {
    auto l = decode(response(LDNS_RCODE_NOERROR, true,
                             {owner + ". 300 IN TLSA 3 1 1 " + record_data,
                              owner + ". 120 IN TLSA 2 1 1 " + record_data}));
    CHECK(l.status == facts::LookupStatus::secure);
    CHECK(l.authenticated);
    CHECK(l.ttl == 120);
    REQUIRE(l.records.size() == 2);
    CHECK(l.records[1].usage == 3); // canonical order: 2 1 1 before 3 1 1
    CHECK(l.records[1].data == dane::Bytes(32, 0xaa));
}

TEST_CASE("a rotated RRset reads in canonical order, so that reports do not change run to run") {
    const std::vector<std::string> rrs = {owner + ". 60 IN TLSA 3 1 1 " + std::string(64, 'b'),
                                          owner + ". 60 IN TLSA 2 1 1 " + record_data,
                                          owner + ". 60 IN TLSA 3 1 1 " + record_data,
                                          owner + ". 60 IN TLSA 3 0 1 " + record_data};
    std::vector<std::string> rotated = rrs;
    std::rotate(rotated.begin(), rotated.begin() + 2, rotated.end());
    for (const auto& answer : {rrs, rotated}) {
        auto l = decode(response(LDNS_RCODE_NOERROR, true, answer));
        REQUIRE(l.records.size() == 4);
        CHECK(dane::to_presentation(l.records[0]) == "2 1 1 " + std::string(64, 'A'));
        CHECK(dane::to_presentation(l.records[1]) == "3 0 1 " + std::string(64, 'A'));
        CHECK(dane::to_presentation(l.records[2]) == "3 1 1 " + std::string(64, 'A'));
        CHECK(dane::to_presentation(l.records[3]) == "3 1 1 " + std::string(64, 'B'));
    }
}

TEST_CASE("the same answer without AD is insecure") {
    auto l =
        decode(response(LDNS_RCODE_NOERROR, false, {owner + ". 300 IN TLSA 3 1 1 " + record_data}));
    CHECK(l.status == facts::LookupStatus::insecure);
    CHECK_FALSE(l.authenticated);
}

TEST_CASE("a CNAME'd TLSA name: records at the end of the chain, the chain recorded") {
    auto l = decode(response(LDNS_RCODE_NOERROR, true,
                             {owner + ". 300 IN CNAME tlsa.hosting.test.",
                              "tlsa.hosting.test. 300 IN TLSA 3 1 1 " + record_data,
                              "unrelated.test. 300 IN TLSA 3 1 1 " + record_data}));
    CHECK(l.status == facts::LookupStatus::secure);
    CHECK(l.cname_chain == std::vector<std::string>{"tlsa.hosting.test"});
    CHECK(l.records.size() == 1);
}

TEST_CASE("a CNAME loop ends without records and without hanging") {
    auto l =
        decode(response(LDNS_RCODE_NOERROR, true,
                        {owner + ". 300 IN CNAME a.test.", "a.test. 300 IN CNAME " + owner + "."}));
    CHECK(l.status == facts::LookupStatus::nodata);
    CHECK(l.cname_chain.size() == 16);
}

TEST_CASE("NXDOMAIN keeps the negative TTL from the SOA (RFC 2308)") {
    auto l =
        decode(response(LDNS_RCODE_NXDOMAIN, true, {},
                        {"example.test. 3600 IN SOA ns.example.test. h.example.test. 1 7200 900 "
                         "1209600 60"}));
    CHECK(l.status == facts::LookupStatus::nxdomain);
    CHECK(l.authenticated);
    CHECK(l.ttl == 60);
}

TEST_CASE("records of another owner or type are not taken as the answer") {
    auto l = decode(
        response(LDNS_RCODE_NOERROR, true,
                 {"other.test. 300 IN TLSA 3 1 1 " + record_data, owner + ". 300 IN A 192.0.2.1"}));
    CHECK(l.status == facts::LookupStatus::nodata);
    CHECK(l.records.empty());
}

TEST_CASE("garbage and truncated packets are lookup errors") {
    std::vector<std::uint8_t> garbage(7, 0xff);
    CHECK(decode(garbage).status == facts::LookupStatus::error);
    auto good = response(LDNS_RCODE_NOERROR, true, {owner + ". 300 IN TLSA 3 1 1 " + record_data});
    good.resize(good.size() - 10);
    CHECK(decode(good).status == facts::LookupStatus::error);
    CHECK(decode(response(LDNS_RCODE_REFUSED, false, {})).status == facts::LookupStatus::error);
}
