// What the reports show: the JSON contract's fields, and that hostile strings from DNS,
// SMTP or certificates cannot reach a terminal or break the JSON.
#include "danemon/report/report.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace danemon;

namespace {

check::DomainVerdict sample() {
    check::DomainVerdict v;
    v.domain = "example.test";
    v.status = check::Status::critical;
    v.mx_dnssec = "secure";
    check::MxVerdict m;
    m.host = "mx.example.test";
    m.preference = 10;
    m.tlsa_name = "_25._tcp.mx.example.test";
    m.tlsa_dnssec = "secure";
    m.tlsa_ttl = 300;
    m.tlsa.push_back({dane::TlsaRecord{3, 1, 1, dane::Bytes(32, 0xab)}, {true, ""}});
    m.tlsa.push_back({dane::TlsaRecord{1, 1, 1, dane::Bytes(32, 0xcd)},
                      {false, "PKIX-EE(1) records are not used by SMTP senders"}});
    check::EndpointVerdict e;
    e.probe.endpoint = {"mx.example.test", "192.0.2.25", 25};
    e.probe.starttls_offered = true;
    e.probe.tls_version = "TLSv1.3";
    e.probe.cipher = "TLS_AES_256_GCM_SHA384";
    e.probe.modern_tls = true;
    e.probe.legacy_tls = {"TLSv1"};
    e.dane = check::DaneState::fail;
    e.problems.push_back({check::Code::tlsa_mismatch, check::Severity::critical,
                          "No usable TLSA record matches \x1b[2J\r\nForged: line",
                          "mx.example.test", "192.0.2.25"});
    dane::CertificateSummary cert;
    cert.subject = "CN=evil\x1b]0;title\x07";
    cert.issuer = "CN=ca";
    cert.names = {"mx.example.test", "bad\xff\xfe"};
    cert.not_before = 0;
    cert.not_after = 4102444799; // 2099-12-31
    e.chain.push_back(cert);
    m.endpoints.push_back(e);
    v.mx.push_back(m);
    return v;
}

} // namespace

TEST_CASE("JSON follows contract version 1") {
    auto doc = nlohmann::json::parse(report::render_json({sample()}, 1795000000));
    CHECK(doc["version"] == 1);
    CHECK(doc["checked_at"] == "2026-11-18T11:06:40Z");
    const auto& d = doc["domains"][0];
    CHECK(d["domain"] == "example.test");
    CHECK(d["status"] == "critical");
    CHECK(d["mx_dnssec"] == "secure");
    const auto& mx = d["mx"][0];
    CHECK(mx["host"] == "mx.example.test");
    CHECK(mx["preference"] == 10);
    CHECK(mx["tlsa_name"] == "_25._tcp.mx.example.test");
    CHECK(mx["tlsa_ttl"] == 300);
    CHECK(mx["tlsa"][0]["usage"] == 3);
    CHECK(mx["tlsa"][0]["usable"] == true);
    CHECK(mx["tlsa"][1]["usable"] == false);
    CHECK(mx["tlsa"][1]["why"] == "PKIX-EE(1) records are not used by SMTP senders");
    const auto& ep = mx["endpoints"][0];
    CHECK(ep["address"] == "192.0.2.25");
    CHECK(ep["port"] == 25);
    CHECK(ep["starttls"] == true);
    CHECK(ep["tls_version"] == "TLSv1.3");
    CHECK(ep["legacy_tls"] == nlohmann::json::array({"TLSv1"}));
    CHECK(ep["dane"] == "fail");
    CHECK(ep["match"].is_null());
    CHECK(ep["chain"][0]["not_after"] == "2099-12-31T23:59:59Z");
    CHECK(ep["problems"][0]["code"] == "tlsa-mismatch");
    CHECK(ep["problems"][0]["severity"] == "critical");
    CHECK(ep["problems"][0]["mx"] == "mx.example.test");
    CHECK(ep["problems"][0]["address"] == "192.0.2.25");
}

namespace {

// sample() with an RSA certificate beside the ECDSA one, and Ed25519 untested.
check::DomainVerdict two_keys() {
    auto v = sample();
    auto& e = v.mx[0].endpoints[0];
    e.chain[0].key = {dane::KeyFamily::ecdsa, "ECDSA P-256"};
    dane::CertificateSummary rsa = e.chain[0];
    rsa.subject = "CN=mx.example.test";
    rsa.key = {dane::KeyFamily::rsa, "RSA 2048"};
    e.other_keys.push_back({"RSA 2048",
                            "RSA",
                            "TLSv1.2",
                            {rsa},
                            check::DaneState::pass,
                            dane::TlsaRecord{3, 1, 1, dane::Bytes(32, 0xab)},
                            0});
    e.probe.keys_untested = {"Ed25519"};
    return v;
}

} // namespace

TEST_CASE("JSON lists the other keys the server holds beside the main handshake's") {
    auto doc = nlohmann::json::parse(report::render_json({two_keys()}, 1795000000));
    const auto& ep = doc["domains"][0]["mx"][0]["endpoints"][0];
    // The main certificate is the endpoint's own chain, dane and match, as before.
    CHECK(ep["chain"][0]["key"] == "ECDSA P-256");
    CHECK(ep["dane"] == "fail");
    REQUIRE(ep["keys"].size() == 1);
    CHECK(ep["keys"][0]["type"] == "RSA 2048");
    CHECK(ep["keys"][0]["tls_version"] == "TLSv1.2");
    CHECK(ep["keys"][0]["dane"] == "pass");
    CHECK(ep["keys"][0]["match"]["record"] ==
          "3 1 1 ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB");
    CHECK(ep["keys"][0]["match"]["depth"] == 0);
    CHECK(ep["keys"][0]["chain"][0]["key"] == "RSA 2048");
    CHECK(ep["keys"][0]["chain"][0]["subject"] == "CN=mx.example.test");
    CHECK(ep["keys_untested"] == nlohmann::json::array({"Ed25519"}));

    // A server with one key: none beside it.
    doc = nlohmann::json::parse(report::render_json({sample()}, 0));
    CHECK(doc["domains"][0]["mx"][0]["endpoints"][0]["keys"] == nlohmann::json::array());
}

TEST_CASE("the text report names the other keys and the untested key types") {
    const std::string text = report::render_text({two_keys()}, report::TextOptions{false, false});
    CHECK_THAT(text, Catch::Contains("\n           also serves RSA 2048 (to senders that negotiate "
                                     "RSA, TLSv1.2)  DANE pass (3 1 1 ABABABABABABABAB... at "
                                     "depth 0)\n"));
    CHECK_THAT(text, Catch::Contains("untested: whether it also serves Ed25519 certificates"));
    const std::string chains = report::render_text({two_keys()}, report::TextOptions{false, true});
    CHECK_THAT(chains, Catch::Contains("RSA 2048 certificate 0"));
    CHECK_THAT(chains, Catch::Contains("key:         RSA 2048"));
}

TEST_CASE("hostile bytes in certificate names and messages are neutralized in JSON") {
    std::string text = report::render_json({sample()}, 0);
    auto doc = nlohmann::json::parse(text); // valid UTF-8 despite \xff in a SAN
    const auto& ep = doc["domains"][0]["mx"][0]["endpoints"][0];
    CHECK(ep["chain"][0]["subject"] == "CN=evil\\x1b]0;title\\x07");
    CHECK(ep["chain"][0]["names"][1] == "bad\\xff\\xfe");
    CHECK(text.find('\x1b') == std::string::npos);
}

TEST_CASE("the text report marks each line and lets no escape sequence or line break through") {
    std::string text = report::render_text({sample()}, report::TextOptions{false, true});
    CHECK(text.rfind("[CRIT] example.test  critical", 0) == 0);
    CHECK_THAT(text, Catch::Contains("MX 10 mx.example.test"));
    CHECK_THAT(text, Catch::Contains("TLSA 1 1 1 "));
    CHECK_THAT(text,
               Catch::Contains("(unusable: PKIX-EE(1) records are not used by SMTP senders)"));
    CHECK_THAT(
        text, Catch::Contains(
                  "192.0.2.25:25  TLSv1.3 TLS_AES_256_GCM_SHA384 (also accepts TLSv1)  DANE fail"));
    CHECK_THAT(text, Catch::Contains("- critical tlsa-mismatch: No usable TLSA record matches "
                                     "\\x1b[2J\\x0d\\x0aForged: line"));
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("\nForged") == std::string::npos);
    CHECK_THAT(text, Catch::Contains("subject:     CN=evil\\x1b]0;title\\x07"));
}

TEST_CASE("colour is added only when asked for") {
    std::string coloured = report::render_text({sample()}, report::TextOptions{true, false});
    CHECK(coloured.rfind("\x1b[31m[CRIT]\x1b[0m example.test", 0) == 0);
}

TEST_CASE("danemon status shows stored names and messages escaped, in text and JSON") {
    // What a cycle stored from a hostile certificate (control bytes, invalid UTF-8) must not
    // reach the terminal raw nor break the JSON.
    check::VerdictSummary d;
    d.domain = "badnames.test";
    d.status = check::Status::critical;
    d.checked_at = 1795000000;
    d.problems.push_back({check::Code::tlsa_name_mismatch, check::Severity::critical,
                          "names (\x1b[2J\x1b[31mred.test, \xff\xfe\xc3.utf8.test) \r\nBcc: x",
                          "mx.badnames.test", "127.0.25.20"});
    const std::string text = report::render_status_text({d}, {}, {});
    CHECK(text == "[CRIT] badnames.test  critical  checked 2026-11-18T11:06:40Z\n"
                  "       critical tlsa-name-mismatch: names (\\x1b[2J\\x1b[31mred.test, "
                  "\\xff\\xfe\\xc3.utf8.test) \\x0d\\x0aBcc: x (mx.badnames.test 127.0.25.20)\n");
    const auto doc = nlohmann::json::parse(report::render_status_json({d}, {}));
    CHECK(doc["status"] == "critical");
    CHECK(doc["domains"][0]["checked_at"] == "2026-11-18T11:06:40Z");
    CHECK(doc["domains"][0]["problems"][0]["message"] ==
          "names (\\x1b[2J\\x1b[31mred.test, \\xff\\xfe\\xc3.utf8.test) \\x0d\\x0aBcc: x");
    CHECK(doc["domains"][0]["problems"][0]["address"] == "127.0.25.20");
}

TEST_CASE("danemon status lists the alerts waiting for delivery with their last error") {
    check::VerdictSummary d;
    d.domain = "stale.test";
    d.status = check::Status::critical;
    d.checked_at = 1795000000;
    report::PendingAlert a{"email",
                           "new",
                           "stale.test",
                           "mx.stale.test",
                           "127.0.25.8",
                           "tlsa-mismatch",
                           3,
                           1795000600,
                           "mail to the MTA at 127.0.0.1 failed: cannot connect to "
                           "127.0.0.1:1: Connection refused"};
    const std::string text = report::render_status_text({d}, {a}, {});
    CHECK_THAT(text,
               Catch::EndsWith("Alerts waiting for delivery: 1\n"
                               "       email  new tlsa-mismatch stale.test (mx.stale.test "
                               "127.0.25.8): 3 failed attempt(s), next 2026-11-18T11:16:40Z; last "
                               "error: mail to the MTA at 127.0.0.1 failed: cannot connect to "
                               "127.0.0.1:1: Connection refused\n"));
    const auto doc = nlohmann::json::parse(report::render_status_json({d}, {a}));
    REQUIRE(doc["pending_alerts"].size() == 1);
    CHECK(doc["pending_alerts"][0]["attempts"] == 3);
    CHECK(doc["pending_alerts"][0]["channel"] == "email");
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        lines.push_back(text.substr(start, end - start));
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

} // namespace

TEST_CASE("Nagios output: the worst problem first, perfdata, one line per problem") {
    auto v = sample();
    v.mx[0].endpoints[0].problems.push_back({check::Code::tls_legacy_enabled, check::Severity::info,
                                             "TLS 1.0 | still accepted", "mx.example.test",
                                             "192.0.2.25", check::Severity::warning});
    v.mx[0].endpoints[0].problems.push_back({check::Code::cert_expiring, check::Severity::off,
                                             "dropped", "mx.example.test", "192.0.2.25"});
    check::DomainVerdict ok;
    ok.domain = "ok.test";
    report::NagiosOptions options;
    options.now = 4102444799 - 10 * 86400 - 5; // ten days and five seconds before expiry
    options.duration_seconds = 1.2345;
    options.expiry_warning_days = 21;
    const auto lines = lines_of(report::render_nagios({v, ok}, options));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] ==
          "DANE CRITICAL - 1 critical, 0 warning: tlsa-mismatch on mx.example.test [192.0.2.25] "
          "(example.test) | 'domains'=2;;;0 'ok'=1;;;0 'warning'=0;;;0 'critical'=1;;;0 "
          "'unknown'=0;;;0 'duration'=1.234s;;;0 'cert_expiry_days'=10;21:;0:;;");
    // Terminal bytes escaped, '|' (the perfdata separator) replaced, the policy's level shown.
    CHECK(lines[1] == "CRITICAL tlsa-mismatch on mx.example.test [192.0.2.25] (example.test): "
                      "No usable TLSA record matches \\x1b[2J\\x0d\\x0aForged: line");
    CHECK(lines[2] == "INFO tls-legacy-enabled on mx.example.test [192.0.2.25] (example.test): "
                      "TLS 1.0 / still accepted");
}

TEST_CASE("Nagios output of passing domains: OK, no problem lines, expiry unknown without a "
          "certificate") {
    check::DomainVerdict ok;
    ok.domain = "ok.test";
    const auto lines = lines_of(report::render_nagios({ok}, {}));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "DANE OK - 0 critical, 0 warning: 1 domain passes | 'domains'=1;;;0 "
                      "'ok'=1;;;0 'warning'=0;;;0 'critical'=0;;;0 'unknown'=0;;;0 "
                      "'duration'=0.000s;;;0 'cert_expiry_days'=U;21:;0:;;");
}

TEST_CASE("Nagios output of an incomplete check is UNKNOWN and names it") {
    check::DomainVerdict v;
    v.domain = "x.test";
    v.status = check::Status::unknown;
    v.problems.push_back(
        {check::Code::check_incomplete, check::Severity::warning, "could not verify", "", ""});
    v.problems.push_back({check::Code::tls_legacy_enabled, check::Severity::warning, "TLS 1.0",
                          "mx.x.test", "192.0.2.1"});
    const auto lines = lines_of(report::render_nagios({v}, {}));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].rfind("DANE UNKNOWN - 0 critical, 1 warning: check-incomplete (x.test) | ", 0) ==
          0);
    CHECK(lines[1] == "UNKNOWN check-incomplete (x.test): could not verify");
    CHECK(lines[2] == "WARNING tls-legacy-enabled on mx.x.test [192.0.2.1] (x.test): TLS 1.0");
}
