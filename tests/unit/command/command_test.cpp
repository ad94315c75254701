// lib/command without the network: the report on `out`, one sentence on `err`, and the exit
// code, for tlsa, config check, status and the gate's bad input.
#include "../dane/test_data.hpp"
#include "../temp_dir.hpp"
#include "danemon/command/command.hpp"
#include "danemon/store/store.hpp"
#include "run_command.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace danemon;

namespace {

struct TempDir : test::TempDir {
    TempDir()
        : test::TempDir("command") {}
};

using dane::test::data_path;
using dane::test::upper_hex;
using test::run;

} // namespace

TEST_CASE("tlsa prints the record of the leaf, or of the issuing CA with usage 2") {
    command::TlsaRequest request;
    request.cert = data_path("chain.pem");
    auto ee = run(command::run_tlsa, request);
    CHECK(ee.code == 0);
    CHECK(ee.err.empty());
    CHECK(ee.out == "_25._tcp.mx.example.test. IN TLSA 3 1 1 " +
                        upper_hex(dane::test::expected_digest("leaf", 1, 1)) + "\n");

    request.usage = 2;
    request.matching = 2;
    request.hosts = {"MX2.Example.TEST."};
    auto ta = run(command::run_tlsa, request);
    CHECK(ta.code == 0);
    CHECK(ta.out == "_25._tcp.mx2.example.test. IN TLSA 2 1 2 " +
                        upper_hex(dane::test::expected_digest("intermediate", 1, 2)) + "\n");
}

TEST_CASE("tlsa names the file and the reason for bad input, exit 3") {
    TempDir dir;
    command::TlsaRequest request;
    request.cert = dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE "
                                        "KEY-----\n");
    auto key = run(command::run_tlsa, request);
    CHECK(key.code == 3);
    CHECK(key.out.empty());
    CHECK(key.err == "danemon tlsa: " + request.cert +
                         ": the file holds a private key, not a certificate: give the "
                         "certificate or full chain file (fullchain.pem).\n");

    request.cert = (dir.path / "missing.pem").string();
    auto missing = run(command::run_tlsa, request);
    CHECK(missing.code == 3);
    CHECK_THAT(missing.err, Catch::StartsWith("danemon tlsa: cannot read " + request.cert));
}

TEST_CASE("config check says ok with the number of domains, or the first problem") {
    TempDir dir;
    auto ok = run(command::run_config_check,
                  dir.write("good.yaml", "domains:\n  - example.org\n  - example.net\n"));
    CHECK(ok.code == 0);
    CHECK(ok.out == (dir.path / "good.yaml").string() + ": ok (2 domains)\n");
    CHECK(ok.err.empty());

    auto bad = run(command::run_config_check, dir.write("bad.yaml", "interval: 1x\n"));
    CHECK(bad.code == 3);
    CHECK(bad.out.empty());
    CHECK_THAT(bad.err, Catch::Contains("interval"));
    CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);

    // The embedded validator's files are read too: a missing trust anchor is found now, not
    // when the daemon starts.
    const std::string missing = (dir.path / "missing.ds").string();
    const std::string anchored =
        dir.write("anchor.yaml", "domains: [example.org]\ntrust_anchor: " + missing + "\n");
    auto anchor = run(command::run_config_check, anchored);
    CHECK(anchor.code == 3);
    CHECK(anchor.out.empty());
    CHECK(anchor.err == anchored + ": cannot read " + missing +
                            ": No such file or directory (the trust anchor)\n");
}

TEST_CASE("status reads the stored results and exits with the worst domain's code") {
    TempDir dir;
    command::StatusRequest request;
    request.state_dir = (dir.path / "state").string();
    auto none = run(command::run_status, request);
    CHECK(none.code == 3);
    CHECK_THAT(none.err, Catch::StartsWith("danemon status: "));
    CHECK_FALSE(std::filesystem::exists(request.state_dir)); // read only: nothing created

    std::filesystem::create_directory(request.state_dir);
    check::DomainVerdict v;
    v.domain = "example.org";
    v.status = check::Status::warning;
    v.problems.push_back({check::Code::dnssec_insecure, check::Severity::warning,
                          "The MX records of example.org are not signed.", "", ""});
    store::Store::open(request.state_dir)->record_cycle({v}, 1795000000, {}, {});
    auto text = run(command::run_status, request);
    CHECK(text.code == 1);
    CHECK_THAT(text.out, Catch::Contains("example.org"));
    CHECK_THAT(text.out, Catch::Contains("dnssec-insecure"));
    request.json = true;
    auto json = run(command::run_status, request);
    CHECK(json.code == 1);
    CHECK_THAT(json.out, Catch::Contains("\"code\": \"dnssec-insecure\""));
}

TEST_CASE("the gate refuses bad input before it asks anything, naming its command") {
    TempDir dir;
    command::PrecheckRequest request;
    request.cert = data_path("chain.pem");
    request.gate.state_dir = (dir.path / "state").string();
    request.gate.now = "yesterday";
    auto when = run(command::run_precheck, request);
    CHECK(when.code == 3);
    CHECK(when.err ==
          "danemon precheck: --now 'yesterday' is not a time like 2026-01-01T00:00:00Z (or Unix "
          "seconds).\n");

    request.gate.now.clear();
    request.gate.resolver.resolver = "not an address";
    auto resolver = run(command::run_precheck, request);
    CHECK(resolver.code == 3);
    CHECK_THAT(resolver.err, Catch::StartsWith("danemon precheck: "));
    CHECK(std::count(resolver.err.begin(), resolver.err.end(), '\n') == 1);

    request.cert = dir.write(
        "ca-only.pem", dane::test::read_data_file("chain.pem")
                           .substr(dane::test::read_data_file("chain.pem").rfind("-----BEGIN")));
    auto ca = run(command::run_precheck, request);
    CHECK(ca.code == 3);
    CHECK_THAT(ca.err, Catch::StartsWith("danemon precheck: " + request.cert +
                                         ": the file holds only CA certificates"));
}
