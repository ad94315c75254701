// The verdicts a user sees for each situation a DANE sender can meet, from facts built by hand
// (chains from tests/data): status, problem codes, and the fix in the message.
#include "../dane/test_data.hpp"
#include "danemon/check/evaluate.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>

using namespace danemon;
using check::Code;
using check::Severity;
using check::Status;
using facts::LookupStatus;

namespace {

const std::time_t now_2026 = 1795000000; // 2026-11-18

template <typename T> facts::Lookup<T> found(std::vector<T> records, bool secure = true) {
    facts::Lookup<T> l;
    l.status = secure ? LookupStatus::secure : LookupStatus::insecure;
    l.authenticated = secure;
    l.ttl = 300;
    l.records = std::move(records);
    return l;
}

template <typename T>
facts::Lookup<T> none(LookupStatus status = LookupStatus::nodata, bool secure = true) {
    facts::Lookup<T> l;
    l.status = status;
    l.authenticated =
        secure && (status == LookupStatus::nodata || status == LookupStatus::nxdomain);
    l.why = status == LookupStatus::error ? "timed out" : "";
    return l;
}

dane::TlsaRecord record(std::uint8_t u, std::uint8_t s, std::uint8_t m, const dane::Bytes& data) {
    return dane::TlsaRecord{u, s, m, data};
}

dane::TlsaRecord issuer_211() {
    return record(2, 1, 1, dane::test::expected_digest("intermediate", 1, 1));
}

// The recommended RRset: the served key plus the issuing CA, so a renewal with a new key
// stays valid and no tlsa-rollover-missing warning applies.
std::vector<dane::TlsaRecord> current_and_issuer();

dane::TlsaRecord leaf_311() {
    return record(3, 1, 1, dane::test::expected_digest("leaf", 1, 1));
}

// A pre-published record for the next key (RFC 7671 section 8.1), never served here.
dane::TlsaRecord next_key_311() {
    return record(3, 1, 1, dane::test::expected_digest("leaf-next", 1, 1));
}

std::vector<dane::TlsaRecord> current_and_issuer() {
    return {leaf_311(), issuer_211()};
}

facts::ProbeResult served(const std::string& chain_file, const std::string& address = "192.0.2.25",
                          std::string version = "TLSv1.3") {
    facts::ProbeResult p;
    p.endpoint = {"mx.example.test", address, 25};
    p.starttls_offered = true;
    p.tls_version = std::move(version);
    p.modern_tls = p.tls_version == "TLSv1.2" || p.tls_version == "TLSv1.3";
    p.cipher = "TLS_AES_256_GCM_SHA384";
    p.chain = dane::test::load_chain(chain_file);
    return p;
}

facts::MxHostFacts host(const std::string& name, std::vector<dane::TlsaRecord> tlsa,
                        std::vector<facts::ProbeResult> endpoints, std::uint16_t preference = 10) {
    facts::MxHostFacts h;
    h.mx = {preference, name};
    std::vector<std::string> addresses;
    for (auto& e : endpoints) {
        e.endpoint.host = name;
        addresses.push_back(e.endpoint.address);
    }
    h.ipv4 = found(addresses);
    h.ipv6 = none<std::string>();
    h.tlsa_base = name;
    h.tlsa = tlsa.empty() ? none<dane::TlsaRecord>(LookupStatus::nxdomain) : found(tlsa);
    h.reference_names = {name};
    h.endpoints = std::move(endpoints);
    return h;
}

facts::DomainFacts domain(std::vector<facts::MxHostFacts> hosts) {
    facts::DomainFacts f;
    f.domain = "example.test";
    f.resolver.validating = true;
    std::vector<facts::MxRecord> mx;
    for (const auto& h : hosts)
        mx.push_back(h.mx);
    f.mx = found(mx);
    f.hosts = std::move(hosts);
    return f;
}

std::vector<std::string> codes(const check::DomainVerdict& v) {
    std::vector<std::string> out;
    for (const auto& p : v.all_problems())
        out.push_back(check::to_string(p.code));
    std::sort(out.begin(), out.end());
    return out;
}

check::Problem first(const check::DomainVerdict& v, const std::string& code) {
    for (const auto& p : v.all_problems())
        if (check::to_string(p.code) == code) return p;
    FAIL("no problem " << code);
    return {};
}

check::DomainVerdict run(const facts::DomainFacts& f, std::time_t now = now_2026) {
    return check::evaluate(f, check::Policy{}, now);
}

using dane::test::upper_hex;

} // namespace

TEST_CASE("a 3 1 1 record of the served key is ok") {
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})}));
    CHECK(v.status == Status::ok);
    CHECK(codes(v).empty());
    const auto& e = v.mx.at(0).endpoints.at(0);
    CHECK(e.dane == check::DaneState::pass);
    CHECK(e.matched_depth == 0);
    REQUIRE(e.matched_record);
    CHECK(*e.matched_record == leaf_311());
}

TEST_CASE("the verdict names the DNSSEC state of the MX and TLSA RRsets") {
    auto secure =
        run(domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})}));
    CHECK(secure.mx_dnssec == "secure");
    CHECK(secure.mx.at(0).tlsa_dnssec == "secure");
    CHECK(secure.mx.at(0).tlsa_name == "_25._tcp.mx.example.test");
    CHECK(secure.mx.at(0).tlsa_ttl == 300);

    // RFC 7672 section 2.2.1: an insecure MX RRset still allows DANE for its hosts.
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    f.mx = found(f.mx.records, false);
    f.hosts[0].tlsa = found(current_and_issuer(), false);
    auto insecure = run(f);
    CHECK(insecure.mx_dnssec == "insecure");
    CHECK(insecure.mx.at(0).tlsa_dnssec == "insecure");

    f.hosts[0].tlsa = none<dane::TlsaRecord>(LookupStatus::bogus);
    CHECK(run(f).mx.at(0).tlsa_dnssec == "bogus");
    f.hosts[0].tlsa = none<dane::TlsaRecord>(LookupStatus::error);
    CHECK(run(f).mx.at(0).tlsa_dnssec == "error");
    f.mx = none<facts::MxRecord>(LookupStatus::bogus);
    CHECK(run(f).mx_dnssec == "bogus");
    f.mx = none<facts::MxRecord>(LookupStatus::error);
    CHECK(run(f).mx_dnssec == "error");
}

TEST_CASE("stale TLSA after a renewal (the Comcast case) is critical with the record to publish") {
    auto old_key = record(3, 1, 1, dane::Bytes(32, 0x5a));
    auto v = run(domain({host("mx.example.test", {old_key}, {served("chain.pem")})}));
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-mismatch", "tlsa-rollover-missing"});
    const auto& p = first(v, "tlsa-mismatch");
    CHECK(p.severity == Severity::critical);
    CHECK(p.mx == "mx.example.test");
    CHECK(p.address == "192.0.2.25");
    CHECK_THAT(p.message, Catch::Contains("Publish _25._tcp.mx.example.test. IN TLSA 3 1 1 " +
                                          upper_hex(dane::test::expected_digest("leaf", 1, 1))));
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::fail);
}

TEST_CASE(
    "a primary MX that speaks only TLS 1.1 (the NASA case) is critical despite a good backup") {
    auto legacy = served("chain.pem", "192.0.2.25", "TLSv1.1");
    legacy.legacy_tls = {"TLSv1", "TLSv1.1"};
    auto v = run(domain(
        {host("mx1.example.test", current_and_issuer(), {legacy}, 10),
         host("mx2.example.test", current_and_issuer(), {served("chain.pem", "192.0.2.26")}, 20)}));
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"tls-legacy-only"});
    CHECK(first(v, "tls-legacy-only").mx == "mx1.example.test");
    CHECK_THAT(first(v, "tls-legacy-only").message, Catch::Contains("TLSv1.1"));
}

TEST_CASE("TLS 1.0 and 1.1 accepted beside TLS 1.2+ is a warning") {
    auto p = served("chain.pem");
    p.legacy_tls = {"TLSv1", "TLSv1.1"};
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {p})}));
    CHECK(v.status == Status::warning);
    CHECK(codes(v) == std::vector<std::string>{"tls-legacy-enabled"});
}

TEST_CASE("a null MX is reported as info and the domain is ok") {
    auto f = domain({});
    f.mx = found(std::vector<facts::MxRecord>{{0, ""}});
    auto v = run(f);
    CHECK(v.status == Status::ok);
    CHECK(codes(v) == std::vector<std::string>{"null-mx"});
    CHECK(first(v, "null-mx").severity == Severity::info);
}

TEST_CASE("a resolver that does not validate is never ok") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    f.resolver.validating = false;
    f.resolver.why = "the resolver at 192.0.2.53 does not validate DNSSEC";
    auto v = run(f);
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"resolver-not-validating"});
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::not_applicable);
}

TEST_CASE("a validating resolver off this host is info resolver-remote, and named") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    f.resolver.validator = "resolver 192.0.2.53 (AD bit)";
    f.resolver.remote = true;
    auto v = run(f);
    CHECK(v.status == Status::ok);
    CHECK(codes(v) == std::vector<std::string>{"resolver-remote"});
    CHECK(first(v, "resolver-remote").severity == Severity::info);
    CHECK_THAT(first(v, "resolver-remote").message,
               Catch::StartsWith("DNSSEC is judged by the resolver 192.0.2.53 (AD bit), which is "
                                 "not on this host"));
    CHECK(v.validator == "resolver 192.0.2.53 (AD bit)");
}

TEST_CASE("a failed TLSA lookup on a secure host is critical dns-error, never no-DANE") {
    auto h = host("mx.example.test", {}, {served("chain.pem")});
    h.tlsa = none<dane::TlsaRecord>(LookupStatus::error);
    auto v = run(domain({h}));
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"dns-error"});
    CHECK_THAT(first(v, "dns-error").message, Catch::Contains("defer"));
}

TEST_CASE("a bogus TLSA RRset is critical dnssec-bogus") {
    auto h = host("mx.example.test", {}, {served("chain.pem")});
    h.tlsa = none<dane::TlsaRecord>(LookupStatus::bogus);
    auto v = run(domain({h}));
    CHECK(codes(v) == std::vector<std::string>{"dnssec-bogus"});
    CHECK(v.status == Status::critical);
}

TEST_CASE("bogus or failed MX lookups and a missing domain are critical") {
    auto f = domain({});
    f.mx = none<facts::MxRecord>(LookupStatus::bogus);
    auto bogus = run(f);
    CHECK(codes(bogus) == std::vector<std::string>{"dnssec-bogus"});
    CHECK(bogus.status == Status::critical);
    CHECK(first(bogus, "dnssec-bogus").severity == Severity::critical);
    CHECK(first(bogus, "dnssec-bogus").message ==
          "The MX records of example.test fail DNSSEC validation: validating senders defer all "
          "mail for the domain.");
    f.mx = none<facts::MxRecord>(LookupStatus::error);
    auto failed = run(f);
    CHECK(codes(failed) == std::vector<std::string>{"dns-error"});
    CHECK(failed.status == Status::critical);
    CHECK(first(failed, "dns-error").message ==
          "The MX lookup for example.test failed (timed out): senders defer mail until it "
          "answers.");
    f.mx = none<facts::MxRecord>(LookupStatus::nxdomain);
    auto v = run(f);
    CHECK(codes(v) == std::vector<std::string>{"dns-error"});
    CHECK(v.status == Status::critical);
    CHECK_THAT(first(v, "dns-error").message, Catch::Contains("does not exist in DNS (NXDOMAIN)"));
}

TEST_CASE("TLSA behind insecure addresses is a warning and is not enforced") {
    auto stale = record(3, 1, 1, dane::Bytes(32, 0x5a));
    auto h = host("mx.example.test", {stale}, {served("chain.pem")});
    h.ipv4 = found(std::vector<std::string>{"192.0.2.25"}, false);
    h.tlsa = found(std::vector{stale}, false);
    auto v = run(domain({h}));
    CHECK(v.status == Status::warning);
    CHECK(codes(v) == std::vector<std::string>{"dnssec-insecure"});
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::not_applicable);
}

TEST_CASE("a bogus A or AAAA RRset is dnssec-bogus, critical") {
    // The A records fail validation and there are no others: nothing to probe.
    auto no_a = host("mx.example.test", {}, {});
    no_a.ipv4 = none<std::string>(LookupStatus::bogus);
    auto v = run(domain({no_a}));
    CHECK(codes(v) == std::vector<std::string>{"dnssec-bogus"});
    CHECK(v.status == Status::critical);
    const auto a = first(v, "dnssec-bogus");
    CHECK(a.severity == Severity::critical);
    CHECK(a.mx == "mx.example.test");
    CHECK(a.message == "The A records of mx.example.test fail DNSSEC validation: senders defer "
                       "mail to it.");

    // The AAAA records fail beside good A records: the host is still critical.
    auto bad_aaaa = host("mx.example.test", current_and_issuer(), {served("chain.pem")});
    bad_aaaa.ipv6 = none<std::string>(LookupStatus::bogus);
    auto v6 = run(domain({bad_aaaa}));
    CHECK(codes(v6) == std::vector<std::string>{"dnssec-bogus"});
    CHECK(v6.status == Status::critical);
    CHECK_THAT(first(v6, "dnssec-bogus").message, Catch::StartsWith("The AAAA records of"));
}

TEST_CASE("an insecure A RRset beside a secure AAAA RRset leaves DANE out of effect") {
    // RFC 7672 section 2.2.2: every address record of the host must be secure, not just one.
    for (bool a_secure : {false, true}) {
        CAPTURE(a_secure);
        auto h = host("mx.example.test", current_and_issuer(),
                      {served("chain.pem"), served("chain.pem", "2001:db8::25")});
        h.ipv4 = found(std::vector<std::string>{"192.0.2.25"}, a_secure);
        h.ipv6 = found(std::vector<std::string>{"2001:db8::25"}, !a_secure);
        auto v = run(domain({h}));
        CHECK(codes(v) == std::vector<std::string>{"dnssec-insecure"});
        CHECK(v.status == Status::warning);
        const auto p = first(v, "dnssec-insecure");
        CHECK(p.severity == Severity::warning);
        CHECK_THAT(p.message, Catch::Contains("The addresses of mx.example.test are not "
                                              "DNSSEC-signed, so senders do not look up its TLSA"));
        REQUIRE(v.mx[0].endpoints.size() == 2);
        for (const auto& e : v.mx[0].endpoints) {
            CHECK(e.dane == check::DaneState::not_applicable);
            CHECK_FALSE(e.matched_record);
        }
    }
}

TEST_CASE("a host without any address record is critical mx-unreachable") {
    auto h = host("mx.example.test", {}, {});
    h.ipv4 = none<std::string>(LookupStatus::nodata);
    auto v = run(domain({h}));
    CHECK(codes(v) == std::vector<std::string>{"mx-unreachable"});
    CHECK(v.status == Status::critical);
    const auto p = first(v, "mx-unreachable");
    CHECK(p.severity == Severity::critical);
    CHECK(p.mx == "mx.example.test");
    CHECK(p.address.empty());
    CHECK(p.message == "mx.example.test has no A or AAAA records: senders cannot connect to it.");
}

TEST_CASE("a failed AAAA lookup beside working A records is a dns-error warning") {
    auto h = host("mx.example.test", current_and_issuer(), {served("chain.pem")});
    h.ipv6 = none<std::string>(LookupStatus::error);
    auto v = run(domain({h}));
    CHECK(codes(v) == std::vector<std::string>{"dns-error"});
    CHECK(v.status == Status::warning);
    const auto p = first(v, "dns-error");
    CHECK(p.severity == Severity::warning);
    CHECK(p.message == "The AAAA lookup for mx.example.test failed: timed out.");
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::pass);
}

TEST_CASE("a failed A lookup with no other address is a critical dns-error") {
    auto h = host("mx.example.test", {}, {});
    h.ipv4 = none<std::string>(LookupStatus::error);
    auto v = run(domain({h}));
    // Not mx-unreachable too: the lookup failed, nobody knows whether addresses exist.
    CHECK(codes(v) == std::vector<std::string>{"dns-error"});
    CHECK(v.status == Status::critical);
    CHECK(first(v, "dns-error").severity == Severity::critical);
    CHECK(first(v, "dns-error").message == "The A lookup for mx.example.test failed: timed out.");
}

TEST_CASE("a secure backup MX without TLSA while the primary has it is tlsa-missing") {
    auto v = run(domain({host("mx1.example.test", current_and_issuer(), {served("chain.pem")}, 10),
                         host("mx2.example.test", {}, {served("chain.pem", "192.0.2.26")}, 20)}));
    CHECK(v.status == Status::warning);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-missing"});
    CHECK(first(v, "tlsa-missing").mx == "mx2.example.test");
    CHECK_THAT(first(v, "tlsa-missing").message,
               Catch::Contains("Publish _25._tcp.mx2.example.test. IN TLSA 3 1 1"));
}

TEST_CASE("only PKIX records: tlsa-unusable, and TLS is still required") {
    auto pkix = record(1, 1, 1, dane::test::expected_digest("leaf", 1, 1));
    auto v = run(domain({host("mx.example.test", {pkix}, {served("chain.pem")})}));
    CHECK(v.status == Status::warning);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-unusable"});
    CHECK_THAT(first(v, "tlsa-unusable").message, Catch::Contains("RFC 7672"));

    auto plain = served("chain.pem");
    plain.failure = facts::ProbeFailure::starttls_missing;
    plain.chain = {};
    auto v2 = run(domain({host("mx.example.test", {pkix}, {plain})}));
    CHECK(v2.status == Status::critical);
    CHECK(first(v2, "starttls-missing").severity == Severity::critical);
}

TEST_CASE("an RRset of only over-long digests is tlsa-unusable") {
    auto leaf256 = dane::test::expected_digest("leaf", 1, 1);
    leaf256.push_back(0x00);
    const auto long256 = record(3, 1, 1, leaf256);
    const auto long512 = record(3, 1, 2, dane::Bytes(65, 0x11));
    auto v = run(domain({host("mx.example.test", {long256, long512}, {served("chain.pem")})}));
    CHECK(codes(v) == std::vector<std::string>{"tlsa-unusable"});
    CHECK(v.status == Status::warning);
    const auto p = first(v, "tlsa-unusable");
    CHECK(p.severity == Severity::warning);
    CHECK_THAT(p.message,
               Catch::Contains("A SHA-256 digest is 32 bytes long, but this record carries 33"));
    CHECK_THAT(p.message,
               Catch::Contains("A SHA-512 digest is 64 bytes long, but this record carries 65"));
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::not_applicable);
    REQUIRE(v.mx[0].tlsa.size() == 2);
    for (const auto& t : v.mx[0].tlsa)
        CHECK_FALSE(t.usability.usable);
}

TEST_CASE("no STARTTLS: critical with TLSA published, a warning without") {
    auto plain = served("chain.pem");
    plain.failure = facts::ProbeFailure::starttls_missing;
    plain.chain = {};
    auto with = run(domain({host("mx.example.test", current_and_issuer(), {plain})}));
    CHECK(with.status == Status::critical);
    CHECK(codes(with) == std::vector<std::string>{"starttls-missing"});
    auto without = run(domain({host("mx.example.test", {}, {plain})}));
    CHECK(without.status == Status::warning);
    CHECK(codes(without) == std::vector<std::string>{"starttls-missing"});
}

TEST_CASE("an expired leaf under DANE-EE still passes, with a cert-expired warning") {
    auto expired = record(3, 1, 1, dane::test::expected_digest("leaf-expired", 1, 1));
    auto v = run(domain(
        {host("mx.example.test", {expired, next_key_311()}, {served("chain-expired-leaf.pem")})}));
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::pass);
    CHECK(v.status == Status::warning);
    CHECK(codes(v) == std::vector<std::string>{"cert-expired"});
    CHECK_THAT(first(v, "cert-expired").message, Catch::Contains("DANE-EE ignores expiry"));
}

TEST_CASE("an expired leaf under DANE-TA is critical cert-expired") {
    auto v = run(domain({host("mx.example.test", {issuer_211(), next_key_311()},
                              {served("chain-expired-leaf.pem")})}));
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::fail);
    CHECK(v.status == Status::critical);
    // One problem: the DANE failure is the expiry, not a second cert-expired beside it.
    CHECK(codes(v) == std::vector<std::string>{"cert-expired"});
    const auto p = first(v, "cert-expired");
    CHECK(p.severity == Severity::critical);
    CHECK_THAT(p.message, Catch::StartsWith("The chain mx.example.test at 192.0.2.25:25 matches a "
                                            "DANE-TA record at _25._tcp.mx.example.test, but a "
                                            "certificate in it is expired or not yet valid ("));
    CHECK_THAT(p.message, Catch::EndsWith("): DANE senders refuse it. Renew the certificate."));
}

TEST_CASE("an expired leaf that no record matches is reported as tlsa-mismatch alone") {
    auto v = run(domain({host("mx.example.test", {leaf_311(), next_key_311()},
                              {served("chain-expired-leaf.pem")})}));
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::fail);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-mismatch"});
    CHECK(v.status == Status::critical);
}

TEST_CASE("a certificate that expires within the warning window is cert-expiring") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    auto not_after = dane::summarize(f.hosts[0].endpoints[0].chain.der[0])->not_after;
    auto soon = run(f, not_after - 5 * 86400);
    CHECK(codes(soon) == std::vector<std::string>{"cert-expiring"});
    CHECK_THAT(first(soon, "cert-expiring").message, Catch::Contains("in 5 days"));
    CHECK(codes(run(f, not_after - 60 * 86400)).empty());
}

TEST_CASE("cert-expiring counts whole days left, rounded down, below expiry_warning_days") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    auto not_after = dane::summarize(f.hosts[0].endpoints[0].chain.der[0])->not_after;
    // Exactly 21 days left is not below the default of 21.
    CHECK(codes(run(f, not_after - 21 * 86400)).empty());
    // 20 days and one hour left: 20 whole days.
    auto v = run(f, not_after - (20 * 86400 + 3600));
    CHECK(codes(v) == std::vector<std::string>{"cert-expiring"});
    CHECK(v.status == Status::warning);
    const auto p = first(v, "cert-expiring");
    CHECK(p.severity == Severity::warning);
    CHECK(p.address == "192.0.2.25");
    CHECK_THAT(p.message, Catch::Contains("expires on 2099-12-31, in 20 days."));
    // The threshold is the policy's.
    auto strict = check::evaluate(f, check::Policy{10, {}}, not_after - (20 * 86400 + 3600));
    CHECK(codes(strict).empty());
}

TEST_CASE("a certificate in its last second of validity is expiring, not expired") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    auto not_after = dane::summarize(f.hosts[0].endpoints[0].chain.der[0])->not_after;
    auto v = run(f, not_after);
    CHECK(codes(v) == std::vector<std::string>{"cert-expiring"});
    CHECK_THAT(first(v, "cert-expiring").message, Catch::Contains("in 0 days"));
    CHECK(codes(run(f, not_after + 1)) == std::vector<std::string>{"cert-expired"});
}

TEST_CASE("addresses of one MX host that serve different keys are endpoint-inconsistent") {
    auto both = record(3, 1, 1, dane::test::expected_digest("leaf-wrong-name", 1, 1));
    auto v =
        run(domain({host("mx.example.test", {leaf_311(), both},
                         {served("chain.pem"), served("chain-wrong-name.pem", "192.0.2.26")})}));
    CHECK(codes(v) == std::vector<std::string>{"endpoint-inconsistent"});
    CHECK(v.status == Status::warning);
}

TEST_CASE("DANE-TA with a leaf that carries none of the reference names is tlsa-name-mismatch") {
    auto root = record(2, 1, 1, dane::test::expected_digest("root", 1, 1));
    auto v = run(
        domain({host("mx.example.test", {issuer_211(), root}, {served("chain-wrong-name.pem")})}));
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-name-mismatch"});
    CHECK_THAT(first(v, "tlsa-name-mismatch").message, Catch::Contains("wrong.example.test"));
    auto ok = run(domain({host("mx.example.test", {issuer_211(), root}, {served("chain.pem")})}));
    CHECK(ok.status == Status::ok);
    CHECK(ok.mx[0].endpoints[0].matched_depth == 1);
}

TEST_CASE("an unreachable MX address is critical mx-unreachable") {
    auto down = served("chain.pem");
    down.failure = facts::ProbeFailure::unreachable;
    down.phase = "connect";
    down.detail = "connection refused";
    down.chain = {};
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {down})}));
    CHECK(codes(v) == std::vector<std::string>{"mx-unreachable"});
    CHECK(v.status == Status::critical);
    const auto p = first(v, "mx-unreachable");
    CHECK(p.severity == Severity::critical);
    CHECK(p.mx == "mx.example.test");
    CHECK(p.address == "192.0.2.25");
    CHECK(p.message == "Cannot connect to mx.example.test at 192.0.2.25:25 (connection refused): "
                       "senders queue the mail or move to the next MX.");
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::not_applicable);
}

TEST_CASE("a failed TLS handshake is critical tls-handshake-failed") {
    auto broken = served("chain.pem");
    broken.failure = facts::ProbeFailure::tls_failed;
    broken.phase = "handshake";
    broken.detail = "sslv3 alert handshake failure";
    broken.tls_version.clear();
    broken.chain = {};
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {broken})}));
    CHECK(codes(v) == std::vector<std::string>{"tls-handshake-failed"});
    CHECK(v.status == Status::critical);
    const auto p = first(v, "tls-handshake-failed");
    CHECK(p.severity == Severity::critical);
    CHECK(p.address == "192.0.2.25");
    CHECK(p.message == "The TLS handshake with mx.example.test at 192.0.2.25:25 failed: sslv3 "
                       "alert handshake failure.");
}

TEST_CASE("a TLS session without a certificate is critical where TLSA is published") {
    auto anonymous = served("chain.pem");
    anonymous.chain = {};
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {anonymous})}));
    CHECK(codes(v) == std::vector<std::string>{"tls-handshake-failed"});
    CHECK(v.status == Status::critical);
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::fail);
    CHECK(first(v, "tls-handshake-failed").message ==
          "mx.example.test at 192.0.2.25:25 completed TLS without a certificate: DANE senders "
          "cannot authenticate it.");
}

TEST_CASE("a failed SMTP dialogue is critical smtp-error with the phase") {
    auto refused = served("chain.pem");
    refused.failure = facts::ProbeFailure::smtp_error;
    refused.phase = "banner";
    refused.detail = "554 no service";
    refused.chain = {};
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {refused})}));
    CHECK(codes(v) == std::vector<std::string>{"smtp-error"});
    CHECK(v.status == Status::critical);
    const auto p = first(v, "smtp-error");
    CHECK(p.severity == Severity::critical);
    CHECK(p.message ==
          "The SMTP dialogue with mx.example.test at 192.0.2.25:25 failed at banner: 554 no "
          "service.");
}

TEST_CASE("an IPv6 endpoint is written in brackets") {
    auto down = served("chain.pem", "2001:db8::25");
    down.failure = facts::ProbeFailure::unreachable;
    down.detail = "no route to host";
    down.chain = {};
    auto h = host("mx.example.test", current_and_issuer(), {down});
    h.ipv4 = none<std::string>();
    h.ipv6 = found(std::vector<std::string>{"2001:db8::25"});
    auto v = run(domain({h}));
    CHECK_THAT(first(v, "mx-unreachable").message,
               Catch::StartsWith("Cannot connect to mx.example.test at [2001:db8::25]:25 "));
    CHECK(first(v, "mx-unreachable").address == "2001:db8::25");
}

TEST_CASE("a stale SHA-512 record hides a matching SHA-256 one (RFC 7671 section 9)") {
    auto stale512 = record(3, 1, 2, dane::Bytes(64, 0x11));
    auto v = run(domain({host("mx.example.test", {leaf_311(), stale512}, {served("chain.pem")})}));
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-digest-stale"});
    CHECK(first(v, "tlsa-digest-stale").severity == Severity::critical);
    CHECK_THAT(first(v, "tlsa-digest-stale").message, Catch::Contains("RFC 7671 section 9"));
}

TEST_CASE(
    "an expired intermediate that DANE-TA accepts as anchor is still a cert-expired warning") {
    auto chain = dane::test::load_chain("chain-expired-intermediate.pem");
    auto anchor = record(2, 1, 1, *dane::association_data(chain.der[1], 1, 1));
    auto v = run(domain({host("mx.example.test", {anchor, next_key_311()},
                              {served("chain-expired-intermediate.pem")})}));
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::pass);
    CHECK(codes(v) == std::vector<std::string>{"cert-expired"});
    CHECK(v.status == Status::warning);
    CHECK_THAT(first(v, "cert-expired").message, Catch::Contains("depth 1"));
}

TEST_CASE("a single usable record with a key kept across renewals is ok, with the advice") {
    auto v = run(domain({host("mx.example.test", {leaf_311()}, {served("chain.pem")})}));
    CHECK(v.status == Status::ok);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-rollover-missing"});
    CHECK(first(v, "tlsa-rollover-missing").mx == "mx.example.test");
    CHECK(first(v, "tlsa-rollover-missing").severity == Severity::info);
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::pass);
}

TEST_CASE("a single DANE-EE record on a leaf that expires within the warning window is a warning") {
    // The renewal is near: if it brings a new key, DANE senders refuse the mail.
    const std::time_t not_after =
        dane::summarize(dane::test::load_chain("chain.pem"), 0)->not_after;
    auto f = domain({host("mx.example.test", {leaf_311()}, {served("chain.pem")})});
    auto v = check::evaluate(f, check::Policy{}, not_after - 10 * 86400);
    CHECK(v.status == Status::warning);
    CHECK(codes(v) == std::vector<std::string>{"cert-expiring", "tlsa-rollover-missing"});
    CHECK(first(v, "tlsa-rollover-missing").severity == Severity::warning);
    CHECK_THAT(first(v, "tlsa-rollover-missing").message,
               Catch::Contains("so its renewal is near"));
}

TEST_CASE("a stale SHA-512 record that another record covers is a tlsa-digest-stale warning") {
    auto stale512 = record(3, 1, 2, dane::Bytes(64, 0x11));
    auto v = run(domain(
        {host("mx.example.test", {leaf_311(), stale512, issuer_211()}, {served("chain.pem")})}));
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::pass);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-digest-stale"});
    CHECK(first(v, "tlsa-digest-stale").severity == Severity::warning);
}

TEST_CASE("an evaluation cache shared by many domains changes no verdict") {
    auto old_key = record(3, 1, 1, dane::Bytes(32, 0x5a));
    std::vector<facts::DomainFacts> cases = {
        domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})}),
        domain({host("mx.example.test", {old_key}, {served("chain.pem")})}),
        domain({host("mx.other.test", current_and_issuer(), {served("chain.pem")})}),
        domain({host("mx.example.test", {leaf_311()}, {served("chain.pem")})}),
    };
    check::EvaluationCache cache;
    for (int round = 0; round < 2; ++round) // the second round is answered from the cache
        for (const auto& f : cases) {
            auto plain = run(f);
            auto cached = check::evaluate(f, check::Policy{}, now_2026, &cache);
            CHECK(cached.status == plain.status);
            CHECK(codes(cached) == codes(plain));
            REQUIRE(cached.mx.size() == plain.mx.size());
            const auto& a = cached.mx[0].endpoints.at(0);
            const auto& b = plain.mx[0].endpoints.at(0);
            CHECK(a.dane == b.dane);
            CHECK(a.matched_record == b.matched_record);
            CHECK(a.matched_depth == b.matched_depth);
            CHECK(a.chain.size() == b.chain.size());
            for (std::size_t i = 0; i < cached.all_problems().size(); ++i)
                CHECK(cached.all_problems()[i].message == plain.all_problems()[i].message);
        }
}

TEST_CASE("an evaluation cache keeps the verdicts of different times apart") {
    // DANE-TA checks expiry: the same chain passes now and fails once the leaf has expired.
    const auto f =
        domain({host("mx.example.test", {issuer_211(), next_key_311()}, {served("chain.pem")})});
    const std::time_t after_leaf_expiry = 4107542400; // 2100-03-01
    check::EvaluationCache cache;
    auto before = check::evaluate(f, check::Policy{}, now_2026, &cache);
    CHECK(before.status == Status::ok);
    auto after = check::evaluate(f, check::Policy{}, after_leaf_expiry, &cache);
    CHECK(codes(after) == std::vector<std::string>{"cert-expired"});
    CHECK(after.status == Status::critical);
    CHECK(codes(after) == codes(run(f, after_leaf_expiry)));
}

TEST_CASE(
    "a certificate file the MTA will load that the TLSA records do not vouch for is critical") {
    auto h = host("mx.example.test", current_and_issuer(), {served("chain.pem")});
    h.local_certificates.push_back(
        {"/etc/ssl/mx/fullchain.pem", dane::test::load_chain("chain-next.pem"), ""});
    // chain-next.pem has a new key under the same CA: the 2 1 1 record still vouches for it.
    auto covered = run(domain({h}));
    CHECK(codes(covered) == std::vector<std::string>{"local-cert-not-served"});
    CHECK(covered.status == Status::warning);

    auto only_leaf = host("mx.example.test", {leaf_311(), next_key_311()}, {served("chain.pem")});
    only_leaf.local_certificates.push_back(
        {"/etc/ssl/mx/fullchain.pem", dane::test::load_chain("chain-wrong-name.pem"), ""});
    auto v = run(domain({only_leaf}));
    CHECK(codes(v) == std::vector<std::string>{"local-cert-mismatch", "local-cert-not-served"});
    CHECK(v.status == Status::critical);
    CHECK_THAT(first(v, "local-cert-mismatch").message,
               Catch::Contains("/etc/ssl/mx/fullchain.pem"));
    CHECK_THAT(first(v, "local-cert-mismatch").message,
               Catch::Contains("Publish _25._tcp.mx.example.test. IN TLSA 3 1 1 " +
                               upper_hex(dane::test::expected_digest("leaf-wrong-name", 1, 1))));
}

TEST_CASE("a certificate file identical to the served one raises nothing") {
    auto h = host("mx.example.test", current_and_issuer(), {served("chain.pem")});
    h.local_certificates.push_back(
        {"/etc/ssl/mx/fullchain.pem", dane::test::load_chain("chain.pem"), ""});
    CHECK(codes(run(domain({h}))).empty());
}

TEST_CASE("a certificate file that cannot be used leaves the check incomplete: status unknown") {
    auto h = host("mx.example.test", current_and_issuer(), {served("chain.pem")});
    h.local_certificates.push_back({"/etc/ssl/mx/fullchain.pem", {}, "permission denied"});
    auto v = run(domain({h}));
    CHECK(codes(v) == std::vector<std::string>{"check-incomplete"});
    CHECK(v.status == Status::unknown);
    const auto p = first(v, "check-incomplete");
    CHECK(p.severity == Severity::warning);
    CHECK(p.message == "The certificate file /etc/ssl/mx/fullchain.pem configured for "
                       "mx.example.test cannot be used: permission denied.");
    // A critical problem beside it still makes the domain critical.
    h.tlsa = found(std::vector{record(3, 1, 1, dane::Bytes(32, 0x5a)), next_key_311()});
    CHECK(run(domain({h})).status == Status::critical);
}

TEST_CASE("a DANE verification that cannot run leaves the check incomplete, never ok") {
    auto h = host("mx.example.test", current_and_issuer(), {served("chain.pem")});
    h.reference_names.clear(); // no TLSA base domain: the DANE-TA name check cannot run
    auto v = run(domain({h}));
    CHECK(codes(v) == std::vector<std::string>{"check-incomplete"});
    CHECK(v.status == Status::unknown);
    CHECK(v.mx[0].endpoints[0].dane == check::DaneState::not_applicable);
    CHECK_THAT(first(v, "check-incomplete").message,
               Catch::StartsWith("DANE verification of mx.example.test at 192.0.2.25:25 could "
                                 "not run: No TLSA base domain was given"));
}

TEST_CASE("an MX target that is an IP address or holds odd bytes is mx-invalid-name") {
    for (std::string name : {"127.0.25.1", "[127.0.25.1]", "\\027[31mred.example.test"}) {
        facts::MxHostFacts h;
        h.mx = {10, name};
        h.tlsa_base = name;
        h.ipv4 = none<std::string>(LookupStatus::error);
        h.ipv6 = none<std::string>(LookupStatus::error);
        h.tlsa = none<dane::TlsaRecord>(LookupStatus::error);
        auto v = run(domain({h}));
        CHECK(codes(v) == std::vector<std::string>{"mx-invalid-name"});
        CHECK(v.status == Status::critical);
        CHECK_THAT(first(v, "mx-invalid-name").message, Catch::Contains("RFC 5321 section 5.1"));
        if (name.front() != '\\')
            CHECK_THAT(first(v, "mx-invalid-name").message, Catch::Contains("IP address"));
    }
}

TEST_CASE("MX hosts and addresses beyond the scan's caps are a check-truncated warning") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    f.mx_hosts_skipped = 40;
    f.hosts[0].addresses_skipped = 12;
    f.max_mx_hosts = 10;
    f.max_addresses_per_host = 8;
    f.max_endpoints = 32;
    auto v = run(f);
    CHECK(codes(v) == std::vector<std::string>{"check-truncated"});
    CHECK(v.status == Status::warning);
    CHECK_THAT(first(v, "check-truncated").message, Catch::Contains("40 MX host(s)"));
    CHECK_THAT(first(v, "check-truncated").message, Catch::Contains("12 address(es)"));

    f.mx_hosts_skipped = 0; // only addresses skipped
    auto addresses = run(f);
    CHECK(codes(addresses) == std::vector<std::string>{"check-truncated"});
    CHECK_THAT(first(addresses, "check-truncated").message,
               Catch::Contains("12 address(es) beyond 8 per host and address family or 32 per "
                               "domain were not checked"));
    f.mx_hosts_skipped = 40; // only MX hosts skipped
    f.hosts[0].addresses_skipped = 0;
    auto hosts = run(f);
    CHECK(codes(hosts) == std::vector<std::string>{"check-truncated"});
    CHECK_THAT(first(hosts, "check-truncated").message,
               Catch::Contains("40 MX host(s) after the first 1 by preference were not checked"));
    f.mx_hosts_skipped = 0;
    CHECK(codes(run(f)).empty());
}

TEST_CASE("the rollover advice for a CNAME'd MX host names the owner at the alias target") {
    // mx.example.test is an alias of mail.provider.test, where senders find the TLSA records
    // (RFC 7671 section 7): the advice and the record to publish must name that owner.
    auto h = host("mx.example.test", {leaf_311()}, {served("chain.pem")});
    h.tlsa_base = "mail.provider.test";
    h.reference_names = {"mail.provider.test", "mx.example.test"};
    auto v = run(domain({h}));
    const auto p = first(v, "tlsa-rollover-missing");
    CHECK_THAT(p.message, Catch::StartsWith("_25._tcp.mail.provider.test has a single usable"));
    CHECK(v.mx[0].tlsa_name == "_25._tcp.mail.provider.test");
}

TEST_CASE("a fully observed domain is complete at every level") {
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})}));
    CHECK(v.complete);
    CHECK(v.mx[0].lookups_complete);
    CHECK(v.mx[0].complete);
    CHECK(v.mx[0].endpoints[0].complete);
}

TEST_CASE("an address that could not be probed is not complete, nor is its host") {
    facts::ProbeResult down;
    down.endpoint = {"mx.example.test", "192.0.2.25", 25};
    down.failure = facts::ProbeFailure::unreachable;
    down.phase = "connect";
    down.detail = "connection refused";
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {down})}));
    CHECK(v.complete);
    CHECK(v.mx[0].lookups_complete);
    CHECK_FALSE(v.mx[0].complete);
    CHECK_FALSE(v.mx[0].endpoints[0].complete);
    // TLS 1.0/1.1 sessions that did not answer leave the endpoint incomplete too.
    auto untested = served("chain.pem");
    untested.legacy_untested = {"TLSv1", "TLSv1.1"};
    CHECK_FALSE(run(domain({host("mx.example.test", current_and_issuer(), {untested})}))
                    .mx[0]
                    .endpoints[0]
                    .complete);
}

TEST_CASE("a failed TLSA lookup of a host with secure addresses leaves its lookups incomplete") {
    auto h = host("mx.example.test", current_and_issuer(), {served("chain.pem")});
    h.tlsa = none<dane::TlsaRecord>(LookupStatus::error);
    auto v = run(domain({h}));
    CHECK(v.complete);
    CHECK_FALSE(v.mx[0].lookups_complete);
    CHECK_FALSE(v.mx[0].complete);
}

TEST_CASE("a failed MX lookup or a resolver that does not validate leaves the domain incomplete") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    f.mx = none<facts::MxRecord>(LookupStatus::error);
    CHECK_FALSE(run(f).complete);
    auto g = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    g.resolver.validating = false;
    g.resolver.why = "no AD bit";
    CHECK_FALSE(run(g).complete);
}

TEST_CASE("the severity policy lowers, raises or drops a code and says what it changed") {
    auto p = served("chain.pem");
    p.legacy_tls = {"TLSv1", "TLSv1.1"};
    const auto facts = domain({host("mx.example.test", current_and_issuer(), {p})});
    check::Policy policy;

    policy.severity = {{Code::tls_legacy_enabled, Severity::info}};
    auto lowered = check::evaluate(facts, policy, now_2026);
    CHECK(lowered.status == Status::ok);
    CHECK(first(lowered, "tls-legacy-enabled").severity == Severity::info);
    CHECK(first(lowered, "tls-legacy-enabled").default_severity == Severity::warning);

    policy.severity = {{Code::tls_legacy_enabled, Severity::critical}};
    auto raised = check::evaluate(facts, policy, now_2026);
    CHECK(raised.status == Status::critical);
    CHECK(first(raised, "tls-legacy-enabled").default_severity == Severity::warning);

    policy.severity = {{Code::tls_legacy_enabled, Severity::off}};
    auto dropped = check::evaluate(facts, policy, now_2026);
    CHECK(dropped.status == Status::ok);
    CHECK(first(dropped, "tls-legacy-enabled").severity == Severity::off); // kept for --json

    // A rule for the level the rules gave anyway changes nothing and is not shown.
    policy.severity = {{Code::tls_legacy_enabled, Severity::warning}};
    auto same = check::evaluate(facts, policy, now_2026);
    CHECK(same.status == Status::warning);
    CHECK_FALSE(first(same, "tls-legacy-enabled").default_severity.has_value());
}

TEST_CASE("a tlsa-mismatch the policy turns off leaves the domain ok") {
    auto f = domain({host("mx.example.test", current_and_issuer(), {served("chain.pem")})});
    check::Policy policy;
    policy.severity = {{Code::tlsa_mismatch, Severity::off}};
    auto stale = f;
    stale.hosts[0].tlsa = found(std::vector<dane::TlsaRecord>{next_key_311()});
    auto v = check::evaluate(stale, policy, now_2026);
    CHECK(first(v, "tlsa-mismatch").severity == Severity::off);
    CHECK(v.status == Status::ok);
}

namespace {

// The chain of another key the server holds (chain-next.pem's leaf stands in for it: the rules
// read the key type from facts::ServedKey, not from the certificate).
facts::ServedKey other_key(const std::string& chain_file = "chain-next.pem") {
    return facts::ServedKey{"RSA 2048", "RSA", "TLSv1.3", dane::test::load_chain(chain_file)};
}

} // namespace

TEST_CASE("a second key that no TLSA record matches is critical, named by its key type") {
    auto p = served("chain.pem");
    p.other_keys = {other_key()};
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {p})}));
    // The issuer's 2 1 1 matches both chains; without it only the main key has a record.
    CHECK(v.status == Status::ok);
    auto f = domain({host("mx.example.test", {leaf_311(), next_key_311()}, {p})});
    f.hosts[0].tlsa.records = {leaf_311(), record(3, 1, 1, dane::Bytes(32, 0x5a))};
    v = run(f);
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-mismatch"});
    const auto& e = v.mx.at(0).endpoints.at(0);
    CHECK(e.dane == check::DaneState::pass); // the main handshake's chain still passes
    REQUIRE(e.other_keys.size() == 1);
    CHECK(e.other_keys[0].type == "RSA 2048");
    CHECK(e.other_keys[0].tls_version == "TLSv1.3");
    CHECK(e.other_keys[0].dane == check::DaneState::fail);
    REQUIRE(e.other_keys[0].chain.size() == 2);
    const auto& problem = first(v, "tlsa-mismatch");
    CHECK(problem.severity == Severity::critical);
    CHECK(problem.address == "192.0.2.25");
    CHECK_THAT(problem.message,
               Catch::Contains("matches the RSA 2048 certificate that mx.example.test at "
                               "192.0.2.25:25 serves to senders that negotiate RSA"));
    CHECK_THAT(problem.message,
               Catch::Contains("Publish _25._tcp.mx.example.test. IN TLSA 3 1 1 " +
                               upper_hex(dane::test::expected_digest("leaf-next", 1, 1)) +
                               " beside the present records."));
}

TEST_CASE("a second key with its own TLSA record passes, with its match") {
    auto p = served("chain.pem");
    p.other_keys = {other_key()};
    auto v = run(domain({host("mx.example.test", {leaf_311(), next_key_311()}, {p})}));
    CHECK(v.status == Status::ok);
    CHECK(codes(v).empty());
    const auto& k = v.mx.at(0).endpoints.at(0).other_keys.at(0);
    CHECK(k.dane == check::DaneState::pass);
    REQUIRE(k.matched_record);
    CHECK(*k.matched_record == next_key_311());
    CHECK(k.matched_depth == 0);
}

TEST_CASE("when both keys fail, one tlsa-mismatch says so for each") {
    auto p = served("chain.pem");
    p.other_keys = {other_key()};
    auto v = run(domain({host("mx.example.test", {record(3, 1, 1, dane::Bytes(32, 0x5a))}, {p})}));
    CHECK(v.status == Status::critical);
    CHECK(codes(v) == std::vector<std::string>{"tlsa-mismatch", "tlsa-rollover-missing"});
    const auto& message = first(v, "tlsa-mismatch").message;
    CHECK_THAT(message, Catch::StartsWith("No usable TLSA record at _25._tcp.mx.example.test "
                                          "matches the certificate mx.example.test at"));
    CHECK_THAT(message, Catch::Contains(" No usable TLSA record at _25._tcp.mx.example.test "
                                        "matches the RSA 2048 certificate"));
}

TEST_CASE("a second key's expired leaf is cert-expired; an untested key type leaves the check "
          "incomplete") {
    auto p = served("chain.pem");
    p.other_keys = {other_key("chain-expired-leaf.pem")};
    auto v = run(domain({host("mx.example.test", current_and_issuer(), {p})}));
    // The issuer's 2 1 1 is DANE-TA: an expired leaf fails it (RFC 7672 section 3.1.2).
    CHECK(codes(v) == std::vector<std::string>{"tlsa-mismatch"});
    auto f = domain({host(
        "mx.example.test",
        {leaf_311(), record(3, 1, 1, dane::test::expected_digest("leaf-expired", 1, 1))}, {p})});
    v = run(f);
    CHECK(codes(v) == std::vector<std::string>{"cert-expired"});
    CHECK(first(v, "cert-expired").severity == Severity::warning);
    CHECK_THAT(first(v, "cert-expired").message,
               Catch::StartsWith("The RSA 2048 certificate that mx.example.test at 192.0.2.25:25 "
                                 "serves to senders that negotiate RSA expired on"));
    CHECK(v.mx.at(0).endpoints.at(0).complete);

    p.other_keys.clear();
    p.keys_untested = {"RSA", "Ed25519"};
    v = run(domain({host("mx.example.test", current_and_issuer(), {p})}));
    CHECK(v.status == Status::ok);
    CHECK_FALSE(v.mx.at(0).endpoints.at(0).complete);
}
