// The server side of TLS for tests: certificates made in-process (no files; EC P-256 unless
// asked otherwise), server contexts for a chosen version range and set of certificates, and
// a bounded server handshake.
#pragma once

#include "danemon/dane/tlsa.hpp"

#include <chrono>
#include <memory>
#include <openssl/ssl.h>
#include <string>
#include <vector>

namespace danemon::test {

struct SslCtxFree {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
    void operator()(X509* certificate) const { X509_free(certificate); }
};
using ServerContext = std::unique_ptr<SSL_CTX, SslCtxFree>;
using ServerSsl = std::unique_ptr<SSL, SslFree>;

// A key and its certificate, made in-process.
struct TestCertificate {
    std::unique_ptr<EVP_PKEY, PkeyFree> key;
    std::unique_ptr<X509, X509Free> certificate;
    dane::Bytes der;
    std::string pem;
};

enum class TestKey { ec_p256, rsa_2048, ed25519 };

struct CertificateSpec {
    std::string common_name{};
    TestKey key = TestKey::ec_p256;
    const TestCertificate* issuer = nullptr; // self-signed when null
    bool ca = false;                         // basicConstraints CA:TRUE (critical)
    std::string dns_name{};                  // a DNS subjectAltName when not empty
};

// A key of spec.key's type and an X.509 v3 certificate for it, valid from an hour ago for a
// year.
// Throws std::runtime_error when OpenSSL fails.
TestCertificate make_test_certificate(const CertificateSpec& spec);

// The DER of the test certificate (CN=mx.fake.test), the same bytes on every call.
const dane::Bytes& test_certificate_der();

// A server context with the test certificate, accepting versions min..max (TLS1_VERSION,
// ..., TLS1_3_VERSION) at @SECLEVEL=0 so that TLS 1.0/1.1 servers can be built.
ServerContext make_server_context(int min_version, int max_version);
// The same with these certificates (one per key type; OpenSSL serves each client the one its
// signature algorithms allow, the first one it can use).
ServerContext make_server_context(int min_version, int max_version,
                                  const std::vector<const TestCertificate*>& certificates);

// SSL_accept on a blocking fd whose reads and writes time out after `limit`.
// Null when the handshake failed.
ServerSsl accept_tls(SSL_CTX* context, int fd, std::chrono::milliseconds limit);

// After accept_tls: reads one line (the client's QUIT), answers 221, sends close_notify.
// Returns the line read (empty if none).
std::string serve_quit(SSL* ssl);

// The SNI the client sent, empty when none.
std::string received_server_name(const SSL* ssl);

} // namespace danemon::test
