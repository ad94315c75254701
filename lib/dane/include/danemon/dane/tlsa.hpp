// TLSA records (RFC 6698) as plain values, and whether a record is usable by an SMTP
// sender (RFC 7672 section 3.1.3). Pure: no I/O, no clock, no logging.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace danemon::dane {

using Bytes = std::vector<std::uint8_t>;

// Certificate usage field values (RFC 6698 section 2.1.1, RFC 7218 acronyms).
inline constexpr std::uint8_t usage_pkix_ta = 0;
inline constexpr std::uint8_t usage_pkix_ee = 1;
inline constexpr std::uint8_t usage_dane_ta = 2;
inline constexpr std::uint8_t usage_dane_ee = 3;
inline constexpr std::uint8_t selector_cert = 0;
inline constexpr std::uint8_t selector_spki = 1;
inline constexpr std::uint8_t matching_full = 0;
inline constexpr std::uint8_t matching_sha256 = 1;
inline constexpr std::uint8_t matching_sha512 = 2;

struct TlsaRecord {
    std::uint8_t usage = 0;
    std::uint8_t selector = 0;
    std::uint8_t matching = 0;
    Bytes data;

    friend bool operator==(const TlsaRecord&, const TlsaRecord&) = default;
    friend auto operator<=>(const TlsaRecord&, const TlsaRecord&) = default;
};

// "3 1 1 ab12..." (data in upper-case hex, as zone files and ldns print it).
std::string to_presentation(const TlsaRecord& record);
// Parses "U S M HEX" (whitespace inside the hex is allowed). nullopt when malformed.
std::optional<TlsaRecord> parse_presentation(std::string_view text);

// Lower-case hex, as digests are usually shown (CertificateSummary, openssl dgst).
std::string to_hex(const Bytes& bytes);

// Whether an SMTP sender may use a record, and if not, one sentence saying why. Unusable:
// PKIX-TA(0)/PKIX-EE(1), unknown or private-use usage/selector/matching values, empty data,
// digests of the wrong length, and Full(0) data that is not a DER certificate or public key
// (which OpenSSL's SSL_dane_tlsa_add refuses).
struct Usability {
    bool usable = false;
    std::string why; // empty when usable
};
Usability assess_for_smtp(const TlsaRecord& record);

} // namespace danemon::dane
