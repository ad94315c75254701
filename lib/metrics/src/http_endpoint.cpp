// A deliberately small HTTP/1.0 server for GET /metrics: one connection at a time, each
// bounded to 8 KiB of request and two seconds, so a stuck scraper cannot hold it.
#include "danemon/metrics/metrics.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <netdb.h>
#include <poll.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace danemon::metrics {
namespace {

struct ListenAddress {
    std::string host = "127.0.0.1";
    std::string port;
};

ListenAddress parse_listen(const std::string& text) {
    ListenAddress a;
    if (text.find_first_not_of("0123456789") == std::string::npos) {
        a.port = text;
    } else if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string::npos)
            throw std::runtime_error("metrics listen '" + text + "' is not [ADDR]:PORT");
        a.host = text.substr(1, close - 1);
        a.port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos)
            throw std::runtime_error("metrics listen '" + text + "' is not ADDR:PORT");
        a.host = text.substr(0, colon);
        a.port = text.substr(colon + 1);
    }
    return a;
}

void send_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, 2000) <= 0) return;
        ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

} // namespace

HttpEndpoint::HttpEndpoint(const std::string& listen) {
    ListenAddress where = parse_listen(listen);
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(where.host.c_str(), where.port.c_str(), &hints, &found) != 0 || !found)
        throw std::runtime_error("metrics listen '" + listen +
                                 "' is not a numeric address and port");
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> info(found, &::freeaddrinfo);
    listen_fd_ = ::socket(info->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (listen_fd_ < 0 ||
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(listen_fd_, info->ai_addr, info->ai_addrlen) != 0 || ::listen(listen_fd_, 16) != 0) {
        std::string why = std::strerror(errno);
        if (listen_fd_ >= 0) ::close(listen_fd_);
        throw std::runtime_error("cannot listen for metrics on " + listen + ": " + why);
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { serve(); });
}

HttpEndpoint::~HttpEndpoint() {
    std::uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof one) < 0) { /* the thread also ends on close below */
    }
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
    ::close(stop_fd_);
}

void HttpEndpoint::publish(std::string text) {
    std::lock_guard lock(mutex_);
    text_ = std::move(text);
}

void HttpEndpoint::serve() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) continue;
        answer(fd);
        ::close(fd);
    }
}

void HttpEndpoint::answer(int fd) {
    std::string request;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return;
        char buf[1024];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        request.append(buf, static_cast<std::size_t>(n));
    }
    bool metrics = request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0;
    std::string body;
    if (metrics) {
        std::lock_guard lock(mutex_);
        body = text_;
    } else {
        body = "danemon serves only GET /metrics\n";
    }
    std::string head =
        std::string(metrics ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.0 404 Not Found\r\n") +
        "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    send_all(fd, head + body);
}

} // namespace danemon::metrics
