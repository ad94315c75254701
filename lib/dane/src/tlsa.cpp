// TLSA records in presentation form and their usability for SMTP senders (RFC 6698, RFC 7672
// section 2.2 and 3.1.3). Pure: text and byte handling only.
#include "danemon/dane/tlsa.hpp"

#include "openssl_handles.hpp"

#include <charconv>
#include <cstddef>
#include <openssl/x509.h>

namespace danemon::dane {
namespace {

constexpr std::size_t sha256_length = 32;
constexpr std::size_t sha512_length = 64;
constexpr std::uint8_t private_use = 255; // RFC 6698 section 7.2-7.4: PrivCert/PrivSel/PrivMatch

std::string hex_of(const Bytes& bytes, const char* digits) {
    std::string text;
    text.reserve(bytes.size() * 2);
    for (const std::uint8_t byte : bytes) {
        text.push_back(digits[byte >> 4U]);
        text.push_back(digits[byte & 0x0FU]);
    }
    return text;
}

std::optional<std::uint8_t> hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    return std::nullopt;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Splits off the next whitespace-delimited token; empty when the text is exhausted.
std::string_view next_token(std::string_view& text) {
    std::size_t start = 0;
    while (start < text.size() && is_space(text[start]))
        ++start;
    std::size_t end = start;
    while (end < text.size() && !is_space(text[end]))
        ++end;
    const std::string_view token = text.substr(start, end - start);
    text.remove_prefix(end);
    return token;
}

std::optional<std::uint8_t> parse_field(std::string_view token) {
    unsigned value = 0;
    const char* const last = token.data() + token.size();
    const auto [end, error] = std::from_chars(token.data(), last, value);
    if (token.empty() || error != std::errc{} || end != last || value > 255U) return std::nullopt;
    return static_cast<std::uint8_t>(value);
}

std::string field_problem(const char* field, std::uint8_t value) {
    if (value == private_use) {
        return std::string(field) +
               " 255 is reserved for private use, so SMTP senders ignore the record (RFC 7672 "
               "section 2.2).";
    }
    return std::string(field) + " " + std::to_string(value) +
           " is not defined, so SMTP senders ignore the record (RFC 7672 section 2.2).";
}

// A "Full" record must hold the DER object itself; OpenSSL refuses the record otherwise
// (SSL_dane_tlsa_add returns 0), so the sender never sees it.
bool full_data_parses(const TlsaRecord& record) {
    const detail::ErrorQueueGuard guard;
    const unsigned char* cursor = record.data.data();
    const auto length = static_cast<long>(record.data.size());
    if (record.selector == selector_cert) {
        const detail::X509Ptr cert(d2i_X509(nullptr, &cursor, length));
        return cert && cursor == record.data.data() + record.data.size();
    }
    const detail::EvpPkeyPtr key(d2i_PUBKEY(nullptr, &cursor, length));
    return key && cursor == record.data.data() + record.data.size();
}

} // namespace

std::string to_hex(const Bytes& bytes) {
    return hex_of(bytes, "0123456789abcdef");
}

std::string to_presentation(const TlsaRecord& record) {
    return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
           std::to_string(record.matching) + " " + hex_of(record.data, "0123456789ABCDEF");
}

std::optional<TlsaRecord> parse_presentation(std::string_view text) {
    TlsaRecord record;
    const auto usage = parse_field(next_token(text));
    const auto selector = parse_field(next_token(text));
    const auto matching = parse_field(next_token(text));
    if (!usage || !selector || !matching) return std::nullopt;
    record.usage = *usage;
    record.selector = *selector;
    record.matching = *matching;

    // RFC 6698 section 2.2: the data is hex and may be split by white space.
    std::string digits;
    for (const char c : text) {
        if (!is_space(c)) digits.push_back(c);
    }
    if (digits.empty() || digits.size() % 2 != 0) return std::nullopt;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        const auto high = hex_digit_value(digits[i]);
        const auto low = hex_digit_value(digits[i + 1]);
        if (!high || !low) return std::nullopt;
        record.data.push_back(static_cast<std::uint8_t>((*high << 4U) | *low));
    }
    return record;
}

Usability assess_for_smtp(const TlsaRecord& record) {
    // RFC 7672 section 3.1.3: SMTP senders do not use the PKIX usages.
    if (record.usage == usage_pkix_ta || record.usage == usage_pkix_ee) {
        return {false, "PKIX-TA(0)/PKIX-EE(1) records are not used by SMTP senders (RFC 7672 "
                       "section 3.1.3)."};
    }
    if (record.usage != usage_dane_ta && record.usage != usage_dane_ee) {
        return {false, field_problem("Certificate usage", record.usage)};
    }
    if (record.selector != selector_cert && record.selector != selector_spki) {
        return {false, field_problem("Selector", record.selector)};
    }
    if (record.matching != matching_full && record.matching != matching_sha256 &&
        record.matching != matching_sha512) {
        return {false, field_problem("Matching type", record.matching)};
    }
    if (record.data.empty()) {
        return {false, "The record carries no certificate association data."};
    }
    // RFC 7672 section 2.2: a digest of the wrong length is malformed, hence unusable.
    const std::size_t expected = record.matching == matching_sha256   ? sha256_length
                                 : record.matching == matching_sha512 ? sha512_length
                                                                      : 0;
    if (expected != 0 && record.data.size() != expected) {
        return {false, std::string(record.matching == matching_sha256 ? "A SHA-256" : "A SHA-512") +
                           " digest is " + std::to_string(expected) +
                           " bytes long, but this record carries " +
                           std::to_string(record.data.size()) + "."};
    }
    if (record.matching == matching_full && !full_data_parses(record)) {
        return {false, record.selector == selector_cert
                           ? "The record's data is not a DER-encoded certificate."
                           : "The record's data is not a DER-encoded public key."};
    }
    return {true, {}};
}

} // namespace danemon::dane
