// The SMTP reply grammar of RFC 5321 section 4.2: "Reply-line = *( Reply-code "-"
// [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF", with bounded lines and counts.
#include "reply.hpp"

namespace danemon::smtp::detail {

namespace {

constexpr std::size_t quoted_length = 40;

bool in_range(char c, char low, char high) {
    return c >= low && c <= high;
}

} // namespace

std::string sanitize(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    for (const char c : text) {
        if (c == '\t') {
            clean.push_back(' ');
        } else if (in_range(c, ' ', '~')) {
            clean.push_back(c);
        } else {
            clean.push_back('?');
        }
    }
    return clean;
}

std::string Reply::first_line() const {
    std::string line = std::to_string(code);
    if (!lines.empty() && !lines.front().empty()) {
        line += ' ' + lines.front();
    }
    return line;
}

std::string Reply::summary(std::size_t limit) const {
    std::string text = std::to_string(code);
    for (const auto& line : lines) {
        if (!line.empty()) {
            text += ' ' + line;
        }
    }
    if (text.size() > limit) {
        text.resize(limit);
        text += "...";
    }
    return text;
}

std::size_t ReplyReader::feed(std::string_view bytes) {
    std::size_t used = 0;
    while (used < bytes.size() && state_ == State::incomplete) {
        const char c = bytes[used++];
        if (c == '\n') { // CRLF, or a bare LF from a sloppy server
            end_line();
            continue;
        }
        if (line_.size() >= limits_.max_line) {
            fail("reply line longer than " + std::to_string(limits_.max_line) + " bytes");
            break;
        }
        line_.push_back(c);
    }
    return used;
}

void ReplyReader::end_line() {
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    // Reply-code = %x32-35 %x30-35 %x30-39
    if (line.size() < 3 || !in_range(line[0], '2', '5') || !in_range(line[1], '0', '5') ||
        !in_range(line[2], '0', '9')) {
        fail("reply line without a reply code: \"" + sanitize(line.substr(0, quoted_length)) +
             "\"");
        return;
    }
    const char separator = line.size() > 3 ? line[3] : ' ';
    if (separator != ' ' && separator != '-') {
        fail("malformed reply line: \"" + sanitize(line.substr(0, quoted_length)) + "\"");
        return;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!reply_.lines.empty() && code != reply_.code) {
        fail("reply code changed from " + std::to_string(reply_.code) + " to " +
             std::to_string(code) + " within one reply");
        return;
    }
    if (reply_.lines.size() >= limits_.max_lines) {
        fail("reply longer than " + std::to_string(limits_.max_lines) + " lines");
        return;
    }
    reply_.code = code;
    reply_.lines.push_back(sanitize(line.size() > 4 ? line.substr(4) : std::string_view{}));
    line_.clear();
    if (separator == ' ') {
        state_ = State::complete;
    }
}

void ReplyReader::fail(std::string why) {
    state_ = State::failed;
    error_ = std::move(why);
    line_.clear();
}

} // namespace danemon::smtp::detail
