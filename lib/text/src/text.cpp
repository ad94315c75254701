// Printable text and UTC times (text.hpp).
#include "danemon/text/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <sstream>

namespace danemon::text {

std::string printable(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size());
    for (const char raw : bytes) {
        const auto c = static_cast<unsigned char>(raw);
        if (c >= 0x20 && c < 0x7f) {
            out += raw;
        } else {
            out += "\\x";
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

std::string utc_text(std::time_t instant, UtcStyle style) {
    std::tm tm{};
    if (gmtime_r(&instant, &tm) == nullptr) return std::to_string(instant);
    std::array<char, 64> buffer{};
    std::size_t length = 0;
    switch (style) {
    case UtcStyle::date:
        length = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%d", &tm);
        break;
    case UtcStyle::iso8601:
        length = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
        break;
    case UtcStyle::readable:
        length = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%d %H:%M:%SZ", &tm);
        break;
    case UtcStyle::rfc5322:
        // %a and %b follow the locale; danemon never calls setlocale, so they stay the
        // English names RFC 5322 section 3.3 requires.
        length = std::strftime(buffer.data(), buffer.size(), "%a, %d %b %Y %H:%M:%S +0000", &tm);
        break;
    }
    if (length == 0) return std::to_string(instant);
    return std::string(buffer.data(), length);
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

} // namespace

std::string nearest(std::string_view word, const std::vector<std::string_view>& candidates,
                    std::size_t least) {
    std::string_view best;
    std::size_t best_distance = std::string::npos;
    for (const auto candidate : candidates)
        if (const std::size_t d = edit_distance(word, candidate); d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    if (best.empty() || best_distance > std::max(least, best.size() / 3)) return "";
    return std::string(best);
}

Expected<double> parse_seconds(const std::string& text, double min, double max) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) || value < min ||
        value > max) {
        auto number = [](double n) {
            std::ostringstream out;
            out << n;
            return out.str();
        };
        return Error{"'" + text + "' is not a number of seconds from " + number(min) + " to " +
                     number(max)};
    }
    return value;
}

Expected<std::time_t> parse_utc_time(const std::string& text) {
    const Error refused{"'" + printable(text) +
                        "' is not a time like 2026-01-01T00:00:00Z (or Unix seconds)"};
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        long long seconds = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (error != std::errc{} || end != text.data() + text.size()) return refused;
        return static_cast<std::time_t>(seconds);
    }
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == nullptr || *end != '\0') return refused;
    return timegm(&tm);
}

} // namespace danemon::text
