// TLS client handshakes on an already connected socket (after SMTP STARTTLS), with a
// deadline, capturing what a sender would see: version, cipher and the served chain.
// The client accepts TLS 1.0 to 1.3 at @SECLEVEL=0 so that legacy servers can be measured.
#pragma once

#include "danemon/dane/certificate.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

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

// What a client offers to be served a certificate of these key families only, when a server
// holds several (Postfix's smtpd_tls_chain_files, Exim's certificate lists): their signature
// algorithms (TLS 1.2 and 1.3, OpenSSL's list syntax) and TLS 1.2 cipher suites. A server
// without such a key refuses the handshake (or serves another one). Empty strings for no
// family, or only KeyFamily::other.
struct KeyOffer {
    std::string signature_algorithms;
    std::string tls12_ciphers;
};
KeyOffer key_offer(const std::vector<dane::KeyFamily>& families);

// The key families a sender can be served, in the order they are asked for.
inline constexpr dane::KeyFamily probed_key_families[] = {
    dane::KeyFamily::ecdsa, dane::KeyFamily::rsa, dane::KeyFamily::ed25519};

// Runs the client side of a handshake on fd (non-blocking I/O with poll), sending SNI
// (omitted when empty; a trailing dot is dropped, RFC 6066 section 3). Does not close fd.
// The chain is captured without verification: verification is done offline by lib/dane
// on the same bytes. Thread-safe: the SSL_CTX per version range is shared.
// With only_keys, the client offers only their key_offer (TLS 1.2 and newer).
HandshakeResult client_handshake(int fd, const std::string& sni, VersionRange versions,
                                 std::chrono::steady_clock::time_point deadline,
                                 const Farewell& farewell = {},
                                 const std::vector<dane::KeyFamily>& only_keys = {});

} // namespace danemon::tls
