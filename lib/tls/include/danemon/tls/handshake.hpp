// TLS client handshakes on an already connected socket (after SMTP STARTTLS), with a
// deadline, capturing what a sender would see: version, cipher and the served chain.
// The client accepts TLS 1.0 to 1.3 at @SECLEVEL=0 so that legacy servers can be measured.
#pragma once

#include "danemon/dane/certificate.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace danemon::tls {

enum class Version { tls1_0, tls1_1, tls1_2, tls1_3 };
const char* to_string(Version version); // "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"

struct VersionRange {
    Version min = Version::tls1_0;
    Version max = Version::tls1_3;
};

struct HandshakeResult {
    bool ok = false;
    std::string error; // one phrase when !ok (OpenSSL's reason, or "timed out"), no final period
    bool timed_out = false;
    std::string version;               // "TLSv1.2", ...
    std::optional<Version> negotiated; // the same as a value, when ok
    std::string cipher;                // OpenSSL name
    dane::ServedChain chain;
};

// What to say over TLS once the handshake succeeded, before close_notify: the prober's
// "QUIT\r\n". Best effort: waits at most `limit` (and never past the handshake deadline)
// for one reply line, and never changes the result.
struct Farewell {
    std::string command;
    std::chrono::milliseconds limit{1000};
};

// Runs the client side of a handshake on fd (non-blocking I/O with poll), sending SNI
// (omitted when empty; a trailing dot is dropped, RFC 6066 section 3). Does not close fd.
// The chain is captured without verification: verification is done offline by lib/dane
// on the same bytes. Thread-safe: the SSL_CTX per version range is shared.
HandshakeResult client_handshake(int fd, const std::string& sni, VersionRange versions,
                                 std::chrono::steady_clock::time_point deadline,
                                 const Farewell& farewell = {});

} // namespace danemon::tls
