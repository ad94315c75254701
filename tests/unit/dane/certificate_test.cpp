// Certificate summaries, association data and loading, checked against digests that
// tests/data/make-chains.sh computed with the openssl tool.
#include "danemon/dane/certificate.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>

using namespace danemon::dane;

namespace {

// 2099-12-31T23:59:59Z, the leaf's notAfter in make-chains.sh.
constexpr std::time_t leaf_not_after = 4102444799;

} // namespace

TEST_CASE("summary of the leaf shows names, dates and digests") {
    const auto chain = test::load_chain("chain.pem");
    REQUIRE(chain.der.size() == 2);
    const auto summary = summarize(chain.der[0]);
    REQUIRE(summary);
    CHECK(summary->subject == "CN=mx.example.test");
    CHECK(summary->issuer == "CN=danemon Test Intermediate CA");
    CHECK(summary->names == std::vector<std::string>{"mx.example.test"});
    CHECK(summary->not_before == 1577836800); // 2020-01-01T00:00:00Z
    CHECK(summary->not_after == leaf_not_after);
    CHECK(summary->spki_sha256 == to_hex(test::expected_digest("leaf", 1, 1)));
    CHECK(summary->cert_sha256 == to_hex(test::expected_digest("leaf", 0, 1)));
    CHECK(summary->pem.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
    CHECK(load_certificates(summary->pem) == std::vector<Bytes>{chain.der[0]});
}

TEST_CASE("summary falls back to the subject CN when there is no DNS subjectAltName") {
    const auto chain = test::load_chain("chain-with-root.pem");
    REQUIRE(chain.der.size() == 3);
    const auto root = summarize(chain.der[2]);
    REQUIRE(root);
    CHECK(root->names == std::vector<std::string>{"danemon Test Root CA"});
    CHECK(root->subject == root->issuer);
}

TEST_CASE("summary of a never-valid leaf keeps notBefore after notAfter") {
    const auto chain = test::load_chain("chain-never-valid-leaf.pem");
    const auto summary = summarize(chain.der.at(0));
    REQUIRE(summary);
    CHECK(summary->not_before > summary->not_after);
}

TEST_CASE("summary of bytes that are not a certificate is empty") {
    CHECK_FALSE(summarize({}));
    CHECK_FALSE(summarize({0x30, 0x03, 0x02, 0x01, 0x00}));
    auto trailing = test::load_chain("chain.pem").der.at(0);
    trailing.push_back(0x00);
    CHECK_FALSE(summarize(trailing));
}

TEST_CASE("association data matches openssl's digests for every selector and digest") {
    const auto chain = test::load_chain("chain-with-root.pem");
    const char* const names[] = {"leaf", "intermediate", "root"};
    for (std::size_t depth = 0; depth < 3; ++depth) {
        for (const std::uint8_t selector : {selector_cert, selector_spki}) {
            for (const std::uint8_t matching : {matching_sha256, matching_sha512}) {
                CAPTURE(names[depth], selector, matching);
                CHECK(association_data(chain.der[depth], selector, matching) ==
                      test::expected_digest(names[depth], selector, matching));
            }
        }
    }
}

TEST_CASE("full association data is the certificate or its public key") {
    const auto chain = test::load_chain("chain.pem");
    CHECK(association_data(chain.der[0], selector_cert, matching_full) == chain.der[0]);
    const auto spki = association_data(chain.der[0], selector_spki, matching_full);
    REQUIRE(spki);
    CHECK(spki->size() < chain.der[0].size());
    CHECK(spki->front() == 0x30); // a DER SEQUENCE
}

TEST_CASE("association data for unknown selectors or matching types is empty") {
    const auto leaf = test::load_chain("chain.pem").der.at(0);
    CHECK_FALSE(association_data(leaf, 2, matching_sha256));
    CHECK_FALSE(association_data(leaf, selector_spki, 3));
    CHECK_FALSE(association_data({0x01, 0x02}, selector_spki, matching_sha256));
}

TEST_CASE("loading reads every PEM certificate in order and skips other blocks") {
    const std::string chain = test::read_data_file("chain-with-root.pem");
    const auto certificates =
        load_certificates("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + chain);
    REQUIRE(certificates.size() == 3);
    CHECK(summarize(certificates[0])->subject == "CN=mx.example.test");
    CHECK(summarize(certificates[2])->subject == "CN=danemon Test Root CA");
}

TEST_CASE("loading accepts one DER certificate and nothing else") {
    const auto leaf = test::load_chain("chain.pem").der.at(0);
    CHECK(load_certificates(std::string(leaf.begin(), leaf.end())) == std::vector<Bytes>{leaf});
    CHECK(load_certificates("not a certificate").empty());
    CHECK(load_certificates("").empty());
}
