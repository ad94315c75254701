// Non-blocking TCP connect, read and write with poll, each bounded by the earlier of the
// phase deadline and the probe deadline.
#include "connection.hpp"

#include "danemon/tls/wait.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace danemon::smtp::detail {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        reset();
        fd_ = other.release();
    }
    return *this;
}

int UniqueFd::release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void UniqueFd::reset() {
    if (fd_ >= 0) {
        ::close(fd_); // after close(2) fails the descriptor is gone anyway: never retry
        fd_ = -1;
    }
}

namespace {

IoOutcome system_failure(int error_number) {
    return {IoStatus::failed, std::error_code(error_number, std::generic_category()).message(),
            error_number};
}

struct AddrinfoDeleter {
    void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

} // namespace

IoOutcome wait_ready(int fd, short events, Clock::time_point deadline) {
    const tls::Readiness readiness = tls::wait_ready(fd, events, deadline);
    switch (readiness.state) {
    case tls::Readiness::State::ready:
        return {};
    case tls::Readiness::State::timed_out:
        return {IoStatus::timed_out, "timed out"};
    case tls::Readiness::State::failed:
        break;
    }
    return readiness.error_number != 0 ? system_failure(readiness.error_number)
                                       : IoOutcome{IoStatus::failed, "invalid socket"};
}

ConnectOutcome Connection::open(const std::string& address, std::uint16_t port,
                                Clock::time_point phase_deadline,
                                Clock::time_point probe_deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = getaddrinfo(address.c_str(), service.c_str(), &hints, &found); rc != 0) {
        return {{IoStatus::failed, "not an IP address: " + std::string(gai_strerror(rc))}, {}};
    }
    const std::unique_ptr<addrinfo, AddrinfoDeleter> list(found);

    UniqueFd fd(::socket(list->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        return {system_failure(errno), {}};
    }
    Connection connection(std::move(fd), probe_deadline);
    int rc = 0;
    do {
        rc = ::connect(connection.fd(), list->ai_addr, list->ai_addrlen);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) {
        return {system_failure(errno), {}};
    }
    if (rc < 0) {
        IoOutcome ready =
            wait_ready(connection.fd(), POLLOUT, connection.effective(phase_deadline));
        if (!ready.ok()) {
            return {std::move(ready), {}};
        }
        int error_number = 0;
        socklen_t size = sizeof error_number;
        if (::getsockopt(connection.fd(), SOL_SOCKET, SO_ERROR, &error_number, &size) < 0) {
            return {system_failure(errno), {}};
        }
        if (error_number != 0) {
            return {system_failure(error_number), {}};
        }
    }
    return {{}, std::move(connection)};
}

Clock::time_point Connection::effective(Clock::time_point phase_deadline) const {
    return std::min(phase_deadline, probe_deadline_);
}

IoOutcome Connection::write_all(std::string_view bytes, Clock::time_point phase_deadline) {
    const auto deadline = effective(phase_deadline);
    while (!bytes.empty()) {
        // MSG_NOSIGNAL: a server that closed must not raise SIGPIPE in the whole process.
        const ssize_t n = ::send(fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return system_failure(errno);
        }
        if (IoOutcome ready = wait_ready(fd(), POLLOUT, deadline); !ready.ok()) {
            return ready;
        }
    }
    return {};
}

IoOutcome Connection::read_some(std::string& into, Clock::time_point phase_deadline,
                                std::size_t limit) {
    const auto deadline = effective(phase_deadline);
    std::array<char, 4096> buffer{};
    const std::size_t wanted = std::min(limit, buffer.size());
    for (;;) {
        const ssize_t n = ::recv(fd(), buffer.data(), wanted, 0);
        if (n > 0) {
            into.append(buffer.data(), static_cast<std::size_t>(n));
            return {};
        }
        if (n == 0) {
            return {IoStatus::closed, "the server closed the connection"};
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return system_failure(errno);
        }
        if (IoOutcome ready = wait_ready(fd(), POLLIN, deadline); !ready.ok()) {
            return ready;
        }
    }
}

} // namespace danemon::smtp::detail
