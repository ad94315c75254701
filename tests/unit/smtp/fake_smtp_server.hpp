// A scripted SMTP server on a loopback address and an ephemeral port, for the prober
// tests. Every wait is bounded, so a test never hangs on a client that misbehaves.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace danemon::test {

// One accepted connection, blocking helpers with time limits.
class FakePeer {
public:
    explicit FakePeer(int fd)
        : fd_(fd) {}
    int fd() const { return fd_; }

    bool send(std::string_view bytes);
    // One line including its LF, read byte by byte so that nothing after it is consumed.
    std::optional<std::string> read_line(std::chrono::milliseconds limit = std::chrono::seconds(3));
    // Reads a little of what the client sends next (e.g. part of a ClientHello).
    bool read_some(std::chrono::milliseconds limit = std::chrono::seconds(3));
    // Discards input until the client closes or the limit passes.
    void wait_for_close(std::chrono::milliseconds limit = std::chrono::seconds(5));

private:
    int fd_;
};

using Script = std::function<void(FakePeer& peer, int connection_index)>;

class FakeSmtpServer {
public:
    // Accepts up to `connections` connections one after the other, running the script on
    // each. address: "127.0.0.1" or "::1".
    explicit FakeSmtpServer(Script script, int connections = 1,
                            const std::string& address = "127.0.0.1");
    ~FakeSmtpServer();
    FakeSmtpServer(const FakeSmtpServer&) = delete;
    FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

    std::uint16_t port() const { return port_; }
    // Call once the client is done: serves the connections it has already made (those still
    // queued included), waits for no more, and returns how many were served; afterwards
    // what the script recorded may be read. Tests assert that number, so an expectation
    // that is too high fails at once instead of waiting out the server's lifetime.
    int join();
    int accepted() const { return accepted_.load(); }

private:
    void serve(Script script, int connections);

    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> client_done_{false};
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

// Whether ::1 can be bound here (containers without IPv6 skip those tests).
bool ipv6_loopback_available();

// A loopback port on which nothing listens: bound, then closed.
std::uint16_t closed_port();

} // namespace danemon::test
