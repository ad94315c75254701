// danemon verify without the network: every chain of tests/data against a matching DANE-EE
// record, a stale one, a DANE-TA record of its issuer and that record under reference names
// the leaf does not carry; what the JSON report says (status, DANE state, match depth,
// problem codes), and one sentence with exit 3 for bad input.
#include "../dane/test_data.hpp"
#include "../temp_dir.hpp"
#include "danemon/command/command.hpp"
#include "run_command.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

using namespace danemon;
using nlohmann::json;

namespace {

using dane::test::data_path;
using dane::test::upper_hex;
using test::Run;

// "U 1 1 HEX" for the certificate NAME of expected-digests.txt (openssl's digest of its key).
std::string spki_record(int usage, const std::string& certificate) {
    return std::to_string(usage) + " 1 1 " +
           upper_hex(dane::test::expected_digest(certificate, 1, 1));
}

const std::string stale_record = "3 1 1 " + upper_hex(dane::test::stale_data(1));

Run verify(const command::VerifyRequest& request) {
    return test::run(command::run_verify, request);
}

command::VerifyRequest request_for(const std::string& chain, const std::string& record,
                                   std::vector<std::string> names = {"mx.example.test"}) {
    command::VerifyRequest request;
    request.chain = data_path(chain);
    request.tlsa = {record};
    request.names = std::move(names);
    request.at = "2025-06-01T00:00:00Z";
    request.format = command::ReportFormat::json;
    return request;
}

// What a user reads off the JSON report of one verified chain.
struct Seen {
    std::string status;
    std::string dane;
    std::optional<int> depth;
    std::set<std::string> codes; // "code:severity" of every problem, domain to endpoint
};

Seen seen(const Run& run, const std::string& chain_path = {}) {
    INFO(run.err);
    REQUIRE(run.err.empty());
    const json report = json::parse(run.out);
    REQUIRE(report["domains"].size() == 1);
    const json& domain = report["domains"][0];
    REQUIRE(domain["mx"].size() == 1);
    const json& mx = domain["mx"][0];
    REQUIRE(mx["endpoints"].size() == 1);
    const json& endpoint = mx["endpoints"][0];
    Seen s{domain["status"], endpoint["dane"], {}, {}};
    if (!endpoint["match"].is_null()) s.depth = endpoint["match"]["depth"].get<int>();
    for (const json* problems : {&domain["problems"], &mx["problems"], &endpoint["problems"]})
        for (const auto& p : *problems)
            s.codes.insert(p["code"].get<std::string>() + ":" + p["severity"].get<std::string>());
    CHECK(endpoint["address"].is_null());
    CHECK(endpoint["port"].is_null());
    if (!chain_path.empty()) CHECK(endpoint["saved_chain"] == chain_path);
    CHECK(mx["tlsa_dnssec"] == "given");
    CHECK(mx["tlsa_ttl"].is_null());
    CHECK(domain["mx_dnssec"].is_null());
    return s;
}

struct Chain {
    std::string file;
    std::string leaf;   // its leaf in expected-digests.txt
    std::string issuer; // the CA that signed the leaf
    // What a DANE-EE match adds beside tlsa-rollover-missing: the leaf's own validity is no
    // DANE-EE question, but PKIX senders refuse an expired one (cert-expired warning).
    std::set<std::string> ee_problems;
    // What a DANE-TA match of the issuer gives: the leaf's validity counts (RFC 7672 3.2.1).
    std::string ta_status;
    std::set<std::string> ta_problems;
};

const std::vector<Chain> chains = {
    {"chain.pem", "leaf", "intermediate", {"tlsa-rollover-missing:info"}, "ok", {}},
    {"chain-next.pem", "leaf-next", "intermediate", {"tlsa-rollover-missing:info"}, "ok", {}},
    {"chain-with-root.pem", "leaf", "intermediate", {"tlsa-rollover-missing:info"}, "ok", {}},
    // DANE-EE has no name checks (RFC 7672 section 3.1.1); DANE-TA has.
    {"chain-wrong-name.pem",
     "leaf-wrong-name",
     "intermediate",
     {"tlsa-rollover-missing:info"},
     "critical",
     {"tlsa-name-mismatch:critical"}},
    // An expired leaf: the renewal is due, and it will bring a new key unless reused, so the
    // missing next record is a warning.
    {"chain-expired-leaf.pem",
     "leaf-expired",
     "intermediate",
     {"tlsa-rollover-missing:warning", "cert-expired:warning"},
     "critical",
     {"cert-expired:critical"}},
    {"chain-never-valid-leaf.pem",
     "leaf-never-valid",
     "intermediate",
     {"tlsa-rollover-missing:warning", "cert-expired:warning"},
     "critical",
     {"cert-expired:critical"}},
    // The anchor itself is expired: a trust anchor is not checked for validity (RFC 5280
    // section 6.1), but PKIX senders refuse the chain (the issuer's cert-expired warning).
    {"chain-expired-intermediate.pem",
     "leaf-under-expired",
     "intermediate-expired",
     {"tlsa-rollover-missing:info", "cert-expired:warning"},
     "warning",
     {"cert-expired:warning"}},
};

std::set<std::string> with_rollover(std::set<std::string> codes) {
    codes.insert("tlsa-rollover-missing:info");
    return codes;
}

} // namespace

TEST_CASE("verify judges every chain of tests/data as a DANE sender would") {
    for (const auto& c : chains) {
        DYNAMIC_SECTION(c.file << " against its leaf's 3 1 1 record") {
            auto s = seen(verify(request_for(c.file, spki_record(3, c.leaf))), data_path(c.file));
            CHECK(s.dane == "pass");
            CHECK(s.depth == 0);
            CHECK(s.status == (c.ee_problems.size() > 1 ? "warning" : "ok"));
            CHECK(s.codes == c.ee_problems);
        }
        DYNAMIC_SECTION(c.file << " against a stale 3 1 1 record") {
            const auto run = verify(request_for(c.file, stale_record));
            CHECK(run.code == 2);
            auto s = seen(run);
            CHECK(s.status == "critical");
            CHECK(s.dane == "fail");
            CHECK(!s.depth);
            CHECK(s.codes.count("tlsa-mismatch:critical") == 1);
        }
        DYNAMIC_SECTION(c.file << " against its issuer's 2 1 1 record") {
            const auto run = verify(request_for(c.file, spki_record(2, c.issuer)));
            auto s = seen(run);
            CHECK(s.status == c.ta_status);
            CHECK(run.code == (c.ta_status == "ok" ? 0 : c.ta_status == "warning" ? 1 : 2));
            CHECK(s.codes == with_rollover(c.ta_problems));
            if (c.ta_status == "critical") {
                CHECK(s.dane == "fail");
            } else {
                CHECK(s.dane == "pass");
                CHECK(s.depth == 1);
            }
        }
        DYNAMIC_SECTION(c.file << " against its issuer's 2 1 1 record, names it does not carry") {
            auto s = seen(verify(request_for(c.file, spki_record(2, c.issuer),
                                             {"other.example.test", "mx2.example.test"})));
            CHECK(s.status == "critical");
            CHECK(s.dane == "fail");
            CHECK(s.codes.count("tlsa-name-mismatch:critical") == 1);
        }
    }
}

TEST_CASE("verify finds a DANE-TA match at the depth of the record's certificate") {
    auto root = seen(verify(request_for("chain-with-root.pem", spki_record(2, "root"))));
    CHECK(root.dane == "pass");
    CHECK(root.depth == 2);
    // Below the root, the expired intermediate now counts.
    auto expired =
        seen(verify(request_for("chain-expired-intermediate.pem", spki_record(2, "root"))));
    CHECK(expired.status == "critical");
    CHECK(expired.codes.count("cert-expired:critical") == 1);
}

TEST_CASE("verify accepts the leaf through the MX host name after the TLSA base domain") {
    auto s = seen(verify(request_for("chain.pem", spki_record(2, "intermediate"),
                                     {"example.test", "mx.example.test"})));
    CHECK(s.status == "ok");
    CHECK(s.depth == 1);
}

TEST_CASE("verify judges expiry at the time --at gives") {
    // Within the warning days of the leaf's end (2099-12-31): cert-expiring, the match holds.
    auto request = request_for("chain.pem", spki_record(3, "leaf"));
    request.at = "2099-12-20T00:00:00Z";
    auto expiring = seen(verify(request));
    CHECK(expiring.status == "warning");
    CHECK(expiring.codes.count("cert-expiring:warning") == 1);
    request = request_for("chain.pem", spki_record(2, "intermediate"));
    request.at = "4102444800"; // 2100-01-01, Unix seconds
    auto expired = seen(verify(request));
    CHECK(expired.status == "critical");
    CHECK(expired.codes.count("cert-expired:critical") == 1);
}

TEST_CASE("verify's text report names the chain file where check names the address") {
    auto request = request_for("chain.pem", stale_record);
    request.format = command::ReportFormat::text;
    const auto run = verify(request);
    CHECK(run.code == 2);
    CHECK(run.out.find("[CRIT] chain " + data_path("chain.pem") + "  DANE fail") !=
          std::string::npos);
    CHECK(run.out.find("matches the certificate mx.example.test in " + data_path("chain.pem")) !=
          std::string::npos);
    CHECK(run.out.find("Publish _25._tcp.mx.example.test. IN TLSA " + spki_record(3, "leaf")) !=
          std::string::npos);
    CHECK(run.out.find("MX records") == std::string::npos);
    CHECK(run.out.find(", TTL ") == std::string::npos); // given records have no TTL
}

TEST_CASE("verify takes a single DER certificate, and an RRset in any order") {
    test::TempDir dir("verify");
    const auto der = dane::test::load_chain("chain.pem").der.front();
    const std::string path =
        dir.write("leaf.der", std::string(reinterpret_cast<const char*>(der.data()), der.size()));
    auto request = request_for("chain.pem", stale_record);
    request.chain = path;
    request.tlsa = {stale_record, spki_record(3, "leaf"), stale_record};
    auto s = seen(verify(request), path);
    CHECK(s.dane == "pass");
    CHECK(s.depth == 0);
    CHECK(s.status == "ok");
    CHECK(s.codes.empty()); // two distinct records: current and next
}

TEST_CASE("verify refuses bad input with one sentence and exit 3") {
    test::TempDir dir("verify");
    struct Bad {
        std::string what;
        command::VerifyRequest request;
        std::string sentence;
    };
    auto base = request_for("chain.pem", stale_record);
    std::vector<Bad> bad;
    {
        auto r = base;
        r.names.clear();
        bad.push_back({"no name", r, "give the MX host with --name"});
    }
    {
        auto r = base;
        r.tlsa.clear();
        bad.push_back({"no records", r, "give the records with --tlsa (repeatable), or"});
    }
    {
        auto r = base;
        r.tlsa_from_dns = true;
        bad.push_back({"both sources", r, "not both."});
    }
    {
        auto r = base;
        r.tlsa = {"3 1 1 XYZ"};
        bad.push_back({"bad record", r, "--tlsa '3 1 1 XYZ' is not a TLSA record"});
    }
    {
        auto r = base;
        r.at = "next week";
        bad.push_back({"bad time", r, "--at 'next week' is not a time like"});
    }
    {
        auto r = base;
        r.chain = (dir.path / "missing.pem").string();
        bad.push_back({"missing file", r, "cannot read " + r.chain + ": No such file"});
    }
    {
        auto r = base;
        r.chain = dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE "
                                       "KEY-----\n");
        bad.push_back({"private key", r, r.chain + ": the file holds a private key"});
    }
    {
        auto r = base;
        r.chain = dir.write("notes.txt", "not a certificate\n");
        bad.push_back({"not a certificate", r, r.chain + ": the file is neither a PEM nor a DER"});
    }
    {
        auto r = base;
        r.config = dir.write("bad.yaml", "interval: 1x\n");
        bad.push_back({"bad configuration", r, "interval: expected a duration like 90s"});
    }
    for (const auto& b : bad) {
        DYNAMIC_SECTION(b.what) {
            const auto run = verify(b.request);
            CHECK(run.code == 3);
            CHECK(run.out.empty());
            CHECK(run.err.rfind("danemon verify: ", 0) == 0);
            CHECK(run.err.find(b.sentence) != std::string::npos);
            CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
        }
    }
}
