// The one pipeline of check, check --config and the daemon, with a fake Resolver and Prober:
// the configuration's settings and per-domain port reach the probes, batches keep the order
// of the targets, and the certificate files the MTA loads next (local_certs) are read
// safely: a bad one is that host's check-incomplete, never a hang or the others' loss.
#include "../dane/test_data.hpp"
#include "../temp_dir.hpp"
#include "danemon/pipeline/pipeline.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <sys/stat.h>

using namespace danemon;
using facts::LookupStatus;

namespace {

template <typename T> facts::Lookup<T> secure(std::vector<T> records) {
    facts::Lookup<T> l;
    l.status = records.empty() ? LookupStatus::nodata : LookupStatus::secure;
    l.authenticated = true;
    l.ttl = 300;
    l.records = std::move(records);
    return l;
}

// Every domain D has the MX host mx.D at 192.0.2.1 and a secure 3 1 1 record of the tests/data
// leaf (chain.pem), which every probe serves.
class FakeResolver : public dns::Resolver {
public:
    facts::ResolverCheck check_validation() override {
        facts::ResolverCheck check;
        check.validating = true;
        return check;
    }
    facts::Lookup<facts::MxRecord> lookup_mx(const std::string& d) override {
        return secure<facts::MxRecord>({{10, "mx." + d}});
    }
    facts::Lookup<std::string> lookup_addresses(const std::string&,
                                                facts::AddressFamily f) override {
        return secure<std::string>(f == facts::AddressFamily::ipv4
                                       ? std::vector<std::string>{"192.0.2.1"}
                                       : std::vector<std::string>{});
    }
    facts::Lookup<dane::TlsaRecord> lookup_tlsa(const std::string&) override {
        return secure<dane::TlsaRecord>(
            {{3, 1, 1, dane::test::expected_digest("leaf", 1, 1)},
             {2, 1, 1, dane::test::expected_digest("intermediate", 1, 1)}});
    }
    facts::Lookup<std::string> lookup_ns(const std::string&) override {
        return secure<std::string>({});
    }
};

class RecordingProber : public smtp::Prober {
public:
    std::mutex mutex;
    std::vector<smtp::ProbeRequest> requests;
    facts::ProbeResult probe(const smtp::ProbeRequest& request) override {
        {
            std::lock_guard lock(mutex);
            requests.push_back(request);
        }
        facts::ProbeResult r;
        r.endpoint = request.endpoint;
        r.starttls_offered = true;
        r.tls_version = "TLSv1.3";
        r.modern_tls = true;
        r.chain = dane::test::load_chain("chain.pem");
        return r;
    }
    void second_pass(const smtp::ProbeRequest&, facts::ProbeResult&) override {}
};

struct TempDir : danemon::test::TempDir {
    TempDir()
        : danemon::test::TempDir("pipeline") {}
};

const std::time_t now_2026 = 1795000000;

std::vector<std::string> codes_of(const check::DomainVerdict& v) {
    std::vector<std::string> codes;
    for (const auto& p : v.all_problems())
        codes.push_back(check::to_string(p.code));
    return codes;
}

} // namespace

TEST_CASE("the configuration's timeout, helo_name, concurrency and expiry days are the settings") {
    const auto config = config::parse_config("domains: [a.test]\ntimeout: 7s\nhelo_name: "
                                             "mx.sender.test\nconcurrency: 3\n"
                                             "expiry_warning_days: 40\n",
                                             "test.yaml");
    const auto s = pipeline::settings_of(config);
    CHECK(s.timeout == std::chrono::seconds(7));
    CHECK(s.helo_name == "mx.sender.test");
    CHECK(s.concurrency == 3);
    CHECK(s.policy.expiry_warning_days == 40);
    CHECK(pipeline::dns_query_timeout(s.timeout) == std::chrono::seconds(5));
    CHECK(pipeline::dns_query_timeout(std::chrono::seconds(2)) == std::chrono::seconds(2));
}

TEST_CASE("a domain's configured port and certificate files go with it; others get port 25") {
    const auto config = config::parse_config("domains:\n  - name: a.test\n    port: 2525\n"
                                             "    local_certs:\n      mx.a.test: [/etc/x.pem]\n"
                                             "  - b.test\n",
                                             "test.yaml");
    const auto all = pipeline::targets_of(config);
    REQUIRE(all.size() == 2);
    CHECK(all[0].domain == "a.test");
    CHECK(all[0].port == 2525);
    CHECK(all[0].local_certs.at("mx.a.test") == std::vector<std::string>{"/etc/x.pem"});
    CHECK(all[1].port == 25);
    const auto named = pipeline::targets_of(config, {"A.test.", "c.test"});
    REQUIRE(named.size() == 2);
    CHECK(named[0].port == 2525); // a configured domain named on the command line
    CHECK(named[1].port == 25);
    CHECK(named[1].local_certs.empty());
}

TEST_CASE("every probe gets the settings and its domain's port; verdicts keep the targets' order") {
    FakeResolver resolver;
    RecordingProber prober;
    pipeline::Io io{resolver, prober, [] { return now_2026; }};
    pipeline::Settings settings;
    settings.timeout = std::chrono::seconds(7);
    settings.helo_name = "mx.sender.test";
    settings.batch_size = 1;
    const std::vector<pipeline::Target> targets{
        {"a.test", 2525, {}}, {"b.test", 25, {}}, {"c.test", 2525, {}}};
    std::vector<std::size_t> batch_sizes;
    std::vector<check::DomainVerdict> verdicts(3);
    pipeline::run(targets, settings, io, [&](pipeline::Batch&& batch) {
        batch_sizes.push_back(batch.verdicts.size());
        CHECK(batch.checked_at == now_2026);
        for (std::size_t i = 0; i < batch.targets.size(); ++i)
            verdicts[batch.targets[i]] = batch.verdicts[i];
    });
    CHECK(batch_sizes == std::vector<std::size_t>{1, 1, 1});
    REQUIRE(prober.requests.size() == 3);
    for (const auto& r : prober.requests) {
        CHECK(r.helo_name == "mx.sender.test");
        CHECK(r.limits.total == std::chrono::seconds(7));
        CHECK(r.endpoint.port == (r.endpoint.host == "mx.b.test" ? 25 : 2525));
    }
    CHECK(verdicts[0].domain == "a.test");
    CHECK(verdicts[2].domain == "c.test");
    CHECK(verdicts[0].status == check::Status::ok);
    CHECK(pipeline::run_all(targets, settings, io)[1].domain == "b.test");
}

TEST_CASE("a local_certs file is checked against the published records") {
    TempDir dir;
    const std::string next =
        dir.write("fullchain.pem", dane::test::read_data_file("chain-wrong-name.pem"));
    FakeResolver resolver;
    RecordingProber prober;
    pipeline::Io io{resolver, prober, [] { return now_2026; }};
    const auto v = pipeline::run_all({{"a.test", 25, {{"mx.a.test", {next}}}}}, {}, io);
    CHECK(codes_of(v[0]) ==
          std::vector<std::string>{"local-cert-mismatch", "local-cert-not-served"});
}

TEST_CASE("a local_certs entry that is a directory, a FIFO or missing is that host's "
          "check-incomplete; the other domains are checked") {
    TempDir dir;
    const auto fifo = dir.path / "fifo.pem";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    const std::vector<std::string> bad{dir.path.string(), fifo.string(), "/dev/zero",
                                       (dir.path / "missing.pem").string()};
    FakeResolver resolver;
    RecordingProber prober;
    pipeline::Io io{resolver, prober, [] { return now_2026; }};
    const auto started = std::chrono::steady_clock::now();
    const auto v =
        pipeline::run_all({{"a.test", 25, {{"mx.a.test", bad}}}, {"b.test", 25, {}}}, {}, io);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    REQUIRE(v.size() == 2);
    CHECK(v[0].status == check::Status::unknown);
    const auto problems = v[0].all_problems();
    REQUIRE(problems.size() == 4);
    CHECK_THAT(problems[0].message, Catch::Contains("is a directory, not a regular file"));
    CHECK_THAT(problems[1].message, Catch::Contains("is a FIFO, not a regular file"));
    CHECK_THAT(problems[2].message, Catch::Contains("is a character device, not a regular file"));
    CHECK_THAT(problems[3].message, Catch::Contains("No such file or directory"));
    for (const auto& p : problems)
        CHECK(p.code == check::Code::check_incomplete);
    CHECK(v[1].status == check::Status::ok);
    CHECK(v[1].all_problems().empty());
}
