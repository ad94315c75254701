// The pre-rotation gate on the tests/data chains (chain.pem = current key, chain-next.pem =
// next key of the same host) with an injected time: what a user would see is pass/fail,
// the reasons, the record to publish and the earliest safe time.
#include "../dane/test_data.hpp"
#include "danemon/rollover/gate.hpp"
#include "danemon/rollover/publish.hpp"

#include <catch2/catch.hpp>

using namespace danemon;
using namespace danemon::rollover;
using dane::test::load_chain;

namespace {

constexpr std::time_t published_at = 1748736000; // 2025-06-01T00:00:00Z
constexpr std::uint32_t ttl = 3600;

dane::TlsaRecord ee311(const char* chain_file) {
    return {3, 1, 1, *dane::association_data(load_chain(chain_file).der.front(), 1, 1)};
}

// current + next published everywhere since published_at, checked two TTLs later.
GateInput current_plus_next() {
    GateInput in;
    in.mx_host = "mx.example.test";
    in.new_chain = load_chain("chain-next.pem");
    in.current_chain = load_chain("chain.pem");
    in.tlsa.status = facts::LookupStatus::secure;
    in.tlsa.authenticated = true;
    in.tlsa.ttl = 1234; // a resolver's TTL counts down; the servers' TTL is the zone's
    in.tlsa.records = {ee311("chain.pem"), ee311("chain-next.pem")};
    in.reference_names = {"mx.example.test"};
    for (const char* ns : {"ns1.example.test", "ns2.example.test"})
        in.authoritative[ns] = AuthoritativeAnswer{in.tlsa.records, ttl, ""};
    for (const auto& record : in.tlsa.records)
        in.first_seen[record] = published_at;
    in.now = published_at + 2 * ttl;
    return in;
}

bool has_reason(const GateDecision& d, const std::string& text) {
    for (const auto& reason : d.reasons)
        if (reason.find(text) != std::string::npos) return true;
    return false;
}

} // namespace

TEST_CASE("the next certificate passes once current + next is old enough everywhere") {
    const auto d = decide(current_plus_next());
    CHECK(d.pass);
    CHECK(d.reasons.empty());
    CHECK(d.record_published);
    CHECK(d.record == ee311("chain-next.pem"));
    CHECK(d.ttl == ttl);
    CHECK(d.earliest_safe_time == published_at + 2 * ttl);
}

TEST_CASE("a record just published fails the gate until two TTLs have passed") {
    auto in = current_plus_next();
    in.first_seen[ee311("chain-next.pem")] = published_at + 600;
    in.now = published_at + 660;
    auto d = decide(in);
    CHECK_FALSE(d.pass);
    REQUIRE(d.reasons.size() == 1);
    CHECK(d.reasons[0] == "The new key's record (" +
                              dane::to_presentation(ee311("chain-next.pem")) +
                              ") was first seen at 2025-06-01T00:10:00Z; wait until "
                              "2025-06-01T02:10:00Z (2 x TTL 3600 s) so that no resolver still "
                              "caches the RRset without it.");
    CHECK(d.earliest_safe_time == published_at + 600 + 2 * ttl);

    in.now = *d.earliest_safe_time - 1;
    CHECK_FALSE(decide(in).pass);
    in.now = *d.earliest_safe_time;
    CHECK(decide(in).pass);
}

TEST_CASE("the wait starts when the first record that authenticates the new chain appeared") {
    // The issuing CA's 2 1 1 record, published a day before the next key's 3 1 1, already
    // authenticates the new chain: caches filled since then accept it.
    auto in = current_plus_next();
    const dane::TlsaRecord issuer{
        2, 1, 1, *dane::association_data(load_chain("chain-next.pem").der.at(1), 1, 1)};
    in.tlsa.records.push_back(issuer);
    for (auto& [ns, answer] : in.authoritative)
        answer.records = in.tlsa.records;
    in.first_seen[issuer] = published_at - 86400;
    in.now = published_at + 60; // two TTLs after the 2 1 1 record, one minute after the 3 1 1
    const auto d = decide(in);
    CHECK(d.earliest_safe_time == published_at - 86400 + 2 * ttl);
    CHECK(d.reasons.empty());
    CHECK(d.pass);
}

TEST_CASE("a new chain that DANE-TA would refuse fails the gate with the reason") {
    // The issuing CA's record vouches for any leaf it signed, but not for an expired one, one
    // without the host's name, or one whose signature does not verify.
    auto in = current_plus_next();
    const dane::TlsaRecord issuer{2, 1, 1,
                                  *dane::association_data(load_chain("chain.pem").der.at(1), 1, 1)};
    in.tlsa.records = {ee311("chain.pem"), issuer};
    for (auto& [ns, answer] : in.authoritative)
        answer.records = in.tlsa.records;

    in.new_chain = load_chain("chain-expired-leaf.pem");
    const auto expired = decide(in);
    CHECK_FALSE(expired.pass);
    CHECK(has_reason(expired, "a certificate of the new chain is expired or not yet valid"));

    in.new_chain = load_chain("chain-next.pem");
    in.new_chain.der[0].back() ^= 0x01;
    CHECK(has_reason(decide(in), "the new chain does not verify to it"));

    in.new_chain = load_chain("chain-next.pem");
    in.reference_names.clear();
    const auto unnamed = decide(in);
    CHECK_FALSE(unnamed.pass);
    CHECK(has_reason(unnamed, "The new chain could not be verified against "
                              "_25._tcp.mx.example.test"));
    CHECK(has_reason(unnamed, "(No TLSA base domain was given"));
}

TEST_CASE("an empty new certificate file fails the gate at once") {
    auto in = current_plus_next();
    in.new_chain = {};
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK(d.reasons == std::vector<std::string>{"The new certificate file holds no certificate."});
    CHECK_FALSE(d.record);
}

TEST_CASE("a record never seen before counts as first seen now") {
    auto in = current_plus_next();
    in.first_seen.erase(ee311("chain-next.pem"));
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK(d.earliest_safe_time == in.now + 2 * ttl);
}

TEST_CASE("a record missing on one authoritative server fails the gate") {
    auto in = current_plus_next();
    in.authoritative["ns2.example.test"].records = {ee311("chain.pem")};
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    REQUIRE(d.reasons.size() == 1);
    CHECK(d.reasons[0] ==
          "ns2.example.test. does not serve the new key's record at _25._tcp.mx.example.test yet.");
}

TEST_CASE("an authoritative server that cannot be asked fails the gate") {
    auto in = current_plus_next();
    in.authoritative["ns2.example.test"] = AuthoritativeAnswer{{}, 0, "timeout"};
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK(has_reason(d, "ns2.example.test. could not be asked for _25._tcp.mx.example.test "
                        "(timeout)"));
}

TEST_CASE("no authoritative answers at all fails the gate") {
    auto in = current_plus_next();
    in.authoritative.clear();
    CHECK_FALSE(decide(in).pass);
    CHECK(has_reason(decide(in), "No authoritative nameserver"));
}

TEST_CASE("an unrelated certificate fails the gate and gets the record to publish") {
    auto in = current_plus_next();
    in.new_chain = load_chain("chain-wrong-name.pem");
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK_FALSE(d.record_published);
    CHECK(d.record == ee311("chain-wrong-name.pem"));
    CHECK(d.record_line == "_25._tcp.mx.example.test. IN TLSA " +
                               dane::to_presentation(ee311("chain-wrong-name.pem")));
    CHECK(has_reason(d, "no published TLSA record matches the new key"));
    CHECK(has_reason(d, "Publish " + d.record_line));
    CHECK(has_reason(d, "does not serve the new key's record"));
    CHECK_FALSE(d.earliest_safe_time);
}

TEST_CASE("an insecure TLSA RRset fails the gate") {
    auto in = current_plus_next();
    in.tlsa.status = facts::LookupStatus::insecure;
    in.tlsa.authenticated = false;
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    REQUIRE(d.reasons.size() == 1);
    CHECK(d.reasons[0] == "The TLSA RRset at _25._tcp.mx.example.test is not DNSSEC-secure: "
                          "senders ignore it; sign the zone.");
}

TEST_CASE("a failed TLSA lookup or no records fail the gate") {
    auto in = current_plus_next();
    in.tlsa.status = facts::LookupStatus::bogus;
    in.tlsa.records.clear();
    in.tlsa.why = "signature expired";
    auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK(has_reason(d, "failed (bogus: signature expired)"));
    in.tlsa.status = facts::LookupStatus::nodata;
    d = decide(in);
    CHECK(has_reason(d, "No TLSA records are published at _25._tcp.mx.example.test."));
    CHECK(has_reason(d, "Publish _25._tcp.mx.example.test. IN TLSA 3 1 1 "));
}

TEST_CASE("the gate fails when the current served chain would no longer match") {
    auto in = current_plus_next();
    in.tlsa.records = {ee311("chain-next.pem")};
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    REQUIRE(d.reasons.size() == 1);
    CHECK(d.reasons[0].rfind("The chain mx.example.test serves now would no longer match", 0) == 0);
    CHECK(has_reason(d, dane::to_presentation(ee311("chain.pem"))));
}

TEST_CASE("a DANE-TA record of the issuing CA covers the next key of the same host") {
    auto in = current_plus_next();
    const auto chain = load_chain("chain.pem");
    const dane::TlsaRecord ta{2, 1, 1, *dane::association_data(chain.der[1], 1, 1)};
    in.tlsa.records = {ta};
    for (auto& [ns, answer] : in.authoritative)
        answer.records = {ta};
    in.first_seen = {{ta, published_at}};
    CHECK(decide(in).pass);

    in.reference_names = {"other.example.test"}; // DANE-TA name rules apply as for senders
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK(has_reason(d, "none of the MX host's reference names"));
}

TEST_CASE("a stale stronger digest hides the next key's record (digest agility)") {
    auto in = current_plus_next();
    in.tlsa.records.push_back({3, 1, 2, dane::Bytes(64, 0x5A)});
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK(has_reason(d, "hidden by a stronger digest"));
}

TEST_CASE("the gate for a CNAME'd MX host names the records at the alias target") {
    // mx.example.test is an alias of mail.provider.test, whose TLSA RRset senders use (RFC
    // 7671 section 7): the record to publish and every reason name that owner.
    auto in = current_plus_next();
    in.tlsa_base = "mail.provider.test";
    in.new_chain = load_chain("chain-wrong-name.pem");
    const auto d = decide(in);
    CHECK_FALSE(d.pass);
    CHECK(d.record_line == "_25._tcp.mail.provider.test. IN TLSA " +
                               dane::to_presentation(ee311("chain-wrong-name.pem")));
    CHECK(has_reason(d, "Publish _25._tcp.mail.provider.test. IN TLSA 3 1 1 "));
    CHECK(has_reason(d, "does not serve the new key's record at _25._tcp.mail.provider.test yet"));
    for (const auto& reason : d.reasons)
        CHECK(reason.find("_25._tcp.mx.example.test") == std::string::npos);
}
