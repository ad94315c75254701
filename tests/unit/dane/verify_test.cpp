// DANE verdicts on the chains in tests/data, as a DANE-enforcing SMTP sender reaches them
// (RFC 7672), plus the per-record diagnostics and suggested records.
#include "danemon/dane/verify.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>
#include <openssl/x509.h>

using namespace danemon::dane;

namespace {

constexpr std::time_t now_2025 = 1748736000;          // 2025-06-01T00:00:00Z
constexpr std::time_t after_leaf_expiry = 4107542400; // 2100-03-01T00:00:00Z
const std::vector<std::string> mx_names{"mx.example.test"};

TlsaRecord record_for(const Bytes& der, std::uint8_t usage, std::uint8_t selector,
                      std::uint8_t matching) {
    auto data = association_data(der, selector, matching);
    REQUIRE(data);
    return {usage, selector, matching, *data};
}

// A record of the right shape whose data matches nothing served (e.g. a stale key).
TlsaRecord stale(std::uint8_t usage, std::uint8_t selector, std::uint8_t matching) {
    const std::size_t length = matching == matching_sha512 ? 64 : 32;
    return {usage, selector, matching, Bytes(length, 0x5A)};
}

DaneInput input_for(const std::string& chain_file, std::vector<TlsaRecord> records,
                    std::vector<std::string> names = mx_names, std::time_t now = now_2025) {
    return {std::move(records), std::move(names), test::load_chain(chain_file), now};
}

} // namespace

TEST_CASE("every DANE usage, selector and matching type passes when its data matches") {
    const auto chain = test::load_chain("chain.pem");
    for (const std::uint8_t usage : {usage_dane_ta, usage_dane_ee}) {
        // DANE-EE names the leaf; DANE-TA the intermediate CA that issued it.
        const int depth = usage == usage_dane_ee ? 0 : 1;
        for (const std::uint8_t selector : {selector_cert, selector_spki}) {
            for (const std::uint8_t matching : {matching_full, matching_sha256, matching_sha512}) {
                CAPTURE(usage, selector, matching);
                const auto verdict = verify(
                    input_for("chain.pem", {record_for(chain.der[static_cast<std::size_t>(depth)],
                                                       usage, selector, matching)}));
                CHECK(verdict.outcome == DaneOutcome::pass);
                CHECK(verdict.failure == DaneFailure::none);
                CHECK(verdict.match_index == std::size_t{0});
                CHECK(verdict.match_depth == depth);
                REQUIRE(verdict.records.size() == 1);
                CHECK(verdict.records[0].usability.usable);
                CHECK(verdict.records[0].matched_depth == depth);
                CHECK_FALSE(verdict.records[0].hidden_by_agility);
            }
        }
    }
}

TEST_CASE("DANE-EE passes a leaf that was never valid") {
    const auto chain = test::load_chain("chain-never-valid-leaf.pem");
    const auto verdict =
        verify(input_for("chain-never-valid-leaf.pem", {record_for(chain.der[0], 3, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.match_depth == 0);
}

TEST_CASE("DANE-EE passes an expired leaf") {
    const auto chain = test::load_chain("chain-expired-leaf.pem");
    // A stale record first, so that the match is seen to be the leaf's own record.
    const auto verdict = verify(
        input_for("chain-expired-leaf.pem", {stale(3, 1, 1), record_for(chain.der[0], 3, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.failure == DaneFailure::none);
    CHECK(verdict.match_index == std::size_t{1});
    CHECK(verdict.match_depth == 0);
    CHECK(verdict.detail == "The 3 1 1 record authenticates the certificate at depth 0.");
    REQUIRE(verdict.records.size() == 2);
    CHECK_FALSE(verdict.records[0].matched_depth);
    CHECK(verdict.records[1].matched_depth == 0);
}

TEST_CASE("DANE-EE passes a leaf that carries none of the reference names") {
    const auto chain = test::load_chain("chain-wrong-name.pem");
    const auto verdict = verify(
        input_for("chain-wrong-name.pem", {stale(3, 0, 1), record_for(chain.der[0], 3, 0, 2)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.failure == DaneFailure::none);
    CHECK(verdict.match_index == std::size_t{1});
    CHECK(verdict.match_depth == 0);
    CHECK(verdict.detail == "The 3 0 2 record authenticates the certificate at depth 0.");
    REQUIRE(verdict.records.size() == 2);
    CHECK(verdict.records[1].matched_depth == 0);
}

TEST_CASE("DANE-TA matches the intermediate at depth 1") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict = verify(input_for("chain.pem", {record_for(chain.der[1], 2, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.match_depth == 1);
    CHECK(verdict.detail == "The 2 1 1 record authenticates the certificate at depth 1.");
}

TEST_CASE("DANE-TA matches a served root at depth 2") {
    const auto chain = test::load_chain("chain-with-root.pem");
    const auto verdict =
        verify(input_for("chain-with-root.pem", {record_for(chain.der[2], 2, 0, 1)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.match_depth == 2);
}

TEST_CASE("DANE-TA fails as expired when an expired intermediate sits below the anchor") {
    const auto chain = test::load_chain("chain-expired-intermediate.pem");
    const auto verdict =
        verify(input_for("chain-expired-intermediate.pem", {record_for(chain.der[2], 2, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::expired);
    CHECK_FALSE(verdict.match_index);
    CHECK(verdict.detail.find("at depth 1") != std::string::npos);
}

// OpenSSL, like RFC 5280 section 6.1 for trust anchors, does not check the validity of a
// DANE-TA anchor that is not self-signed: a sender delivers, so the verdict is pass.
TEST_CASE("DANE-TA matching an expired intermediate itself passes as OpenSSL does") {
    const auto chain = test::load_chain("chain-expired-intermediate.pem");
    const auto verdict =
        verify(input_for("chain-expired-intermediate.pem", {record_for(chain.der[1], 2, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.match_depth == 1);
}

TEST_CASE("DANE-TA fails as expired once the leaf has expired") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict = verify(
        input_for("chain.pem", {record_for(chain.der[1], 2, 1, 1)}, mx_names, after_leaf_expiry));
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::expired);
    CHECK(verdict.detail.find("certificate has expired") != std::string::npos);
}

TEST_CASE("DANE-TA fails as expired for a leaf that was never valid") {
    const auto chain = test::load_chain("chain-never-valid-leaf.pem");
    const auto verdict =
        verify(input_for("chain-never-valid-leaf.pem", {record_for(chain.der[1], 2, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::expired);
}

TEST_CASE("DANE-TA fails on a leaf that carries none of the reference names") {
    const auto chain = test::load_chain("chain-wrong-name.pem");
    const auto verdict =
        verify(input_for("chain-wrong-name.pem", {record_for(chain.der[1], 2, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::name_mismatch);
    CHECK(verdict.records[0].matched_depth == 1);
}

TEST_CASE("DANE-TA fails as chain-invalid when the leaf's signature does not verify") {
    auto input = input_for("chain.pem", {});
    input.records = {record_for(input.chain.der[1], 2, 1, 1)};
    input.chain.der[0].back() ^= 0x01; // the last byte of the signature
    const auto verdict = verify(input);
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::chain_invalid);
    CHECK_FALSE(verdict.match_index);
    CHECK_THAT(verdict.detail,
               Catch::StartsWith("A DANE-TA(2) record matches, but the chain does not verify to "
                                 "it (OpenSSL: "));
    CHECK_THAT(verdict.detail, Catch::EndsWith(" at depth 0)."));
}

TEST_CASE("DANE-TA full records supply an anchor the server did not send") {
    const auto chain = test::load_chain("chain.pem");
    for (const std::uint8_t selector : {selector_cert, selector_spki}) {
        CAPTURE(selector);
        auto input = input_for("chain.pem", {record_for(chain.der[1], 2, selector, 0)});
        input.chain.der.resize(1); // only the leaf was served
        const auto verdict = verify(input);
        CHECK(verdict.outcome == DaneOutcome::pass);
        CHECK(verdict.match_index == std::size_t{0});
        CHECK_FALSE(verdict.records[0].matched_depth); // not in the served chain
        if (selector == selector_cert) {
            // The record's certificate joins the chain above the leaf.
            CHECK(verdict.match_depth == 1);
        } else {
            // OpenSSL reports a bare key by the depth of the certificate it signed.
            CHECK(verdict.match_depth == 0);
            CHECK(verdict.detail ==
                  "The public key in the 2 1 0 record signed the certificate at depth 0.");
        }
    }
}

TEST_CASE("DANE-TA digest of an anchor the server did not send fails with no match") {
    const auto chain = test::load_chain("chain.pem");
    auto input = input_for("chain.pem", {record_for(chain.der[1], 2, 1, 1)});
    input.chain.der.resize(1);
    const auto verdict = verify(input);
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::no_match);
}

TEST_CASE("DANE-TA accepts the leaf through the MX host name or its CNAME target") {
    const auto chain = test::load_chain("chain.pem");
    const auto ta = record_for(chain.der[1], 2, 1, 1);
    // [0] TLSA base domain, [1] MX host name as published, [2] its CNAME expansion.
    CHECK(verify(input_for("chain.pem", {ta}, {"tlsa-base.example.test", "mx.example.test"}))
              .outcome == DaneOutcome::pass);
    CHECK(verify(input_for("chain.pem", {ta},
                           {"tlsa-base.example.test", "alias.example.test", "mx.example.test"}))
              .outcome == DaneOutcome::pass);
    const auto none = verify(input_for(
        "chain.pem", {ta}, {"tlsa-base.example.test", "alias.example.test", "other.example.test"}));
    CHECK(none.failure == DaneFailure::name_mismatch);
}

TEST_CASE("DANE-TA without a reference name is an internal error, not a pass") {
    const auto chain = test::load_chain("chain.pem");
    const auto ta = record_for(chain.der[1], 2, 1, 1);
    for (const auto& names : {std::vector<std::string>{}, std::vector<std::string>{""},
                              std::vector<std::string>{"", "mx.example.test"}}) {
        const auto verdict = verify(input_for("chain.pem", {ta}, names));
        CHECK(verdict.outcome == DaneOutcome::internal_error);
        CHECK(verdict.detail == "No TLSA base domain was given, so the chain cannot be checked "
                                "against the reference names.");
        CHECK_FALSE(verdict.match_index);
    }
}

TEST_CASE("digest agility: a stale 3 1 2 beside a matching 3 1 1 fails") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict =
        verify(input_for("chain.pem", {record_for(chain.der[0], 3, 1, 1), stale(3, 1, 2)}));
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::no_match);
    REQUIRE(verdict.records.size() == 2);
    CHECK(verdict.records[0].hidden_by_agility);
    CHECK(verdict.records[0].matched_depth == 0);
    CHECK_FALSE(verdict.records[1].hidden_by_agility);
    CHECK_FALSE(verdict.records[1].matched_depth);
}

TEST_CASE("digest agility: a matching 3 1 2 beside a stale 3 1 1 passes") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict =
        verify(input_for("chain.pem", {stale(3, 1, 1), record_for(chain.der[0], 3, 1, 2)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.match_index == std::size_t{1});
    CHECK(verdict.records[0].hidden_by_agility);
}

TEST_CASE("digest agility applies per usage and selector only") {
    const auto chain = test::load_chain("chain.pem");
    const auto other_selector =
        verify(input_for("chain.pem", {record_for(chain.der[0], 3, 0, 1), stale(3, 1, 2)}));
    CHECK(other_selector.outcome == DaneOutcome::pass);
    CHECK_FALSE(other_selector.records[0].hidden_by_agility);

    const auto other_usage =
        verify(input_for("chain.pem", {record_for(chain.der[1], 2, 1, 1), stale(3, 1, 2)}));
    CHECK(other_usage.outcome == DaneOutcome::pass);
    CHECK_FALSE(other_usage.records[0].hidden_by_agility);
}

TEST_CASE("digest agility ignores an unusable SHA-512 record of the wrong length") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict = verify(input_for(
        "chain.pem", {record_for(chain.der[0], 3, 1, 1), TlsaRecord{3, 1, 2, Bytes(32, 0x5A)}}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK_FALSE(verdict.records[0].hidden_by_agility);
    CHECK_FALSE(verdict.records[1].usability.usable);
}

TEST_CASE("a Full(0) record is not hidden by a digest of the same usage and selector") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict =
        verify(input_for("chain.pem", {record_for(chain.der[0], 3, 1, 0), stale(3, 1, 2)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.match_index == std::size_t{0});
    CHECK_FALSE(verdict.records[0].hidden_by_agility);
}

TEST_CASE("rollover: a next-key record beside the current one passes on the current one") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict = verify(input_for(
        "chain.pem", {stale(3, 1, 1), record_for(chain.der[0], 3, 1, 1), stale(2, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::pass);
    CHECK(verdict.match_index == std::size_t{1});
    CHECK(verdict.match_depth == 0);
    CHECK_FALSE(verdict.records[0].matched_depth);
    CHECK_FALSE(verdict.records[0].hidden_by_agility);
}

TEST_CASE("only stale records fail with no match") {
    const auto ee = verify(input_for("chain.pem", {stale(3, 1, 1)}));
    CHECK(ee.outcome == DaneOutcome::fail);
    CHECK(ee.failure == DaneFailure::no_match);
    const auto ta = verify(input_for("chain.pem", {stale(2, 1, 1)}));
    CHECK(ta.outcome == DaneOutcome::fail);
    CHECK(ta.failure == DaneFailure::no_match);
}

TEST_CASE("a DANE-EE record for the intermediate does not authenticate the chain") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict = verify(input_for("chain.pem", {record_for(chain.der[1], 3, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::no_match);
    CHECK(verdict.records[0].matched_depth == 1);
}

TEST_CASE("unusable records of every kind give no usable records") {
    const auto chain = test::load_chain("chain.pem");
    const Bytes leaf_spki_sha256 = *association_data(chain.der[0], 1, 1);
    const std::vector<TlsaRecord> unusable{
        {0, 1, 1, leaf_spki_sha256},
        {1, 1, 1, leaf_spki_sha256},
        {3, 2, 1, leaf_spki_sha256},
        {3, 1, 3, leaf_spki_sha256},
        {255, 1, 1, leaf_spki_sha256},
        {3, 255, 1, leaf_spki_sha256},
        {3, 1, 255, leaf_spki_sha256},
        {3, 1, 1, Bytes(leaf_spki_sha256.begin() + 1, leaf_spki_sha256.end())},
        {3, 1, 2, leaf_spki_sha256},
        {3, 1, 1, {}},
        {3, 0, 0, Bytes(40, 0x01)},
    };
    for (const auto& record : unusable) {
        CAPTURE(to_presentation(record));
        CHECK_FALSE(assess_for_smtp(record).usable);
        CHECK_FALSE(assess_for_smtp(record).why.empty());
    }
    const auto verdict = verify(input_for("chain.pem", unusable));
    CHECK(verdict.outcome == DaneOutcome::no_usable_records);
    CHECK(verdict.failure == DaneFailure::none);
    REQUIRE(verdict.records.size() == unusable.size());
    for (std::size_t i = 0; i < unusable.size(); ++i) {
        CHECK(verdict.records[i].index == i);
        CHECK_FALSE(verdict.records[i].usability.usable);
    }
    // The PKIX-EE record's data does match the leaf; it is still not used.
    CHECK(verdict.records[1].matched_depth == 0);
}

TEST_CASE("unusable PKIX records are ignored beside a stale usable one") {
    const auto chain = test::load_chain("chain.pem");
    const auto verdict =
        verify(input_for("chain.pem", {record_for(chain.der[0], 1, 1, 1), stale(3, 1, 1)}));
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::no_match);
}

TEST_CASE("no records at all give no usable records") {
    CHECK(verify(input_for("chain.pem", {})).outcome == DaneOutcome::no_usable_records);
}

TEST_CASE("an empty chain fails as empty") {
    DaneInput input{{stale(3, 1, 1)}, mx_names, {}, now_2025};
    const auto verdict = verify(input);
    CHECK(verdict.outcome == DaneOutcome::fail);
    CHECK(verdict.failure == DaneFailure::empty_chain);
    CHECK(verdict.suggested.empty());
}

TEST_CASE("garbage DER in the chain is an internal error") {
    auto input = input_for("chain.pem", {stale(3, 1, 1)});
    input.chain.der[1] = {0x30, 0x82, 0xFF, 0xFF, 0x00};
    const auto verdict = verify(input);
    CHECK(verdict.outcome == DaneOutcome::internal_error);
    CHECK(verdict.detail == "The certificate at depth 1 of the captured chain is not valid DER.");

    DaneInput only_garbage{{stale(3, 1, 1)}, mx_names, {{{0x01, 0x02, 0x03}}, {}}, now_2025};
    CHECK(verify(only_garbage).outcome == DaneOutcome::internal_error);
}

TEST_CASE("suggested records are the leaf's 3 1 1 and the top certificate's 2 1 1") {
    const auto with_root = verify(input_for("chain-with-root.pem", {stale(3, 1, 1)}));
    REQUIRE(with_root.suggested.size() == 2);
    CHECK(with_root.suggested[0] == TlsaRecord{3, 1, 1, test::expected_digest("leaf", 1, 1)});
    CHECK(with_root.suggested[1] == TlsaRecord{2, 1, 1, test::expected_digest("root", 1, 1)});

    const auto served = verify(input_for("chain.pem", {stale(3, 1, 1)}));
    REQUIRE(served.suggested.size() == 2);
    CHECK(served.suggested[1] == TlsaRecord{2, 1, 1, test::expected_digest("intermediate", 1, 1)});

    auto leaf_only = input_for("chain.pem", {stale(3, 1, 1)});
    leaf_only.chain.der.resize(1);
    const auto verdict = verify(leaf_only);
    REQUIRE(verdict.suggested.size() == 1);
    CHECK(verdict.suggested[0] == TlsaRecord{3, 1, 1, test::expected_digest("leaf", 1, 1)});
}

TEST_CASE("suggested records authenticate the chain they were made from") {
    const auto first = verify(input_for("chain.pem", {stale(3, 1, 1)}));
    const auto again = verify(input_for("chain.pem", first.suggested));
    CHECK(again.outcome == DaneOutcome::pass);
    CHECK(again.match_index == std::size_t{0});
}

TEST_CASE("a chain carrying the handshake's parsed certificates gives the verdicts of its DER") {
    const auto der_only = test::load_chain("chain.pem");
    auto with_parsed = der_only;
    for (const auto& der : der_only.der) {
        const unsigned char* cursor = der.data();
        X509* cert = d2i_X509(nullptr, &cursor, static_cast<long>(der.size()));
        REQUIRE(cert != nullptr);
        with_parsed.parsed.push_back(share_certificate(cert));
        X509_free(cert); // the shared handle keeps its own reference
    }
    const std::vector<std::vector<TlsaRecord>> cases{
        {record_for(der_only.der[0], usage_dane_ee, selector_spki, matching_sha256)},
        {record_for(der_only.der[1], usage_dane_ta, selector_cert, matching_sha512)},
        {stale(3, 1, 1), record_for(der_only.der[1], usage_dane_ta, selector_spki, matching_full)},
        {stale(3, 1, 1)}};
    for (const auto& records : cases) {
        DaneInput a{records, mx_names, der_only, now_2025};
        DaneInput b{records, mx_names, with_parsed, now_2025};
        const auto va = verify(a);
        const auto vb = verify(b);
        CHECK(va.outcome == vb.outcome);
        CHECK(va.failure == vb.failure);
        CHECK(va.detail == vb.detail);
        CHECK(va.match_index == vb.match_index);
        CHECK(va.match_depth == vb.match_depth);
        CHECK(va.suggested == vb.suggested);
        REQUIRE(va.records.size() == vb.records.size());
        for (std::size_t i = 0; i < va.records.size(); ++i)
            CHECK(va.records[i].matched_depth == vb.records[i].matched_depth);
    }
    for (std::size_t depth = 0; depth < der_only.der.size(); ++depth) {
        const auto sa = summarize(der_only, depth);
        const auto sb = summarize(with_parsed, depth);
        REQUIRE(sa);
        REQUIRE(sb);
        CHECK(sa->subject == sb->subject);
        CHECK(sa->names == sb->names);
        CHECK(sa->spki_sha256 == sb->spki_sha256);
        CHECK(sa->cert_sha256 == sb->cert_sha256);
        CHECK(sa->pem == sb->pem);
    }
}
