// A passing fault is not a verdict: a connection closed before the banner (a server
// restarting, a full accept queue) is tried once more after a pause, within the deadline.
#include "danemon/smtp/prober.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace danemon;

namespace {

// Closes its first `drops` connections at once, then answers like a server without
// STARTTLS. Bounded: it serves for at most ten seconds.
class RestartingServer {
public:
    explicit RestartingServer(int drops)
        : drops_(drops) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 4) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~RestartingServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }

private:
    void serve() {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!stop_ && std::chrono::steady_clock::now() < end) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            if (++connections_ <= drops_) {
                ::close(c);
                continue;
            }
            timeval tv{2, 0};
            ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            auto say = [&](const std::string& s) { ::send(c, s.data(), s.size(), MSG_NOSIGNAL); };
            say("220 back.test ESMTP\r\n");
            char buffer[512];
            while (::recv(c, buffer, sizeof buffer, 0) > 0) {
                if (std::string(buffer, 4) == "QUIT") {
                    say("221 bye\r\n");
                    break;
                }
                say("250 back.test\r\n");
            }
            ::close(c);
        }
    }

    int drops_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<int> connections_{0};
    std::atomic<bool> stop_{false};
};

smtp::ProbeRequest request(std::uint16_t port) {
    smtp::ProbeRequest r;
    r.endpoint = {"mx.example.test", "127.0.0.1", port};
    r.sni = "mx.example.test";
    r.helo_name = "client.example.test";
    r.limits = smtp::PhaseLimits::within(std::chrono::seconds(5));
    r.probe_legacy = false;
    return r;
}

} // namespace

TEST_CASE("a connection closed before the banner is tried once more") {
    RestartingServer server(1);
    const auto result = smtp::make_starttls_prober()->probe(request(server.port()));
    CHECK(server.connections() == 2);
    // The second session got through to EHLO: the verdict is the server's, not the blip's.
    CHECK(result.failure == smtp::ProbeFailure::starttls_missing);
}

TEST_CASE("a server that keeps closing before the banner is an smtp-error after one retry") {
    RestartingServer server(5);
    const auto started = std::chrono::steady_clock::now();
    const auto result = smtp::make_starttls_prober()->probe(request(server.port()));
    CHECK(result.failure == smtp::ProbeFailure::smtp_error);
    CHECK(result.phase == "banner");
    CHECK(server.connections() == 2);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
}

TEST_CASE("a refused connection is tried once more, then is mx-unreachable") {
    // A port that was just free: nothing listens, so both tries are refused.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    const auto started = std::chrono::steady_clock::now();
    const auto result = smtp::make_starttls_prober()->probe(request(ntohs(a.sin_port)));
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(result.failure == smtp::ProbeFailure::unreachable);
    CHECK(took >= std::chrono::milliseconds(900)); // the pause before the second try
    CHECK(took < std::chrono::seconds(3));
}
