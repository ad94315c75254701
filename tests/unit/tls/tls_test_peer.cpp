// In-process certificates and the TLS server side for the tls, smtp and rollover unit tests.
#include "tls_test_peer.hpp"

#include <csignal>
#include <mutex>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>

namespace danemon::test {

namespace {

const TestCertificate& identity() {
    static const TestCertificate made = make_test_certificate({.common_name = "mx.fake.test"});
    return made;
}

} // namespace

TestCertificate make_test_certificate(const CertificateSpec& spec) {
    TestCertificate made;
    switch (spec.key) {
    case TestKey::ec_p256:
        made.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        break;
    case TestKey::rsa_2048:
        made.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
        break;
    case TestKey::ed25519:
        made.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        break;
    }
    made.certificate.reset(X509_new());
    if (!made.key || !made.certificate) {
        throw std::runtime_error("cannot create the test key or certificate");
    }
    X509* certificate = made.certificate.get();
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 3600L * 24 * 365);
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(certificate, spec.issuer != nullptr
                                          ? X509_get_subject_name(spec.issuer->certificate.get())
                                          : name);
    X509_set_pubkey(certificate, made.key.get());
    auto add_extension = [certificate](int nid, const std::string& value) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value.c_str());
        const bool added = extension != nullptr && X509_add_ext(certificate, extension, -1) == 1;
        X509_EXTENSION_free(extension);
        if (!added) throw std::runtime_error("cannot add " + value + " to the test certificate");
    };
    if (spec.ca) add_extension(NID_basic_constraints, "critical,CA:TRUE");
    if (!spec.dns_name.empty()) add_extension(NID_subject_alt_name, "DNS:" + spec.dns_name);
    EVP_PKEY* signer = spec.issuer != nullptr ? spec.issuer->key.get() : made.key.get();
    // EdDSA signs without a separate digest.
    const EVP_MD* digest =
        EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
    if (X509_sign(certificate, signer, digest) <= 0) {
        throw std::runtime_error("cannot sign the test certificate");
    }
    const int length = i2d_X509(certificate, nullptr);
    made.der.resize(static_cast<std::size_t>(length));
    unsigned char* cursor = made.der.data();
    i2d_X509(certificate, &cursor);
    std::unique_ptr<BIO, decltype(&BIO_free)> pem(BIO_new(BIO_s_mem()), &BIO_free);
    char* text = nullptr;
    if (!pem || PEM_write_bio_X509(pem.get(), certificate) != 1) {
        throw std::runtime_error("cannot write the test certificate as PEM");
    }
    const long text_length = BIO_get_mem_data(pem.get(), &text);
    made.pem.assign(text, static_cast<std::size_t>(text_length));
    return made;
}

const dane::Bytes& test_certificate_der() {
    return identity().der;
}

ServerContext make_server_context(int min_version, int max_version) {
    return make_server_context(min_version, max_version, {&identity()});
}

ServerContext make_server_context(int min_version, int max_version,
                                  const std::vector<const TestCertificate*>& certificates) {
    // The server side writes through OpenSSL's socket BIO, which can raise SIGPIPE when
    // the client under test has gone: tests must not die of it.
    static std::once_flag sigpipe_once;
    std::call_once(sigpipe_once, [] { std::signal(SIGPIPE, SIG_IGN); });

    ServerContext context(SSL_CTX_new(TLS_server_method()));
    if (!context) {
        throw std::runtime_error("cannot create a server context");
    }
    SSL_CTX_set_security_level(context.get(), 0);
    if (SSL_CTX_set_cipher_list(context.get(), "DEFAULT:@SECLEVEL=0") != 1 ||
        SSL_CTX_set_min_proto_version(context.get(), min_version) != 1 ||
        SSL_CTX_set_max_proto_version(context.get(), max_version) != 1) {
        throw std::runtime_error("cannot configure the server context");
    }
    for (const TestCertificate* certificate : certificates)
        if (SSL_CTX_use_certificate(context.get(), certificate->certificate.get()) != 1 ||
            SSL_CTX_use_PrivateKey(context.get(), certificate->key.get()) != 1)
            throw std::runtime_error("cannot give the server context its certificates");
    return context;
}

ServerSsl accept_tls(SSL_CTX* context, int fd, std::chrono::milliseconds limit) {
    timeval timeout{};
    timeout.tv_sec = static_cast<time_t>(limit.count() / 1000);
    timeout.tv_usec = static_cast<suseconds_t>((limit.count() % 1000) * 1000);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ServerSsl ssl(SSL_new(context));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
        return nullptr;
    }
    return ssl;
}

std::string serve_quit(SSL* ssl) {
    std::string line;
    char c = 0;
    while (line.size() < 512 && SSL_read(ssl, &c, 1) == 1) {
        line.push_back(c);
        if (c == '\n') {
            const std::string reply = "221 2.0.0 Bye\r\n";
            SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
            break;
        }
    }
    SSL_shutdown(ssl);
    return line;
}

std::string received_server_name(const SSL* ssl) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    return name != nullptr ? name : "";
}

} // namespace danemon::test
