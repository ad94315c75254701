// Printable text and UTC times (text.hpp).
#include "danemon/text/text.hpp"

#include <array>

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

} // namespace danemon::text
