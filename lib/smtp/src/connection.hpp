// A non-blocking TCP connection to a numeric address. Every call waits at most until the
// earlier of the phase deadline it is given and the probe deadline fixed at connect time.
// Private to lib/smtp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace danemon::smtp::detail {

using Clock = std::chrono::steady_clock;

// Owns a file descriptor; closes it once.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd)
        : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept
        : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    int release();
    void reset();

private:
    int fd_ = -1;
};

enum class IoStatus { ok, timed_out, closed, failed };

struct IoOutcome {
    IoStatus status = IoStatus::ok;
    std::string error;    // one phrase when failed ("connection refused", ...)
    int error_number = 0; // errno when failed by the system (ECONNREFUSED, ECONNRESET, ...)
    bool ok() const { return status == IoStatus::ok; }
};

struct ConnectOutcome;

class Connection {
public:
    // address: an IPv4 or IPv6 literal (no name resolution happens here).
    static ConnectOutcome open(const std::string& address, std::uint16_t port,
                               Clock::time_point phase_deadline, Clock::time_point probe_deadline);

    IoOutcome write_all(std::string_view bytes, Clock::time_point phase_deadline);
    // Appends what one read returns (at most `limit` bytes) to `into`.
    IoOutcome read_some(std::string& into, Clock::time_point phase_deadline,
                        std::size_t limit = 4096);

    int fd() const { return fd_.get(); }
    // The earlier of the phase deadline and the probe deadline.
    Clock::time_point effective(Clock::time_point phase_deadline) const;

private:
    Connection(UniqueFd fd, Clock::time_point probe_deadline)
        : fd_(std::move(fd))
        , probe_deadline_(probe_deadline) {}

    UniqueFd fd_;
    Clock::time_point probe_deadline_;
};

struct ConnectOutcome {
    IoOutcome outcome;
    std::optional<Connection> connection; // set when outcome.ok()
};

// Waits for events on fd until deadline. ok when ready (or hung up: the next call tells).
IoOutcome wait_ready(int fd, short events, Clock::time_point deadline);

} // namespace danemon::smtp::detail
