// What Prometheus and node_exporter read: exposition lines, label escaping, an atomic
// textfile, and the HTTP endpoint on loopback.
#include "danemon/metrics/metrics.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

using namespace danemon;

namespace {

check::DomainVerdict stale_verdict(const std::string& domain = "stale.test") {
    check::DomainVerdict v;
    v.domain = domain;
    v.status = check::Status::critical;
    check::MxVerdict mx;
    mx.host = "mx.stale.test";
    check::EndpointVerdict e;
    e.probe.endpoint = {"mx.stale.test", "127.0.25.8", 25};
    e.probe.tls_version = "TLSv1.3";
    e.probe.elapsed = std::chrono::milliseconds(250);
    e.dane = check::DaneState::fail;
    dane::CertificateSummary leaf;
    leaf.not_after = 4102444799;
    e.chain.push_back(leaf);
    e.problems.push_back({check::Code::tlsa_mismatch, check::Severity::critical, "m",
                          "mx.stale.test", "127.0.25.8"});
    mx.endpoints.push_back(e);
    v.mx.push_back(mx);
    return v;
}

metrics::DomainSample sample(const std::string& domain = "stale.test") {
    return metrics::DomainSample::of(stale_verdict(domain), 1795000000, 1.5);
}

std::string http_get(std::uint16_t port, const std::string& path) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
    std::string response;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
        response.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return response;
}

} // namespace

TEST_CASE("exposition has one line per endpoint and problem code") {
    std::string text = metrics::render({sample()});
    CHECK_THAT(text, Catch::Contains("danemon_domain_status{domain=\"stale.test\"} 2\n"));
    CHECK_THAT(text,
               Catch::Contains(
                   "danemon_last_check_timestamp_seconds{domain=\"stale.test\"} 1795000000\n"));
    CHECK_THAT(text, Catch::Contains("danemon_problems{domain=\"stale.test\",code=\"tlsa-"
                                     "mismatch\",severity=\"critical\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("danemon_dane_pass{domain=\"stale.test\",mx=\"mx.stale.test\","
                                     "address=\"127.0.25.8\",port=\"25\"} 0\n"));
    CHECK_THAT(text, Catch::Contains("version=\"TLSv1.3\"} 1\n"));
    CHECK_THAT(text, Catch::Contains(
                         "danemon_cert_not_after_timestamp_seconds{domain=\"stale.test\","
                         "mx=\"mx.stale.test\",address=\"127.0.25.8\",port=\"25\"} 4102444799\n"));
    CHECK_THAT(
        text,
        Catch::Contains("danemon_probe_duration_seconds{domain=\"stale.test\",mx=\"mx.stale.test\","
                        "address=\"127.0.25.8\",port=\"25\"} 0.25\n"));
    CHECK_THAT(text, Catch::Contains("# TYPE danemon_dane_pass gauge\n"));
}

TEST_CASE("label values from DNS are escaped") {
    std::string text = metrics::render({sample("evil\"\\\n.test")});
    CHECK_THAT(text, Catch::Contains("domain=\"evil\\\"\\\\\\n.test\""));
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        CHECK((line.rfind("danemon_", 0) == 0 || line.rfind("# ", 0) == 0));
}

TEST_CASE("the textfile is replaced whole") {
    char dir[] = "/tmp/danemon-metrics-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    std::string path = std::string(dir) + "/danemon.prom";
    metrics::write_textfile(path, "a 1\n");
    metrics::write_textfile(path, "b 2\n");
    std::ifstream in(path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content == "b 2\n");
    CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
    std::remove(path.c_str());
    ::rmdir(dir);
    CHECK_THROWS_WITH(metrics::write_textfile("/nonexistent-dir/x.prom", "x"),
                      Catch::Contains("/nonexistent-dir/x.prom.tmp"));
}

TEST_CASE("the HTTP endpoint serves /metrics on loopback and nothing else") {
    metrics::HttpEndpoint endpoint("127.0.0.1:0");
    REQUIRE(endpoint.port() != 0);
    endpoint.publish("danemon_domain_status{domain=\"a.test\"} 0\n");
    std::string ok = http_get(endpoint.port(), "/metrics");
    CHECK(ok.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
    CHECK_THAT(ok, Catch::EndsWith("\r\n\r\ndanemon_domain_status{domain=\"a.test\"} 0\n"));
    CHECK(http_get(endpoint.port(), "/").rfind("HTTP/1.0 404", 0) == 0);
}

TEST_CASE("an address the endpoint cannot use is one clear error") {
    CHECK_THROWS_WITH(metrics::HttpEndpoint("localhost:9100"),
                      Catch::Contains("not a numeric address"));
    CHECK_THROWS_WITH(metrics::HttpEndpoint("9100x"), Catch::Contains("not ADDR:PORT"));
}

TEST_CASE("the textfile streamed from the samples equals the rendered text") {
    char dir[] = "/tmp/danemon-metrics-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string path = std::string(dir) + "/danemon.prom";
    const std::map<std::string, metrics::DomainSample> samples{{"a.test", sample("a.test")},
                                                               {"stale.test", sample()}};
    metrics::write_textfile(path, [&](std::ostream& out) { metrics::render(out, samples); });
    std::ifstream in(path);
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    CHECK(content == metrics::render(samples));
    CHECK_THAT(content, Catch::Contains("danemon_domain_status{domain=\"a.test\"} 2\n"));
    std::remove(path.c_str());
    ::rmdir(dir);
    CHECK_THROWS_WITH(metrics::write_textfile("/nonexistent-dir/y.prom", [](std::ostream&) {}),
                      Catch::Contains("/nonexistent-dir/y.prom.tmp"));
}

TEST_CASE("a textfile whose rendering fails leaves neither the file nor a temporary") {
    char dir[] = "/tmp/danemon-metrics-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string path = std::string(dir) + "/danemon.prom";
    metrics::write_textfile(path, "old 1\n");
    CHECK_THROWS_WITH(metrics::write_textfile(path,
                                              [](std::ostream& out) {
                                                  out << std::string(100000, 'x');
                                                  throw std::runtime_error("render failed");
                                              }),
                      "render failed");
    std::ifstream in(path);
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    CHECK(content == "old 1\n"); // the previous file stays whole
    CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
    std::remove(path.c_str());
    ::rmdir(dir);
}
