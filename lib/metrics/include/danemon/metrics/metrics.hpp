// Prometheus exposition of the latest verdicts: rendered by a pure function, published as
// a node_exporter textfile (written atomically) and/or on a small HTTP endpoint.
#pragma once

#include "danemon/check/verdict.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace danemon::metrics {

struct EndpointSample {
    std::string mx;
    std::string address;
    std::uint16_t port = 25;
    check::DaneState dane = check::DaneState::not_applicable;
    std::string tls_version; // empty when no TLS session was established
    bool legacy_accepted = false;
    std::optional<std::time_t> not_after; // leaf expiry
    double probe_seconds = 0;
};

// What the metrics need of a domain's verdict, and no more: a daemon keeps one per
// configured domain between cycles (10,000 domains must stay small in memory).
struct DomainSample {
    std::string domain;
    check::Status status = check::Status::ok;
    std::time_t checked_at = 0;
    double duration_seconds = 0; // wall time of the check that produced the verdict
    std::map<std::pair<std::string, std::string>, int> problems; // (code, severity) -> count
    std::map<std::pair<std::string, std::string>, int> pending_problems; // awaiting confirmation
    std::vector<EndpointSample> endpoints;

    static DomainSample of(const check::DomainVerdict& verdict, std::time_t checked_at,
                           double duration_seconds);
};

// The daemon's own health: what a fleet's alerting needs to see when danemon cannot deliver
// its alerts or keep its state.
struct ServiceSample {
    std::size_t alerts_pending = 0;                         // waiting for delivery
    std::map<std::string, std::uint64_t> delivery_failures; // by channel, since start
    bool store_failing = false;                             // the state database cannot be written
};

// Text exposition format 0.0.4. Label values are escaped (\\, \", \n). The service sample,
// when given, adds danemon_alerts_pending, danemon_alert_delivery_failures_total{channel} and
// danemon_state_store_failing.
std::string render(const std::vector<DomainSample>& samples);
std::string render(const std::map<std::string, DomainSample>& samples, // by domain
                   const ServiceSample* service = nullptr);
// The same, written to OUT as it is produced: 10,000 domains make megabytes of text.
void render(std::ostream& out, const std::map<std::string, DomainSample>& samples,
            const ServiceSample* service = nullptr);

// Writes to PATH.tmp (TEXT, or what WRITE puts into the stream), fsyncs, renames over PATH.
// Throws std::runtime_error naming the file.
void write_textfile(const std::string& path, const std::string& text);
void write_textfile(const std::string& path, const std::function<void(std::ostream&)>& write);

// Serves the last published text at GET /metrics on one address (127.0.0.1 by default) in
// a thread of its own; every connection is bounded in size and time.
class HttpEndpoint {
public:
    // "PORT", "ADDR:PORT" or "[V6]:PORT". Throws std::runtime_error when it cannot listen.
    explicit HttpEndpoint(const std::string& listen);
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    void publish(std::string text);
    std::uint16_t port() const { return port_; }

private:
    void serve();
    void answer(int fd);

    int listen_fd_ = -1;
    int stop_fd_ = -1; // eventfd that ends serve()
    std::uint16_t port_ = 0;
    std::mutex mutex_;
    std::string text_;
    std::thread thread_;
};

} // namespace danemon::metrics
