// The SMTP reply reader on its own, fed bytes from hostile and sloppy servers.
#include "reply.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace {

using danemon::smtp::detail::ReplyReader;
using State = ReplyReader::State;

// Feeds everything at once; returns the reader and how many bytes it consumed.
std::pair<ReplyReader, std::size_t> read_all(const std::string& bytes) {
    ReplyReader reader;
    const std::size_t used = reader.feed(bytes);
    return {reader, used};
}

} // namespace

TEST_CASE("reply reader takes a single-line reply", "[reply]") {
    auto [reader, used] = read_all("220 mx.example.net ESMTP ready\r\n");
    REQUIRE(reader.state() == State::complete);
    CHECK(used == 32);
    CHECK(reader.reply().code == 220);
    CHECK(reader.reply().first_line() == "220 mx.example.net ESMTP ready");
}

TEST_CASE("reply reader takes a multi-line EHLO reply with CRLF or bare LF", "[reply]") {
    auto [reader, used] =
        read_all("250-mx.example.net\r\n250-PIPELINING\n250-SIZE 10240000\r\n250 STARTTLS\r\n");
    REQUIRE(reader.state() == State::complete);
    const auto& lines = reader.reply().lines;
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "mx.example.net");
    CHECK(lines[1] == "PIPELINING");
    CHECK(lines[3] == "STARTTLS");
}

TEST_CASE("reply reader accepts a bare code as the last line", "[reply]") {
    auto [reader, used] = read_all("250-first\r\n250\r\n");
    REQUIRE(reader.state() == State::complete);
    CHECK(reader.reply().lines.size() == 2);
    CHECK(reader.reply().lines[1].empty());
}

TEST_CASE("reply reader gives the same reply when fed one byte at a time", "[reply]") {
    const std::string bytes = "250-mx.example.net\r\n250 STARTTLS\r\n";
    ReplyReader reader;
    for (const char c : bytes) {
        REQUIRE(reader.state() == State::incomplete);
        CHECK(reader.feed(std::string(1, c)) == 1);
    }
    REQUIRE(reader.state() == State::complete);
    CHECK(reader.reply().lines.size() == 2);
}

TEST_CASE("reply reader waits for more on an unfinished reply", "[reply]") {
    const std::string bytes = "250-mx.example.net\r\n250-PIPE";
    auto [reader, used] = read_all(bytes);
    CHECK(reader.state() == State::incomplete);
    CHECK(used == bytes.size());
}

TEST_CASE("reply reader stops a 250- continuation flood at the line cap", "[reply]") {
    std::string flood;
    for (int i = 0; i < 1000; ++i) {
        flood += "250-AUTH PLAIN\r\n";
    }
    auto [reader, used] = read_all(flood);
    REQUIRE(reader.state() == State::failed);
    CHECK(reader.error() == "reply longer than 200 lines");
    CHECK(used <= 201 * 16);
}

TEST_CASE("reply reader rejects a 1 MB line without buffering it", "[reply]") {
    const std::string huge = "220 " + std::string(1024 * 1024, 'A') + "\r\n";
    auto [reader, used] = read_all(huge);
    REQUIRE(reader.state() == State::failed);
    CHECK(reader.error() == "reply line longer than 4096 bytes");
    CHECK(used <= 4097);
}

TEST_CASE("reply reader sanitizes NUL bytes in the text", "[reply]") {
    auto [reader, used] = read_all(std::string("220 mx\0evil\r\n", 13));
    REQUIRE(reader.state() == State::complete);
    CHECK(reader.reply().first_line() == "220 mx?evil");
}

TEST_CASE("reply reader rejects NUL bytes in the code", "[reply]") {
    auto [reader, used] = read_all(std::string("2\0"
                                               "0 mx\r\n",
                                               8));
    REQUIRE(reader.state() == State::failed);
    CHECK(reader.error() == "reply line without a reply code: \"2?0 mx\"");
}

TEST_CASE("reply reader neutralizes terminal escape sequences and 8-bit bytes", "[reply]") {
    auto [reader, used] = read_all("554 \x1b[31mred\x1b[0m\tcaf\xc3\xa9\r\n");
    REQUIRE(reader.state() == State::complete);
    const std::string text = reader.reply().summary();
    CHECK(text == "554 ?[31mred?[0m caf??");
    CHECK(text.find('\x1b') == std::string::npos);
}

TEST_CASE("reply reader rejects lines without a three-digit code", "[reply]") {
    for (const std::string line : {"hello there\r\n", "22 short\r\n", "2x0 text\r\n",
                                   "600 out of range\r\n", "\r\n", "-250 x\r\n"}) {
        auto [reader, used] = read_all(line);
        INFO(line);
        CHECK(reader.state() == State::failed);
        CHECK(reader.error().rfind("reply line without a reply code", 0) == 0);
    }
}

TEST_CASE("reply reader rejects a code followed by neither space nor hyphen", "[reply]") {
    auto [reader, used] = read_all("250x STARTTLS\r\n");
    REQUIRE(reader.state() == State::failed);
    CHECK(reader.error() == "malformed reply line: \"250x STARTTLS\"");
}

TEST_CASE("reply reader rejects codes that change within one reply", "[reply]") {
    auto [reader, used] = read_all("250-mx.example.net\r\n251 STARTTLS\r\n");
    REQUIRE(reader.state() == State::failed);
    CHECK(reader.error() == "reply code changed from 250 to 251 within one reply");
}

TEST_CASE("reply reader leaves bytes after the 220 to STARTTLS to the caller", "[reply]") {
    // The STARTTLS plaintext injection (CVE-2011-0411): what follows the reply must not be
    // consumed as part of it, so the prober can see that it is there.
    const std::string bytes = "220 2.0.0 Ready\r\n250 injected\r\n";
    auto [reader, used] = read_all(bytes);
    REQUIRE(reader.state() == State::complete);
    CHECK(used == 17);
    CHECK(bytes.substr(used) == "250 injected\r\n");
}

TEST_CASE("reply summary is cut for messages", "[reply]") {
    auto [reader, used] = read_all("554 " + std::string(300, 'x') + "\r\n");
    REQUIRE(reader.state() == State::complete);
    CHECK(reader.reply().summary().size() == 203);
}
