// DANE verdicts beyond the vectors of tests/data/dane-vectors.txt (vectors_test.cpp): the
// usability reasons of every kind of unusable record, bad chains, suggested records, and
// chains that carry the handshake's parsed certificates.
#include "danemon/dane/verify.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>
#include <openssl/x509.h>

using namespace danemon::dane;

namespace {

using test::now_2025;
const std::vector<std::string> mx_names{"mx.example.test"};

TlsaRecord record_for(const Bytes& der, std::uint8_t usage, std::uint8_t selector,
                      std::uint8_t matching) {
    auto data = association_data(der, selector, matching);
    REQUIRE(data);
    return {usage, selector, matching, *data};
}

// A record of the right shape whose data matches nothing served (e.g. a stale key).
TlsaRecord stale(std::uint8_t usage, std::uint8_t selector, std::uint8_t matching) {
    return {usage, selector, matching, test::stale_data(matching)};
}

DaneInput input_for(const std::string& chain_file, std::vector<TlsaRecord> records,
                    std::vector<std::string> names = mx_names, std::time_t now = now_2025) {
    return {std::move(records), std::move(names), test::load_chain(chain_file), now};
}

} // namespace

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
