// Printable text and UTC times as every report, alert and command writes them.
#include "danemon/text/text.hpp"

#include <catch2/catch.hpp>
#include <string>

using danemon::text::printable;
using danemon::text::utc_text;
using danemon::text::UtcStyle;

TEST_CASE("printable keeps printable ASCII and writes every other byte as \\xNN") {
    CHECK(printable("mx1.example.test 3 1 1") == "mx1.example.test 3 1 1");
    CHECK(printable("CN=evil\x1b]0;title\x07") == "CN=evil\\x1b]0;title\\x07");
    CHECK(printable("a\r\nBcc: x") == "a\\x0d\\x0aBcc: x");
    CHECK(printable(std::string("nul\0byte", 8)) == "nul\\x00byte");
    CHECK(printable("\x7f\x80\xff") == "\\x7f\\x80\\xff");
    CHECK(printable("caf\xc3\xa9") == "caf\\xc3\\xa9"); // UTF-8 too: the output is ASCII
    CHECK(printable("") == "");
}

TEST_CASE("utc_text writes an instant in UTC in each style") {
    const std::time_t instant = 1795448966; // 2026-11-23 15:49:26 UTC, a Monday
    CHECK(utc_text(instant, UtcStyle::date) == "2026-11-23");
    CHECK(utc_text(instant, UtcStyle::iso8601) == "2026-11-23T15:49:26Z");
    CHECK(utc_text(instant, UtcStyle::readable) == "2026-11-23 15:49:26Z");
    CHECK(utc_text(instant, UtcStyle::rfc5322) == "Mon, 23 Nov 2026 15:49:26 +0000");
    CHECK(utc_text(0, UtcStyle::iso8601) == "1970-01-01T00:00:00Z");
}

TEST_CASE("utc_text of an instant without a calendar date gives its seconds") {
    // gmtime_r fails when the year does not fit in an int.
    const std::time_t far = static_cast<std::time_t>(1) << 62;
    CHECK(utc_text(far, UtcStyle::iso8601) == std::to_string(far));
}

TEST_CASE("nearest: the closest candidate within a third of its length, swaps as one edit") {
    const std::vector<std::string_view> keys{"interval", "jitter", "timeout", "email"};
    CHECK(danemon::text::nearest("intervall", keys, 1) == "interval");
    CHECK(danemon::text::nearest("emial", keys, 1) == "email"); // one swap
    CHECK(danemon::text::nearest("frobnicate", keys, 1).empty());
    CHECK(danemon::text::nearest("tmeot", keys, 1) == "timeout");      // 2 edits, 7 / 3 allows 2
    CHECK(danemon::text::nearest("tmo", {"timeout"}, 1).empty());      // 4 edits
    CHECK(danemon::text::nearest("tmo", {"timeout"}, 4) == "timeout"); // a larger floor
    CHECK(danemon::text::nearest("x", {}, 1).empty());
}

TEST_CASE("parse_utc_time reads RFC 3339 UTC and Unix seconds, and refuses the rest in words") {
    using danemon::text::parse_utc_time;
    CHECK(parse_utc_time("2026-11-23T15:49:26Z").value() == 1795448966);
    CHECK(parse_utc_time("1795448966").value() == 1795448966);
    CHECK(parse_utc_time("0").value() == 0);
    for (const char* bad :
         {"", "yesterday", "2026-11-23", "2026-11-23T15:49:26+01:00", "2026-13-01T00:00:00Z",
          "2026-11-23T15:49:26Z ", "-5", "99999999999999999999999"}) {
        INFO(bad);
        const auto parsed = parse_utc_time(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error() == "'" + std::string(bad) +
                                    "' is not a time like 2026-01-01T00:00:00Z (or Unix seconds)");
    }
    CHECK(parse_utc_time("a\nb").error() ==
          "'a\\x0ab' is not a time like 2026-01-01T00:00:00Z (or Unix seconds)");
}
