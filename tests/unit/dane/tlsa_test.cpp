// TLSA presentation form and usability for SMTP senders (RFC 7672 section 2.2 and 3.1.3).
#include "danemon/dane/tlsa.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>

using namespace danemon::dane;

namespace {

Bytes filled(std::size_t length) {
    return Bytes(length, 0xAB);
}

TlsaRecord record(std::uint8_t usage, std::uint8_t selector, std::uint8_t matching, Bytes data) {
    return {usage, selector, matching, std::move(data)};
}

} // namespace

TEST_CASE("presentation form prints upper-case hex and parses back") {
    const TlsaRecord original = record(3, 1, 1, {0x00, 0xAB, 0x12, 0xFF});
    CHECK(to_presentation(original) == "3 1 1 00AB12FF");
    CHECK(parse_presentation(to_presentation(original)) == original);
}

TEST_CASE("presentation data may be split by white space and written in lower case") {
    const auto parsed = parse_presentation("  2 0 1 ab12\n\tCD 34 ");
    REQUIRE(parsed);
    CHECK(*parsed == record(2, 0, 1, {0xAB, 0x12, 0xCD, 0x34}));
}

TEST_CASE("malformed presentation text is rejected") {
    CHECK_FALSE(parse_presentation(""));
    CHECK_FALSE(parse_presentation("3 1 1"));
    CHECK_FALSE(parse_presentation("3 1 1 ABC"));
    CHECK_FALSE(parse_presentation("3 1 1 XY"));
    CHECK_FALSE(parse_presentation("3 1 256 AB"));
    CHECK_FALSE(parse_presentation("3 -1 1 AB"));
    CHECK_FALSE(parse_presentation("DANE-EE 1 1 AB"));
}

TEST_CASE("to_hex writes lower-case hex") {
    CHECK(to_hex({0x0F, 0xA0, 0x5C}) == "0fa05c");
}

TEST_CASE("DANE-TA and DANE-EE digest records are usable") {
    for (const std::uint8_t usage : {usage_dane_ta, usage_dane_ee}) {
        for (const std::uint8_t selector : {selector_cert, selector_spki}) {
            CAPTURE(usage, selector);
            const auto sha256 = assess_for_smtp(record(usage, selector, 1, filled(32)));
            CHECK(sha256.usable);
            CHECK(sha256.why.empty());
            CHECK(assess_for_smtp(record(usage, selector, 2, filled(64))).usable);
        }
    }
}

TEST_CASE("full records are usable when they hold the certificate or public key itself") {
    const auto chain = test::load_chain("chain.pem");
    const auto cert = association_data(chain.der.at(0), selector_cert, matching_full);
    const auto spki = association_data(chain.der.at(0), selector_spki, matching_full);
    REQUIRE(cert);
    REQUIRE(spki);
    CHECK(assess_for_smtp(record(3, 0, 0, *cert)).usable);
    CHECK(assess_for_smtp(record(2, 1, 0, *spki)).usable);
}

TEST_CASE("PKIX usages are unusable for SMTP with the RFC 7672 reason") {
    for (const std::uint8_t usage : {usage_pkix_ta, usage_pkix_ee}) {
        const auto assessed = assess_for_smtp(record(usage, 1, 1, filled(32)));
        CHECK_FALSE(assessed.usable);
        CHECK(assessed.why == "PKIX-TA(0)/PKIX-EE(1) records are not used by SMTP senders (RFC "
                              "7672 section 3.1.3).");
    }
}

TEST_CASE("unknown and private-use field values are unusable") {
    const auto usage4 = assess_for_smtp(record(4, 1, 1, filled(32)));
    CHECK_FALSE(usage4.usable);
    CHECK(usage4.why.find("Certificate usage 4 is not defined") != std::string::npos);

    const auto private_usage = assess_for_smtp(record(255, 1, 1, filled(32)));
    CHECK_FALSE(private_usage.usable);
    CHECK(private_usage.why.find("Certificate usage 255 is reserved for private use") !=
          std::string::npos);

    const auto selector2 = assess_for_smtp(record(3, 2, 1, filled(32)));
    CHECK_FALSE(selector2.usable);
    CHECK(selector2.why.find("Selector 2") != std::string::npos);

    const auto private_selector = assess_for_smtp(record(3, 255, 1, filled(32)));
    CHECK_FALSE(private_selector.usable);
    CHECK(private_selector.why.find("Selector 255 is reserved") != std::string::npos);

    const auto matching3 = assess_for_smtp(record(3, 1, 3, filled(32)));
    CHECK_FALSE(matching3.usable);
    CHECK(matching3.why.find("Matching type 3") != std::string::npos);

    const auto private_matching = assess_for_smtp(record(3, 1, 255, filled(32)));
    CHECK_FALSE(private_matching.usable);
    CHECK(private_matching.why.find("Matching type 255 is reserved") != std::string::npos);
}

TEST_CASE("digests of the wrong length are unusable") {
    const auto short256 = assess_for_smtp(record(3, 1, 1, filled(31)));
    CHECK_FALSE(short256.usable);
    CHECK(short256.why == "A SHA-256 digest is 32 bytes long, but this record carries 31.");

    const auto sha256_in_sha512 = assess_for_smtp(record(3, 1, 2, filled(32)));
    CHECK_FALSE(sha256_in_sha512.usable);
    CHECK(sha256_in_sha512.why == "A SHA-512 digest is 64 bytes long, but this record carries 32.");
}

TEST_CASE("digests longer than their matching type are unusable") {
    const auto long256 = assess_for_smtp(record(3, 1, 1, filled(33)));
    CHECK_FALSE(long256.usable);
    CHECK(long256.why == "A SHA-256 digest is 32 bytes long, but this record carries 33.");

    const auto long512 = assess_for_smtp(record(2, 0, 2, filled(65)));
    CHECK_FALSE(long512.usable);
    CHECK(long512.why == "A SHA-512 digest is 64 bytes long, but this record carries 65.");

    const auto sha512_in_sha256 = assess_for_smtp(record(3, 1, 1, filled(64)));
    CHECK_FALSE(sha512_in_sha256.usable);
    CHECK(sha512_in_sha256.why == "A SHA-256 digest is 32 bytes long, but this record carries 64.");
}

TEST_CASE("records without data are unusable") {
    const auto assessed = assess_for_smtp(record(3, 1, 1, {}));
    CHECK_FALSE(assessed.usable);
    CHECK(assessed.why == "The record carries no certificate association data.");
}

TEST_CASE("full records with bytes after the certificate or key are unusable") {
    // OpenSSL's SSL_dane_tlsa_add refuses them, so a sender never uses them.
    const auto chain = test::load_chain("chain.pem");
    auto cert = *association_data(chain.der.at(0), selector_cert, matching_full);
    auto spki = *association_data(chain.der.at(0), selector_spki, matching_full);
    cert.push_back(0x00);
    spki.push_back(0x00);
    const auto cert_assessed = assess_for_smtp(record(3, 0, 0, cert));
    CHECK_FALSE(cert_assessed.usable);
    CHECK(cert_assessed.why == "The record's data is not a DER-encoded certificate.");
    const auto spki_assessed = assess_for_smtp(record(2, 1, 0, spki));
    CHECK_FALSE(spki_assessed.usable);
    CHECK(spki_assessed.why == "The record's data is not a DER-encoded public key.");
}

TEST_CASE("full records whose data does not parse are unusable") {
    const auto cert = assess_for_smtp(record(2, 0, 0, filled(40)));
    CHECK_FALSE(cert.usable);
    CHECK(cert.why == "The record's data is not a DER-encoded certificate.");
    const auto key = assess_for_smtp(record(3, 1, 0, filled(40)));
    CHECK_FALSE(key.usable);
    CHECK(key.why == "The record's data is not a DER-encoded public key.");
}
