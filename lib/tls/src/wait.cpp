// The socket wait (wait.hpp).
#include "danemon/tls/wait.hpp"

#include <cerrno>
#include <poll.h>

namespace danemon::tls {

Readiness wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    using State = Readiness::State;
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return {State::timed_out};
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        pollfd entry{fd, events, 0};
        const int rc = ::poll(&entry, 1, static_cast<int>(wait.count()));
        if (rc < 0) {
            if (errno == EINTR) continue;
            return {State::failed, errno};
        }
        if (rc == 0) continue; // the loop re-checks the deadline
        if ((entry.revents & POLLNVAL) != 0) return {State::failed, 0};
        return {State::ready};
    }
}

} // namespace danemon::tls
