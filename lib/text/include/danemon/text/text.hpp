// How danemon writes values as text: bytes that came from the network or from a file as
// printable ASCII, instants as UTC. The reports, the alerts and the commands share these so
// that one name or one time reads the same everywhere.
#pragma once

#include "danemon/expected/expected.hpp"

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace danemon::text {

// Printable ASCII (0x20 to 0x7e) as it is, every other byte as \xNN (lower-case hex): no
// terminal escape, line break or invalid UTF-8 gets through, and nothing is lost.
std::string printable(std::string_view bytes);

enum class UtcStyle {
    date,     // 2026-11-23
    iso8601,  // 2026-11-23T15:29:26Z (RFC 3339)
    readable, // 2026-11-23 15:29:26Z
    rfc5322,  // Mon, 23 Nov 2026 15:29:26 +0000 (the Date: of a mail)
};

// The instant in UTC; the number of seconds as decimal digits if it has no calendar date.
std::string utc_text(std::time_t instant, UtcStyle style);

// For "did you mean ...?": the candidate closest to WORD in optimal string alignment
// distance (edits, adjacent swaps counting as one), the first of equally close ones; empty
// when even it is more than max(least, its length / 3) edits away.
std::string nearest(std::string_view word, const std::vector<std::string_view>& candidates,
                    std::size_t least);

// A number of seconds in [min, max] as a user writes it ("1.5"); "nan", "inf", an empty text
// and trailing text are refused with the sentence "'TEXT' is not a number of seconds from
// MIN to MAX".
Expected<double> parse_seconds(const std::string& text, double min, double max);

// An instant as a user gives it: RFC 3339 UTC ("2026-01-01T00:00:00Z") or Unix seconds;
// anything else is refused with the sentence "'TEXT' is not a time like
// 2026-01-01T00:00:00Z (or Unix seconds)".
Expected<std::time_t> parse_utc_time(const std::string& text);

} // namespace danemon::text
