// Prometheus exposition of the latest verdicts: rendered by a pure function, published as
// a node_exporter textfile (written atomically) and/or on a small HTTP endpoint.
#pragma once

#include "danemon/check/verdict.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace danemon::metrics {

struct DomainSample {
    check::DomainVerdict verdict;
    std::time_t checked_at = 0;
    double duration_seconds = 0; // wall time of the check that produced the verdict
};

// Text exposition format 0.0.4. Label values are escaped (\\, \", \n).
std::string render(const std::vector<DomainSample>& samples);

// Writes to PATH.tmp, fsyncs, renames over PATH. Throws std::runtime_error naming the file.
void write_textfile(const std::string& path, const std::string& text);

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
