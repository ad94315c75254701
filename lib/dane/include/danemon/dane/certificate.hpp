// The certificate chain a server served, kept as DER exactly as captured, and a readable
// summary of each certificate. Pure: parsing only, no I/O.
#pragma once

#include "danemon/dane/tlsa.hpp"

#include <cstdint>
#include <ctime>
#include <memory>
#include <openssl/types.h>
#include <optional>
#include <string>
#include <vector>

namespace danemon::dane {

// Leaf first, in the order the server sent it.
struct ServedChain {
    std::vector<Bytes> der;
    // Optional, empty or one per element of `der`: the same certificates as the TLS handshake
    // already parsed them, so that evaluation does not parse them again (OpenSSL 3 decodes
    // the public key on every parse, the largest CPU cost of a check). Only a cache: nothing
    // is read from it that the DER does not say.
    std::vector<std::shared_ptr<X509>> parsed;
    bool empty() const { return der.empty(); }
};

// A handle on CERT that keeps it alive (X509_up_ref), for ServedChain::parsed.
std::shared_ptr<X509> share_certificate(X509* cert);

// What a certificate's public key can sign with, which is what a TLS server chooses a
// certificate by (the client's signature algorithms): a server may hold one of each.
enum class KeyFamily { rsa, ecdsa, ed25519, ed448, other };
const char* to_string(KeyFamily family); // "RSA", "ECDSA", "Ed25519", "Ed448", "other"

struct KeyType {
    KeyFamily family = KeyFamily::other;
    std::string name; // "RSA 2048", "RSA-PSS 3072", "ECDSA P-256", "Ed25519"
};

struct CertificateSummary {
    std::string subject; // RFC 2253 form
    std::string issuer;  // RFC 2253 form
    std::time_t not_before = 0;
    std::time_t not_after = 0;
    std::vector<std::string> names; // DNS subjectAltNames, or the subject CN when there are none
    std::string spki_sha256;        // lower-case hex
    std::string cert_sha256;        // lower-case hex
    KeyType key;
    std::string pem;
};

// nullopt when the bytes are not a DER certificate.
std::optional<CertificateSummary> summarize(const Bytes& der);
// The same for the certificate at DEPTH of CHAIN, parsed only when CHAIN has no parsed copy.
std::optional<CertificateSummary> summarize(const ServedChain& chain, std::size_t depth);

// The key type of CHAIN's leaf; nullopt for an empty chain or an unparsable leaf.
std::optional<KeyType> leaf_key_type(const ServedChain& chain);

// The record data a TLSA record with this selector and matching type would carry for the
// certificate. nullopt for unknown selector/matching values or an unparsable certificate.
std::optional<Bytes> association_data(const Bytes& der, std::uint8_t selector,
                                      std::uint8_t matching);

// Reads certificates from PEM text (or a single DER certificate). Empty when none found.
std::vector<Bytes> load_certificates(const std::string& file_contents);

} // namespace danemon::dane
