// The record `danemon tlsa` prints: which certificate it names, its data (checked against
// digests computed independently by openssl in make-chains.sh), and bad input.
#include "../dane/test_data.hpp"
#include "danemon/dane/certificate_file.hpp"
#include "danemon/facts/facts.hpp"
#include "danemon/rollover/publish.hpp"
#include "tls_test_peer.hpp"

#include <catch2/catch.hpp>

using namespace danemon;
using namespace danemon::rollover;
using dane::test::expected_digest;
using dane::test::read_data_file;

namespace {
// The certificates of a data file that reads without a problem.
std::vector<dane::Bytes> chain_of(const std::string& contents) {
    auto chain = dane::read_certificate_file(contents);
    REQUIRE(chain);
    return *chain;
}
// Why it failed, or "" for a success.
template <typename T> std::string why(const Expected<T>& result) {
    return result ? std::string() : result.error();
}
} // namespace

TEST_CASE("DANE-EE records name the leaf for every selector and digest") {
    const auto chain = chain_of(read_data_file("chain.pem"));
    REQUIRE(chain.size() == 2);
    for (const std::uint8_t selector : {dane::selector_cert, dane::selector_spki}) {
        for (const std::uint8_t matching : {dane::matching_sha256, dane::matching_sha512}) {
            const auto record = record_for_chain(chain, 3, selector, matching);
            REQUIRE(record);
            CHECK(record->usage == 3);
            CHECK(record->data == expected_digest("leaf", selector, matching));
        }
    }
}

TEST_CASE("DANE-TA records name the last certificate of the file, which must be a CA") {
    const auto chain = chain_of(read_data_file("chain.pem"));
    CHECK(record_for_chain(chain, 2, 1, 1)->data == expected_digest("intermediate", 1, 1));
    const auto with_root = chain_of(read_data_file("chain-with-root.pem"));
    CHECK(record_for_chain(with_root, 2, 1, 1)->data == expected_digest("root", 1, 1));

    const auto leaf_only = record_for_chain({chain.front()}, 2, 1, 1);
    CHECK_FALSE(leaf_only);
    CHECK(why(leaf_only).find("not a CA certificate") != std::string::npos);
    // certbot's chain.pem holds only the issuing CA: that is fine for usage 2.
    CHECK(record_for_chain({chain.back()}, 2, 1, 1));
}

TEST_CASE("a certificate that does not parse gives no record, with a sentence") {
    const std::vector<dane::Bytes> garbage{{0x30, 0x03, 0x02, 0x01, 0x00}};
    CHECK(why(record_for_chain(garbage, 3, 1, 1)) == "the certificate could not be parsed");
}

TEST_CASE("unusable parameters are refused with a sentence") {
    const auto chain = chain_of(read_data_file("chain.pem"));
    CHECK(why(record_for_chain(chain, 1, 1, 1)).find("only usages 3") == 0);
    CHECK(why(record_for_chain(chain, 3, 2, 1)).find("the selector must be") == 0);
    CHECK(why(record_for_chain(chain, 3, 1, 0)).find("the matching type must be") == 0);
    CHECK(why(record_for_chain({}, 3, 1, 1)) == "no certificate was given");
}

TEST_CASE("certificate files: DER accepted, empty, key and garbage explained") {
    const auto chain = chain_of(read_data_file("chain.pem"));
    const std::string der(chain.front().begin(), chain.front().end());
    const auto from_der = chain_of(der);
    REQUIRE(from_der.size() == 1);
    CHECK(from_der.front() == chain.front());

    CHECK(why(dane::read_certificate_file("")) == "the file is empty");
    CHECK(why(dane::read_certificate_file("\n \n")) == "the file is empty");
    CHECK(why(dane::read_certificate_file(
                  "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END "
                  "PRIVATE KEY-----\n"))
              .find("private key") != std::string::npos);
    CHECK(
        why(dane::read_certificate_file("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE "
                                        "KEY-----\n"))
            .find("private key") != std::string::npos);
    CHECK(why(dane::read_certificate_file(
                  "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"))
              .find("no PEM certificate") != std::string::npos);
    CHECK(why(dane::read_certificate_file("hello world")) ==
          "the file is neither a PEM nor a DER certificate");
}

TEST_CASE("wildcard names are not offered as TLSA owners; names are lower case") {
    using test::make_test_certificate;
    const auto wildcard =
        make_test_certificate({.common_name = "mx.example.test", .dns_name = "*.example.test"});
    CHECK(publishable_host_names(wildcard.der).hosts.empty());
    const auto upper = make_test_certificate({.common_name = "x", .dns_name = "MX.Example.TEST"});
    CHECK(publishable_host_names(upper.der).hosts == std::vector<std::string>{"mx.example.test"});
    CHECK(publishable_host_names({0x30, 0x00}).hosts.empty());
    CHECK(publishable_host_names(wildcard.der).not_host_names.empty()); // a wildcard is no mistake
}

TEST_CASE("owners and zone-file lines") {
    const auto chain = chain_of(read_data_file("chain.pem"));
    CHECK(publishable_host_names(chain.front()).hosts ==
          std::vector<std::string>{"mx.example.test"});
    CHECK(publishable_host_names(chain.front()).not_host_names.empty());
    CHECK(facts::tlsa_owner("MX.Example.test.") == "_25._tcp.mx.example.test");
    const dane::TlsaRecord record{3, 1, 1, {0xab, 0x01}};
    CHECK(facts::zone_file_line("mx.example.test", record) ==
          "_25._tcp.mx.example.test. IN TLSA 3 1 1 AB01");
}

namespace {
// The PEM blocks of a data file in reverse order (issuer first).
std::string reversed_pem(const std::string& name) {
    const std::string text = read_data_file(name);
    const std::string end = "-----END CERTIFICATE-----\n";
    std::vector<std::string> blocks;
    for (std::size_t from = text.find("-----BEGIN"); from != std::string::npos;) {
        const std::size_t to = text.find(end, from) + end.size();
        blocks.push_back(text.substr(from, to - from));
        from = text.find("-----BEGIN", to);
    }
    std::string reversed;
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it)
        reversed += *it;
    return reversed;
}
} // namespace

TEST_CASE("a chain file in the wrong order is refused with a sentence") {
    CHECK(why(dane::read_certificate_file(reversed_pem("chain.pem"))) ==
          "the certificates are in the wrong order: certificate 2 is the "
          "server's own and must come first, followed by its issuers (as "
          "in fullchain.pem)");
    CHECK(why(dane::read_certificate_file(reversed_pem("chain-with-root.pem")))
              .find("certificate 3 is the server's own") != std::string::npos);
    // Leaf first and issuers after it, in either order among themselves, is read as given.
    CHECK(dane::read_certificate_file(read_data_file("chain-with-root.pem")));
}

TEST_CASE("a file of CA certificates only gives no DANE-EE record") {
    const auto chain = chain_of(read_data_file("chain.pem"));
    const std::vector<dane::Bytes> ca_only{chain.back()};
    CHECK(dane::check_leaf(chain));
    CHECK(why(dane::check_leaf(ca_only)).find("only CA certificates") != std::string::npos);
    CHECK(why(record_for_chain(ca_only, 3, 1, 1)) == why(dane::check_leaf(ca_only)));
    CHECK(
        why(dane::read_server_chain(
            read_data_file("chain.pem").substr(read_data_file("chain.pem").rfind("-----BEGIN")))) ==
        why(dane::check_leaf(ca_only)));
    // A self-signed certificate is a CA to OpenSSL (`openssl req -x509` marks it so) and is
    // what many DANE-EE servers use: it names itself.
    const auto root = chain_of(read_data_file("chain-with-root.pem")).back();
    CHECK(dane::check_leaf({root}));
    CHECK(record_for_chain({root}, 3, 1, 1));
}

TEST_CASE("a CA:TRUE server certificate that names its host counts as the server's own") {
    // Some internal CAs issue server certificates with CA:TRUE; they name their host.
    using test::make_test_certificate;
    const auto ca = make_test_certificate({.common_name = "Internal CA", .ca = true});
    const auto server = make_test_certificate({.common_name = "mx.example.test",
                                               .issuer = &ca,
                                               .ca = true,
                                               .dns_name = "mx.example.test"});
    const auto unnamed =
        make_test_certificate({.common_name = "Issuing CA", .issuer = &ca, .ca = true});
    const std::vector<dane::Bytes> chain{server.der, ca.der};

    const std::string pem = server.pem + ca.pem;
    CHECK(chain_of(pem) == chain); // not "in the wrong order"
    CHECK(dane::check_leaf(chain));
    const auto record = record_for_chain(chain, 3, 1, 1);
    REQUIRE(record);
    CHECK(record->data == dane::association_data(chain.front(), 1, 1));

    // A CA:TRUE certificate that names no host and is not self-signed is an issuing CA, not a
    // server's own certificate.
    CHECK(why(dane::check_leaf({unnamed.der})).find("only CA certificates") != std::string::npos);
}

TEST_CASE("a certificate name that is no host name gives no zone-file line") {
    // A subjectAltName with a newline would otherwise print a second, forged zone line.
    const auto forged = test::make_test_certificate(
        {.common_name = "mx.example.test",
         .dns_name = "mx.example.test\n_25._tcp.evil.test. IN TLSA 3 1 1 00"});
    const auto names = publishable_host_names(forged.der);
    CHECK(names.hosts.empty());
    CHECK(names.not_host_names ==
          std::vector<std::string>{"mx.example.test\\x0a_25._tcp.evil.test. IN TLSA 3 1 1 00"});
    const auto spaced =
        test::make_test_certificate({.common_name = "x", .dns_name = "mx example.test"});
    CHECK(publishable_host_names(spaced.der).hosts.empty());
}
