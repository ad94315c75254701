// SMTP replies (RFC 5321 section 4.2) parsed incrementally from bytes, without sockets,
// so that hostile servers can be unit-tested and fuzzed. Private to lib/smtp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace danemon::smtp::detail {

struct Reply {
    int code = 0;
    std::vector<std::string> lines; // the text after "NNN-" / "NNN ", sanitized

    // "220 mx.example.net ESMTP": the first line with its code.
    std::string first_line() const;
    // The code and the lines' text joined by spaces, cut to `limit` characters.
    std::string summary(std::size_t limit = 200) const;
};

struct ReplyLimits {
    std::size_t max_line = 4096; // bytes before LF (RFC 5321 section 4.5.3.1.5 says 512)
    std::size_t max_lines = 200;
};

class ReplyReader {
public:
    enum class State { incomplete, complete, failed };

    explicit ReplyReader(ReplyLimits limits = {})
        : limits_(limits) {}

    // Consumes bytes up to the end of one reply (or up to the error) and returns how many
    // it used: bytes after a complete reply are left to the caller, who decides whether
    // they may be there (never after the 220 to STARTTLS).
    std::size_t feed(std::string_view bytes);

    State state() const { return state_; }
    const Reply& reply() const { return reply_; }       // when complete
    const std::string& error() const { return error_; } // when failed: one phrase

private:
    void end_line();
    void fail(std::string why);

    ReplyLimits limits_;
    State state_ = State::incomplete;
    std::string line_;
    Reply reply_;
    std::string error_;
};

// Printable ASCII only: other bytes (NUL, ESC, 8-bit) become '?', tabs become spaces.
std::string sanitize(std::string_view text);

} // namespace danemon::smtp::detail
