// A minimal SMTP client for mail submission (RFC 5321 section 3.3): EHLO, MAIL, RCPT,
// DATA, QUIT, on the same bounded connection and reply reader as the prober.
#include "danemon/smtp/submit.hpp"

#include "connection.hpp"
#include "reply.hpp"

#include <algorithm>
#include <optional>

namespace danemon::smtp {
namespace {

using detail::Clock;

bool safe_word(const std::string& text) {
    return !text.empty() && text.size() <= 320 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c <= '~'; });
}

// CRLF line ends, a leading '.' doubled (RFC 5321 section 4.5.2), ending with CRLF.
std::string data_block(const std::string& message) {
    std::string out;
    out.reserve(message.size() + 64);
    std::size_t start = 0;
    while (start < message.size()) {
        std::size_t end = message.find('\n', start);
        std::string line =
            message.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && line.front() == '.') out += '.';
        out += line;
        out += "\r\n";
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

class Dialogue {
public:
    Dialogue(detail::Connection& connection, Clock::time_point deadline)
        : connection_(connection)
        , deadline_(deadline) {}

    // The reply to `line` (or to the greeting when line is empty); nullopt sets error_.
    std::optional<detail::Reply> exchange(const std::string& line, const std::string& step) {
        if (!line.empty()) {
            auto written = connection_.write_all(line + "\r\n", deadline_);
            if (!written.ok()) {
                error_ = "cannot send " + step + ": " + describe(written);
                return std::nullopt;
            }
        }
        detail::ReplyReader reader;
        for (;;) {
            unread_.erase(0, reader.feed(unread_));
            if (reader.state() == detail::ReplyReader::State::complete) return reader.reply();
            if (reader.state() == detail::ReplyReader::State::failed) {
                error_ = "protocol error after " + step + ": " + reader.error();
                return std::nullopt;
            }
            auto read = connection_.read_some(unread_, deadline_);
            if (!read.ok()) {
                error_ = "no reply to " + step + ": " + describe(read);
                return std::nullopt;
            }
        }
    }

    bool expect(const std::string& line, const std::string& step, int code) {
        auto reply = exchange(line, step);
        if (!reply) return false;
        if (reply->code != code) {
            error_ = step + " was answered with " + reply->summary();
            return false;
        }
        return true;
    }

    const std::string& error() const { return error_; }

private:
    static std::string describe(const detail::IoOutcome& outcome) {
        switch (outcome.status) {
        case detail::IoStatus::timed_out:
            return "timed out";
        case detail::IoStatus::closed:
            return "the server closed the connection";
        default:
            return outcome.error;
        }
    }

    detail::Connection& connection_;
    Clock::time_point deadline_;
    std::string unread_;
    std::string error_;
};

} // namespace

Expected<void> submit(const Submission& s, const Accepted& accepted) {
    if (!safe_word(s.helo_name)) return Error{"the HELO name is not a plain host name"};
    if (!safe_word(s.from)) return Error{"the sender address is empty or contains spaces"};
    if (s.to.empty()) return Error{"no recipient"};
    for (const auto& rcpt : s.to)
        if (!safe_word(rcpt)) return Error{"a recipient address is empty or contains spaces"};

    const auto deadline = Clock::now() + s.timeout;
    auto opened = detail::Connection::open(s.server, s.port, deadline, deadline);
    if (!opened.outcome.ok())
        return Error{"cannot connect to " + s.server + ":" + std::to_string(s.port) + ": " +
                     (opened.outcome.status == detail::IoStatus::timed_out ? "timed out"
                                                                           : opened.outcome.error)};
    Dialogue d(*opened.connection, deadline);
    if (!d.expect("", "the greeting", 220) || !d.expect("EHLO " + s.helo_name, "EHLO", 250) ||
        !d.expect("MAIL FROM:<" + s.from + ">", "MAIL FROM", 250))
        return Error{d.error()};
    for (const auto& rcpt : s.to)
        if (!d.expect("RCPT TO:<" + rcpt + ">", "RCPT TO <" + rcpt + ">", 250))
            return Error{d.error()};
    if (!d.expect("DATA", "DATA", 354)) return Error{d.error()};
    if (!d.expect(data_block(s.message) + ".", "the message", 250)) return Error{d.error()};
    if (accepted) accepted();
    d.expect("QUIT", "QUIT", 221); // the message is accepted; QUIT is courtesy
    return {};
}

} // namespace danemon::smtp
