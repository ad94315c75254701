// lib/dane's OpenSSL helpers: the owning pointers (danemon/dane/openssl.hpp), a guard that
// keeps lib/dane's OpenSSL errors out of the caller's thread-local error queue, parsing and
// digests. Private to lib/dane.
#pragma once

#include "danemon/dane/certificate.hpp"
#include "danemon/dane/openssl.hpp"
#include "danemon/dane/tlsa.hpp"

#include <memory>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <optional>

namespace danemon::dane::detail {

using dane::BioPtr;
using dane::EvpPkeyPtr;
using dane::SslCtxPtr;
using dane::SslPtr;
using dane::X509Ptr;
using dane::X509StackPtr;
using dane::X509StoreCtxPtr;
using dane::X509StorePtr;

// Errors raised while lib/dane works are its own business: a failed parse is returned as a
// value, so the queue is restored to what the caller had on the way out.
class ErrorQueueGuard {
public:
    ErrorQueueGuard() { ERR_set_mark(); }
    ~ErrorQueueGuard() { ERR_pop_to_mark(); }
    ErrorQueueGuard(const ErrorQueueGuard&) = delete;
    ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
};

// d2i_X509 of the whole buffer; null when the bytes are not exactly one DER certificate.
X509Ptr parse_der_certificate(const Bytes& der);

// CHAIN's parsed copy of the certificate at DEPTH when it has one, else DER parsed.
X509Ptr certificate_at(const ServedChain& chain, std::size_t depth);

// The DER of the certificate's SubjectPublicKeyInfo.
std::optional<Bytes> spki_der(const X509& cert);
std::optional<Bytes> digest(const Bytes& input, const EVP_MD* type);
// What a TLSA record with this selector (RFC 6698 section 2.1.2) and matching type (2.1.3)
// carries for a certificate; nullopt for values outside the RFC's.
std::optional<Bytes> selected_data(const X509& cert, const Bytes& der, std::uint8_t selector);
std::optional<Bytes> matched_data(const Bytes& selected, std::uint8_t matching);

} // namespace danemon::dane::detail
