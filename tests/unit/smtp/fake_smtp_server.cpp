// The scripted loopback SMTP server used by the prober tests.
#include "fake_smtp_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace danemon::test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto server_lifetime = std::chrono::seconds(20);

bool wait_readable(int fd, Clock::time_point deadline) {
    for (;;) {
        const auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        pollfd entry{fd, POLLIN, 0};
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        const int rc = ::poll(&entry, 1, static_cast<int>(std::min<long>(wait.count(), 50)));
        if (rc > 0) {
            return true;
        }
        if (rc < 0 && errno != EINTR) {
            return false;
        }
    }
}

// A listening (or merely bound) socket on address:0.
int bound_socket(const std::string& address, bool listening) {
    sockaddr_storage storage{};
    socklen_t size = 0;
    int family = AF_INET;
    if (address.find(':') != std::string::npos) {
        family = AF_INET6;
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, address.c_str(), &v6.sin6_addr) != 1) {
            return -1;
        }
        size = sizeof v6;
        std::memcpy(&storage, &v6, sizeof v6);
    } else {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        if (inet_pton(AF_INET, address.c_str(), &v4.sin_addr) != 1) {
            return -1;
        }
        size = sizeof v4;
        std::memcpy(&storage, &v4, sizeof v4);
    }
    const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), size) != 0 ||
        (listening && ::listen(fd, 8) != 0)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::uint16_t local_port(int fd) {
    sockaddr_storage storage{};
    socklen_t size = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &size) != 0) {
        return 0;
    }
    if (storage.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    }
    return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

} // namespace

bool FakePeer::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::optional<std::string> FakePeer::read_line(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    std::string line;
    while (line.size() < 4096) {
        if (!wait_readable(fd_, deadline)) {
            return std::nullopt;
        }
        char c = 0;
        if (::recv(fd_, &c, 1, 0) != 1) {
            return std::nullopt;
        }
        line.push_back(c);
        if (c == '\n') {
            return line;
        }
    }
    return std::nullopt;
}

bool FakePeer::read_some(std::chrono::milliseconds limit) {
    if (!wait_readable(fd_, Clock::now() + limit)) {
        return false;
    }
    char buffer[64];
    return ::recv(fd_, buffer, sizeof buffer, 0) > 0;
}

void FakePeer::wait_for_close(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    char buffer[512];
    while (wait_readable(fd_, deadline)) {
        if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) {
            return;
        }
    }
}

FakeSmtpServer::FakeSmtpServer(Script script, int connections, const std::string& address) {
    listener_ = bound_socket(address, true);
    if (listener_ < 0) {
        throw std::runtime_error("cannot listen on " + address);
    }
    port_ = local_port(listener_);
    thread_ = std::thread(
        [this, script = std::move(script), connections] { serve(script, connections); });
}

FakeSmtpServer::~FakeSmtpServer() {
    stop_ = true;
    join();
    ::close(listener_);
}

int FakeSmtpServer::join() {
    client_done_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
    return accepted_.load();
}

void FakeSmtpServer::serve(Script script, int connections) {
    const auto deadline = Clock::now() + server_lifetime;
    for (int index = 0; index < connections && !stop_; ++index) {
        // Short polls so that the destructor's stop is noticed quickly.
        bool ready = false;
        while (!stop_ && Clock::now() < deadline && !ready) {
            // Read before the poll: a connection the client made before it was done is
            // already queued, so the poll sees it; after that, none will come.
            const bool client_done = client_done_;
            ready = wait_readable(listener_,
                                  std::min(deadline, Clock::now() + std::chrono::milliseconds(50)));
            if (!ready && client_done) {
                return;
            }
        }
        if (!ready) {
            return;
        }
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        ++accepted_;
        FakePeer peer(fd);
        try {
            script(peer, index);
        } catch (...) {
            // a failed script shows in the client's result; the server just moves on
        }
        ::close(fd);
    }
}

bool ipv6_loopback_available() {
    const int fd = bound_socket("::1", false);
    if (fd < 0) {
        return false;
    }
    ::close(fd);
    return true;
}

std::uint16_t closed_port() {
    const int fd = bound_socket("127.0.0.1", false);
    if (fd < 0) {
        throw std::runtime_error("cannot bind a loopback port");
    }
    const std::uint16_t port = local_port(fd);
    ::close(fd);
    return port;
}

} // namespace danemon::test
