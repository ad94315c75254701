// The resolve and probe stages with a fake Resolver and Prober: which names are asked,
// which TLSA base domain is chosen (RFC 7671 section 7), and that each endpoint is probed
// once per run however many domains share it.
#include "danemon/scan/scanner.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

using namespace danemon;
using facts::LookupStatus;

namespace {

template <typename T>
facts::Lookup<T> answer(LookupStatus status, std::vector<T> records = {},
                        std::vector<std::string> chain = {}) {
    facts::Lookup<T> l;
    l.status = status;
    l.authenticated = status == LookupStatus::secure || status == LookupStatus::nodata ||
                      status == LookupStatus::nxdomain;
    l.records = std::move(records);
    l.cname_chain = std::move(chain);
    return l;
}

class FakeResolver : public dns::Resolver {
public:
    std::map<std::string, facts::Lookup<facts::MxRecord>> mx;
    std::map<std::string, facts::Lookup<std::string>> a;
    std::map<std::string, facts::Lookup<dane::TlsaRecord>> tlsa;
    std::vector<std::string> tlsa_asked;
    std::map<std::string, int> address_lookups; // host -> lookups of either family
    int validation_checks = 0;
    bool validating = true;
    std::mutex mutex; // the scanner calls from several threads

    facts::ResolverCheck check_validation() override {
        {
            std::lock_guard lock(mutex);
            ++validation_checks;
        }
        facts::ResolverCheck check;
        check.validating = validating;
        check.why = validating ? "" : "no AD";
        return check;
    }
    facts::Lookup<facts::MxRecord> lookup_mx(const std::string& d) override {
        auto it = mx.find(d);
        return it == mx.end() ? answer<facts::MxRecord>(LookupStatus::nxdomain) : it->second;
    }
    facts::Lookup<std::string> lookup_addresses(const std::string& h,
                                                facts::AddressFamily f) override {
        {
            std::lock_guard lock(mutex);
            ++address_lookups[h];
        }
        if (f == facts::AddressFamily::ipv6) return answer<std::string>(LookupStatus::nodata);
        auto it = a.find(h);
        return it == a.end() ? answer<std::string>(LookupStatus::nxdomain) : it->second;
    }
    facts::Lookup<std::string> lookup_ns(const std::string&) override {
        return answer<std::string>(LookupStatus::nodata);
    }
    facts::Lookup<dane::TlsaRecord> lookup_tlsa(const std::string& owner) override {
        {
            std::lock_guard lock(mutex);
            tlsa_asked.push_back(owner);
        }
        auto it = tlsa.find(owner);
        return it == tlsa.end() ? answer<dane::TlsaRecord>(LookupStatus::nxdomain) : it->second;
    }
};

// Answers every main session with TLS 1.3 and every legacy probe with "TLS 1.0 accepted";
// `sessions` records the calls in order ("main 127.0.0.10", "legacy 127.0.0.10").
class CountingProber : public smtp::Prober {
public:
    std::mutex mutex;
    std::vector<smtp::ProbeRequest> seen;
    std::vector<std::string> sessions;
    facts::ProbeResult probe(const smtp::ProbeRequest& request) override {
        std::lock_guard lock(mutex);
        seen.push_back(request);
        sessions.push_back("main " + request.endpoint.address);
        facts::ProbeResult r;
        r.endpoint = request.endpoint;
        r.tls_version = "TLSv1.3";
        r.modern_tls = true;
        return r;
    }
    void second_pass(const smtp::ProbeRequest& request, facts::ProbeResult& result) override {
        std::lock_guard lock(mutex);
        sessions.push_back(std::string(request.probe_legacy ? "legacy" : "") +
                           (request.probe_keys ? "+keys " : " ") + request.endpoint.address);
        if (request.probe_legacy) result.legacy_tls = {"TLSv1"};
    }
};

const dane::TlsaRecord some_record{3, 1, 1, dane::Bytes(32, 0xab)};

} // namespace

TEST_CASE("a secure CNAME'd MX host: TLSA at the expanded name first") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(LookupStatus::secure, {{10, "mx.example.test"}});
    r.a["mx.example.test"] =
        answer<std::string>(LookupStatus::secure, {"127.0.0.10"}, {"real.hosting.test"});
    r.tlsa["_25._tcp.real.hosting.test"] = answer(LookupStatus::secure, std::vector{some_record});
    CountingProber p;
    scan::Scanner scanner(r, p, {});
    auto facts = scanner.scan({"example.test"});
    REQUIRE(facts[0].hosts.size() == 1);
    const auto& host = facts[0].hosts[0];
    CHECK(host.tlsa_base == "real.hosting.test");
    CHECK(host.reference_names == std::vector<std::string>{"real.hosting.test", "mx.example.test"});
    CHECK(r.tlsa_asked == std::vector<std::string>{"_25._tcp.real.hosting.test"});
    REQUIRE(p.seen.size() == 1);
    CHECK(p.seen[0].sni == "real.hosting.test");
}

TEST_CASE("a secure CNAME'd MX host without TLSA at the target falls back to the MX name") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(LookupStatus::secure, {{10, "mx.example.test"}});
    r.a["mx.example.test"] =
        answer<std::string>(LookupStatus::secure, {"127.0.0.10"}, {"real.hosting.test"});
    r.tlsa["_25._tcp.mx.example.test"] = answer(LookupStatus::secure, std::vector{some_record});
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan({"example.test"});
    const auto& host = facts[0].hosts[0];
    CHECK(r.tlsa_asked ==
          std::vector<std::string>{"_25._tcp.real.hosting.test", "_25._tcp.mx.example.test"});
    CHECK(host.tlsa_base == "mx.example.test");
    CHECK(host.tlsa.status == LookupStatus::secure);
    CHECK(host.reference_names == std::vector<std::string>{"mx.example.test", "real.hosting.test"});
}

TEST_CASE("an error at the expanded TLSA name does not fall back to the original name") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(LookupStatus::secure, {{10, "mx.example.test"}});
    r.a["mx.example.test"] =
        answer<std::string>(LookupStatus::secure, {"127.0.0.10"}, {"real.hosting.test"});
    r.tlsa["_25._tcp.real.hosting.test"] = answer<dane::TlsaRecord>(LookupStatus::error);
    r.tlsa["_25._tcp.mx.example.test"] = answer(LookupStatus::secure, std::vector{some_record});
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan({"example.test"});
    CHECK(r.tlsa_asked == std::vector<std::string>{"_25._tcp.real.hosting.test"});
    CHECK(facts[0].hosts[0].tlsa.status == LookupStatus::error);
}

TEST_CASE("an insecure CNAME chain: only the MX name as published is used") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(LookupStatus::secure, {{10, "mx.example.test"}});
    r.a["mx.example.test"] =
        answer<std::string>(LookupStatus::insecure, {"127.0.0.10"}, {"real.hosting.test"});
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan({"example.test"});
    CHECK(r.tlsa_asked == std::vector<std::string>{"_25._tcp.mx.example.test"});
    CHECK(facts[0].hosts[0].tlsa_base == "mx.example.test");
}

TEST_CASE("no MX records: the domain itself is the implicit MX host") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(LookupStatus::nodata);
    r.a["example.test"] = answer<std::string>(LookupStatus::secure, {"127.0.0.10"});
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan({"Example.Test."});
    CHECK(facts[0].domain == "example.test");
    CHECK(facts[0].implicit_mx);
    REQUIRE(facts[0].hosts.size() == 1);
    CHECK(facts[0].hosts[0].mx.host == "example.test");
    CHECK(p.seen.size() == 1);
}

TEST_CASE("a null MX is never probed") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(LookupStatus::secure, {{0, ""}});
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan({"example.test"});
    CHECK(facts[0].hosts.empty());
    CHECK(p.seen.empty());
    CHECK(r.tlsa_asked.empty());
}

TEST_CASE("domains that share MX hosts: each endpoint is probed once per run") {
    FakeResolver r;
    std::vector<std::string> domains;
    for (int i = 0; i < 40; ++i) {
        std::string d = "d" + std::to_string(i) + ".test";
        domains.push_back(d);
        r.mx[d] = answer<facts::MxRecord>(LookupStatus::secure,
                                          {{10, "mx1.shared.test"}, {20, "mx2.shared.test"}});
    }
    r.a["mx1.shared.test"] =
        answer<std::string>(LookupStatus::secure, {"127.0.0.10", "127.0.0.11"});
    r.a["mx2.shared.test"] = answer<std::string>(LookupStatus::secure, {"127.0.0.12"});
    CountingProber p;
    scan::ScanOptions options;
    options.port = 2525;
    auto facts = scan::Scanner(r, p, options).scan(domains);
    CHECK(p.seen.size() == 3);
    for (const auto& request : p.seen)
        CHECK(request.endpoint.port == 2525);
    REQUIRE(facts.size() == 40);
    for (const auto& f : facts) {
        REQUIRE(f.hosts.size() == 2);
        CHECK(f.hosts[0].endpoints.size() == 2);
        CHECK(f.hosts[1].endpoints.size() == 1);
        CHECK(f.hosts[1].endpoints[0].endpoint.host == "mx2.shared.test");
    }
}

TEST_CASE("every main session comes before the first session of the second pass") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(
        LookupStatus::secure, {{10, "mx1.example.test"}, {20, "mx2.example.test"}});
    r.a["mx1.example.test"] =
        answer<std::string>(LookupStatus::secure, {"127.0.0.10", "127.0.0.11"});
    r.a["mx2.example.test"] = answer<std::string>(LookupStatus::secure, {"127.0.0.12"});
    CountingProber p;
    scan::ScanOptions options;
    options.concurrency = 1;
    auto facts = scan::Scanner(r, p, options).scan({"example.test"});
    CHECK(p.sessions == std::vector<std::string>{"main 127.0.0.10", "main 127.0.0.11",
                                                 "main 127.0.0.12", "legacy+keys 127.0.0.10",
                                                 "legacy+keys 127.0.0.11",
                                                 "legacy+keys 127.0.0.12"});
    for (const auto& request : p.seen) {
        CHECK_FALSE(request.probe_legacy); // the main sessions leave the others to later
        CHECK_FALSE(request.probe_keys);
    }
    REQUIRE(facts[0].hosts.size() == 2);
    REQUIRE(facts[0].hosts[1].endpoints.size() == 1);
    CHECK(facts[0].hosts[1].endpoints[0].legacy_tls == std::vector<std::string>{"TLSv1"});

    CountingProber keys_only;
    options.probe_legacy = false;
    scan::Scanner(r, keys_only, options).scan({"example.test"});
    CHECK(keys_only.sessions == std::vector<std::string>{"main 127.0.0.10", "main 127.0.0.11",
                                                         "main 127.0.0.12", "+keys 127.0.0.10",
                                                         "+keys 127.0.0.11", "+keys 127.0.0.12"});

    CountingProber without;
    options.probe_keys = false;
    scan::Scanner(r, without, options).scan({"example.test"});
    CHECK(without.sessions ==
          std::vector<std::string>{"main 127.0.0.10", "main 127.0.0.11", "main 127.0.0.12"});
}

TEST_CASE("domains that share MX hosts: each host is resolved once per run") {
    FakeResolver r;
    std::vector<std::string> domains;
    for (int i = 0; i < 100; ++i) {
        std::string d = "d" + std::to_string(i) + ".test";
        domains.push_back(d);
        r.mx[d] = answer<facts::MxRecord>(LookupStatus::secure,
                                          {{10, "mx" + std::to_string(i % 5) + ".shared.test"}});
    }
    for (int k = 0; k < 5; ++k)
        r.a["mx" + std::to_string(k) + ".shared.test"] =
            answer<std::string>(LookupStatus::secure, {"127.0.0." + std::to_string(10 + k)});
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan(domains);
    CHECK(r.address_lookups.size() == 5);
    for (const auto& [host, count] : r.address_lookups)
        CHECK(count == 2); // A and AAAA
    CHECK(r.tlsa_asked.size() == 5);
    CHECK(p.seen.size() == 5);
    REQUIRE(facts.size() == 100);
    for (std::size_t i = 0; i < facts.size(); ++i) {
        CHECK(facts[i].domain == domains[i]); // in the order given
        REQUIRE(facts[i].hosts.size() == 1);
        CHECK(facts[i].hosts[0].mx.host == "mx" + std::to_string(i % 5) + ".shared.test");
        REQUIRE(facts[i].hosts[0].endpoints.size() == 1);
        CHECK(facts[i].hosts[0].endpoints[0].endpoint.address ==
              "127.0.0." + std::to_string(10 + i % 5));
    }
}

// Holds each MX lookup until `concurrency` of them are in flight (or a second passed).
class ConcurrencyResolver : public FakeResolver {
public:
    std::size_t wanted = 0;
    std::size_t in_flight = 0;
    std::size_t most = 0;
    std::condition_variable changed;
    facts::Lookup<facts::MxRecord> lookup_mx(const std::string&) override {
        std::unique_lock lock(mutex);
        most = std::max(most, ++in_flight);
        changed.notify_all();
        changed.wait_for(lock, std::chrono::seconds(1), [&] { return in_flight >= wanted; });
        --in_flight;
        return answer<facts::MxRecord>(LookupStatus::nxdomain);
    }
};

TEST_CASE("MX lookups run concurrently, never more than the concurrency option") {
    ConcurrencyResolver r;
    r.wanted = 4;
    std::vector<std::string> domains;
    for (int i = 0; i < 16; ++i)
        domains.push_back("d" + std::to_string(i) + ".test");
    CountingProber p;
    scan::ScanOptions options;
    options.concurrency = 4;
    auto facts = scan::Scanner(r, p, options).scan(domains);
    CHECK(r.most == 4);
    REQUIRE(facts.size() == 16);
    CHECK(facts[15].domain == "d15.test");
    CHECK(facts[15].mx.status == LookupStatus::nxdomain);
}

TEST_CASE("the resolver's validation check is asked once and reaches every domain") {
    FakeResolver r;
    r.validating = false;
    r.mx["a.test"] = answer<facts::MxRecord>(LookupStatus::nodata);
    r.mx["b.test"] = answer<facts::MxRecord>(LookupStatus::nodata);
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan({"a.test", "b.test"});
    CHECK(r.validation_checks == 1);
    REQUIRE(facts.size() == 2);
    for (const auto& f : facts) {
        CHECK_FALSE(f.resolver.validating);
        CHECK(f.resolver.why == "no AD");
    }
}

TEST_CASE("an MX target that is no host name is neither resolved nor probed") {
    FakeResolver r;
    r.mx["example.test"] = answer<facts::MxRecord>(
        LookupStatus::secure, {{10, "127.0.25.1"}, {20, "nul\\000byte.example.test"}});
    r.a["127.0.25.1"] = answer<std::string>(LookupStatus::secure, {"127.0.25.1"});
    CountingProber p;
    auto facts = scan::Scanner(r, p, {}).scan({"example.test"});
    REQUIRE(facts[0].hosts.size() == 2);
    CHECK(r.address_lookups.empty());
    CHECK(r.tlsa_asked.empty());
    CHECK(p.seen.empty());
}

TEST_CASE("50 MX hosts with 20 addresses each: the caps bound the work and are recorded") {
    FakeResolver r;
    std::vector<facts::MxRecord> mx;
    for (int h = 1; h <= 50; ++h) {
        std::string host = "mx" + std::to_string(h) + ".example.test";
        mx.push_back({static_cast<std::uint16_t>(h), host});
        std::vector<std::string> addresses;
        for (int i = 0; i < 20; ++i)
            addresses.push_back("127.0." + std::to_string(h) + "." + std::to_string(i + 1));
        r.a[host] = answer<std::string>(LookupStatus::secure, addresses);
    }
    r.mx["example.test"] = answer<facts::MxRecord>(LookupStatus::secure, mx);
    CountingProber p;
    scan::ScanOptions options; // the defaults: 10 hosts, 8 addresses per family, 32 per domain
    auto facts = scan::Scanner(r, p, options).scan({"example.test"});
    const auto& f = facts[0];
    REQUIRE(f.hosts.size() == 10);
    CHECK(f.hosts.front().mx.host == "mx1.example.test"); // lowest preference first
    CHECK(f.hosts.back().mx.host == "mx10.example.test");
    CHECK(f.mx_hosts_skipped == 40);
    CHECK(r.address_lookups.size() == 10); // the skipped hosts are not even resolved
    CHECK(p.seen.size() == 32);
    std::size_t skipped = 0, probed = 0;
    for (const auto& host : f.hosts) {
        skipped += host.addresses_skipped;
        probed += host.endpoints.size();
        CHECK(host.endpoints.size() <= 8);
    }
    CHECK(probed == 32);
    CHECK(skipped == 10 * 20 - 32);
}
