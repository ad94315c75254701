// Waiting for a socket, shared by the TLS handshake and the SMTP connection: one poll loop
// that honours a deadline across EINTR.
#pragma once

#include <chrono>

namespace danemon::tls {

struct Readiness {
    enum class State { ready, timed_out, failed } state = State::ready;
    int error_number = 0; // for failed: errno of poll, 0 for an invalid descriptor
};

// Until FD is ready for EVENTS (POLLIN, POLLOUT), hung up or in error (the next read or write
// tells which), or DEADLINE passes.
Readiness wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline);

} // namespace danemon::tls
