// tlsa-rollover-missing and tlsa-digest-stale: code, severity and the fix in the message.
#include "../dane/test_data.hpp"
#include "danemon/check/rollover_rules.hpp"

#include <catch2/catch.hpp>

using namespace danemon;
using namespace danemon::check;
using dane::test::load_chain;

namespace {

dane::TlsaRecord record_for(const char* chain_file, std::size_t depth, std::uint8_t usage,
                            std::uint8_t matching) {
    return {usage, 1, matching,
            *dane::association_data(load_chain(chain_file).der.at(depth), 1, matching)};
}

facts::Lookup<dane::TlsaRecord> secure(std::vector<dane::TlsaRecord> records) {
    facts::Lookup<dane::TlsaRecord> lookup;
    lookup.status = facts::LookupStatus::secure;
    lookup.authenticated = true;
    lookup.ttl = 3600;
    lookup.records = std::move(records);
    return lookup;
}

dane::DaneVerdict verify_chain(const std::vector<dane::TlsaRecord>& records) {
    return dane::verify({records, {"mx.example.test"}, load_chain("chain.pem"), 1748736000});
}

} // namespace

TEST_CASE("tlsa-rollover-missing: a single usable DANE-EE record is advice while the leaf "
          "is far from expiry") {
    // The most common correct setup (certbot --reuse-key): info, as internet.nl grades it.
    const std::time_t now = 1748736000;
    const auto finding =
        rollover_missing("mx.example.test", "mx.example.test",
                         secure({record_for("chain.pem", 0, 3, 1)}), now + 90 * 86400, now, 21);
    REQUIRE(finding);
    CHECK(finding->code == Code::tlsa_rollover_missing);
    CHECK(finding->severity == Severity::info);
    CHECK(finding->message.rfind("_25._tcp.mx.example.test has a single usable TLSA record (3 1 1 ",
                                 0) == 0);
    CHECK(finding->message.find("correct while the key stays the same across renewals (certbot "
                                "--reuse-key)") != std::string::npos);
    CHECK(finding->message.find("publish the next key's record beside it") != std::string::npos);
    // Unknown expiry (nothing served): still advice.
    CHECK(rollover_missing("mx.example.test", "mx.example.test",
                           secure({record_for("chain.pem", 0, 3, 1)}))
              ->severity == Severity::info);
}

TEST_CASE("tlsa-rollover-missing: a warning when the one DANE-EE record's leaf expires soon") {
    const std::time_t now = 1748736000;
    const auto at = [&](std::time_t expiry) {
        return rollover_missing("mx.example.test", "mx.example.test",
                                secure({record_for("chain.pem", 0, 3, 1)}), expiry, now, 21);
    };
    const auto soon = at(now + 20 * 86400);
    REQUIRE(soon);
    CHECK(soon->severity == Severity::warning);
    CHECK(soon->message.find("expires on 2025-06-21, so its renewal is near, and if it brings a "
                             "new key, DANE senders refuse mail to mx.example.test") !=
          std::string::npos);
    CHECK(at(now + 21 * 86400)->severity == Severity::info); // the boundary: not within
    CHECK(at(now + 21 * 86400 - 1)->severity == Severity::warning);
    CHECK(at(now - 86400)->severity == Severity::warning); // already expired
}

TEST_CASE("tlsa-rollover-missing: a single DANE-TA record is advice whatever the leaf's expiry") {
    const std::time_t now = 1748736000;
    const auto finding =
        rollover_missing("mx.example.test", "mx.example.test",
                         secure({record_for("chain.pem", 1, 2, 1)}), now + 86400, now, 21);
    REQUIRE(finding);
    CHECK(finding->severity == Severity::info);
}

TEST_CASE("tlsa-rollover-missing: unusable records do not count as a next key") {
    const dane::TlsaRecord pkix{1, 1, 1, dane::Bytes(32, 0x11)};
    CHECK(rollover_missing("mx.example.test", "mx.example.test",
                           secure({record_for("chain.pem", 0, 3, 1), pkix})));
}

TEST_CASE("tlsa-rollover-missing: a single DANE-TA record names the CA change") {
    const auto finding = rollover_missing("mx.example.test", "mx.example.test",
                                          secure({record_for("chain.pem", 1, 2, 1)}));
    REQUIRE(finding);
    CHECK(finding->message.find("issuing CA changes") != std::string::npos);
}

TEST_CASE("tlsa-rollover-missing: silent for current + next, insecure or absent RRsets") {
    CHECK_FALSE(rollover_missing(
        "mx.example.test", "mx.example.test",
        secure({record_for("chain.pem", 0, 3, 1), record_for("chain-next.pem", 0, 3, 1)})));
    auto insecure = secure({record_for("chain.pem", 0, 3, 1)});
    insecure.status = facts::LookupStatus::insecure;
    insecure.authenticated = false;
    CHECK_FALSE(rollover_missing("mx.example.test", "mx.example.test", insecure));
    facts::Lookup<dane::TlsaRecord> nodata;
    nodata.status = facts::LookupStatus::nodata;
    nodata.authenticated = true;
    CHECK_FALSE(rollover_missing("mx.example.test", "mx.example.test", nodata));
}

TEST_CASE("tlsa-digest-stale: critical when the stale SHA-512 record breaks verification") {
    const std::vector<dane::TlsaRecord> records{record_for("chain.pem", 0, 3, 1),
                                                {3, 1, 2, dane::Bytes(64, 0x5A)}};
    const auto verdict = verify_chain(records);
    REQUIRE(verdict.outcome == dane::DaneOutcome::fail);
    const auto finding =
        digest_stale("mx.example.test", "mx.example.test at 192.0.2.25:25", records, verdict);
    REQUIRE(finding);
    CHECK(finding->code == Code::tlsa_digest_stale);
    CHECK(finding->severity == Severity::critical);
    CHECK(finding->message.find("RFC 7671 section 9") != std::string::npos);
    CHECK(finding->message.find("DANE senders refuse delivery") != std::string::npos);
}

TEST_CASE("tlsa-digest-stale: warning when another record still authenticates the chain") {
    const std::vector<dane::TlsaRecord> records{record_for("chain.pem", 0, 3, 1),
                                                {3, 1, 2, dane::Bytes(64, 0x5A)},
                                                record_for("chain.pem", 1, 2, 1)};
    const auto verdict = verify_chain(records);
    REQUIRE(verdict.outcome == dane::DaneOutcome::pass);
    const auto finding =
        digest_stale("mx.example.test", "mx.example.test at 192.0.2.25:25", records, verdict);
    REQUIRE(finding);
    CHECK(finding->severity == Severity::warning);
}

TEST_CASE("tlsa-digest-stale: silent when the strongest digest matches") {
    const std::vector<dane::TlsaRecord> records{record_for("chain.pem", 0, 3, 1),
                                                record_for("chain.pem", 0, 3, 2)};
    CHECK_FALSE(digest_stale("mx.example.test", "mx.example.test at 192.0.2.25:25", records,
                             verify_chain(records)));
    // a stale SHA-256 beside a matching SHA-512 is not hidden: nothing to report here
    const std::vector<dane::TlsaRecord> weak_stale{{3, 1, 1, dane::Bytes(32, 0x5A)},
                                                   record_for("chain.pem", 0, 3, 2)};
    CHECK_FALSE(digest_stale("mx.example.test", "mx.example.test at 192.0.2.25:25", weak_stale,
                             verify_chain(weak_stale)));
}

TEST_CASE("tlsa-rollover-missing of a CNAME'd MX host names the owner senders look up") {
    // mx.example.test is an alias of mail.provider.test, whose TLSA RRset senders use (RFC
    // 7671 section 7): the advice must name that owner, not one nobody looks up.
    const auto finding = rollover_missing("mx.example.test", "mail.provider.test",
                                          secure({record_for("chain.pem", 0, 3, 1)}));
    REQUIRE(finding);
    CHECK(finding->message.rfind("_25._tcp.mail.provider.test has a single usable TLSA record",
                                 0) == 0);
    CHECK(finding->message.find("_25._tcp.mx.example.test") == std::string::npos);
}

TEST_CASE("tlsa-digest-stale of a CNAME'd MX host names the owner senders look up") {
    const std::vector<dane::TlsaRecord> records{record_for("chain.pem", 0, 3, 1),
                                                {3, 1, 2, dane::Bytes(64, 0x5A)}};
    const auto finding = digest_stale("mail.provider.test", "mx.example.test at 192.0.2.25:25",
                                      records, verify_chain(records));
    REQUIRE(finding);
    CHECK(finding->message.rfind("At _25._tcp.mail.provider.test the record 3 1 2 ", 0) == 0);
}

TEST_CASE("tlsa-digest-stale: silent when the hidden weaker record matches nothing either") {
    // Both digests of 3 1 are stale; the DANE-TA record authenticates the chain. Updating the
    // SHA-512 record would not help, so there is no stale digest to point at.
    const std::vector<dane::TlsaRecord> records{{3, 1, 1, dane::Bytes(32, 0x5A)},
                                                {3, 1, 2, dane::Bytes(64, 0x5A)},
                                                record_for("chain.pem", 1, 2, 1)};
    const auto verdict = verify_chain(records);
    REQUIRE(verdict.outcome == dane::DaneOutcome::pass);
    CHECK_FALSE(
        digest_stale("mx.example.test", "mx.example.test at 192.0.2.25:25", records, verdict));
}
