// The client side of a TLS handshake over memory BIOs: OpenSSL never touches the socket,
// this file moves the bytes with poll/recv/send (MSG_NOSIGNAL, so a peer that vanishes
// cannot raise SIGPIPE; MSG_DONTWAIT, so even a blocking fd cannot outlive the deadline).
#include "danemon/tls/handshake.hpp"

#include "danemon/dane/openssl.hpp"
#include "danemon/tls/wait.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <mutex>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>

namespace danemon::tls {

const char* to_string(Version version) {
    switch (version) {
    case Version::tls1_0:
        return "TLSv1";
    case Version::tls1_1:
        return "TLSv1.1";
    case Version::tls1_2:
        return "TLSv1.2";
    case Version::tls1_3:
        return "TLSv1.3";
    }
    return "unknown";
}

KeyOffer key_offer(const std::vector<dane::KeyFamily>& families) {
    KeyOffer offer;
    auto add = [](std::string& list, const char* items) {
        list += (list.empty() ? "" : ":") + std::string(items);
    };
    bool ecdsa_suites = false;
    bool rsa_suites = false;
    for (const dane::KeyFamily family : families) {
        switch (family) {
        case dane::KeyFamily::ecdsa:
            add(offer.signature_algorithms,
                "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ECDSA+SHA224:ECDSA+SHA1");
            ecdsa_suites = true;
            break;
        case dane::KeyFamily::rsa:
            add(offer.signature_algorithms,
                "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256:"
                "rsa_pss_pss_sha384:rsa_pss_pss_sha512:RSA+SHA256:RSA+SHA384:RSA+SHA512:"
                "RSA+SHA224:RSA+SHA1");
            rsa_suites = true;
            break;
        case dane::KeyFamily::ed25519: // TLS 1.2 signs with EdDSA in the ECDSA suites
            add(offer.signature_algorithms, "ed25519");
            ecdsa_suites = true;
            break;
        case dane::KeyFamily::ed448:
            add(offer.signature_algorithms, "ed448");
            ecdsa_suites = true;
            break;
        case dane::KeyFamily::other:
            break;
        }
    }
    if (ecdsa_suites) add(offer.tls12_ciphers, "aECDSA");
    if (rsa_suites) add(offer.tls12_ciphers, "aRSA");
    if (!offer.tls12_ciphers.empty()) offer.tls12_ciphers += ":@SECLEVEL=0";
    return offer;
}

namespace {

using Clock = std::chrono::steady_clock;

using dane::BioPtr;
using dane::SslCtxPtr;
using dane::SslPtr;

constexpr std::size_t version_count = 4;
constexpr std::size_t io_chunk = 16384;

int protocol_number(Version version) {
    switch (version) {
    case Version::tls1_0:
        return TLS1_VERSION;
    case Version::tls1_1:
        return TLS1_1_VERSION;
    case Version::tls1_2:
        return TLS1_2_VERSION;
    case Version::tls1_3:
        return TLS1_3_VERSION;
    }
    return 0;
}

std::optional<Version> version_from_number(int number) {
    switch (number) {
    case TLS1_VERSION:
        return Version::tls1_0;
    case TLS1_1_VERSION:
        return Version::tls1_1;
    case TLS1_2_VERSION:
        return Version::tls1_2;
    case TLS1_3_VERSION:
        return Version::tls1_3;
    default:
        return std::nullopt;
    }
}

// The oldest queued OpenSSL error as a phrase (its reason text), then an empty queue.
std::string take_openssl_error(const char* fallback) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return fallback;
    }
    if (const char* reason = ERR_reason_error_string(code)) {
        return reason;
    }
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    return text.data();
}

// One client context per version range. Explicit versions, cipher list and security level
// are set after SSL_CTX_new so that they win over a system openssl.cnf (Debian raises the
// defaults to TLS 1.2 and SECLEVEL=2, which would hide the legacy servers we measure).
SslCtxPtr make_context(VersionRange versions, std::string& error) {
    SslCtxPtr context(SSL_CTX_new(TLS_client_method()));
    if (!context) {
        error = "cannot create a TLS context: " + take_openssl_error("out of memory");
        return nullptr;
    }
    SSL_CTX_set_security_level(context.get(), 0);
    if (SSL_CTX_set_cipher_list(context.get(), "DEFAULT:@SECLEVEL=0") != 1 ||
        SSL_CTX_set_min_proto_version(context.get(), protocol_number(versions.min)) != 1 ||
        SSL_CTX_set_max_proto_version(context.get(), protocol_number(versions.max)) != 1) {
        error = "cannot configure the TLS context: " + take_openssl_error("unknown error");
        return nullptr;
    }
    // No renegotiation: a server's HelloRequest after the handshake gets a no_renegotiation
    // warning alert and nothing else, and one during the handshake is ignored (RFC 5246
    // section 7.4.1.1); the chain captured at the end of the first handshake is what counts.
    // Servers without RFC 5746 support are still measured.
    SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_LEGACY_SERVER_CONNECT);
    // Verification happens offline in lib/dane on the captured bytes.
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_OFF);
    return context;
}

struct ContextTable {
    std::array<std::once_flag, version_count * version_count> once;
    std::array<SslCtxPtr, version_count * version_count> contexts;
    std::array<std::string, version_count * version_count> errors;
};

// Built on first use of each range, then shared read-only by every probe thread.
SSL_CTX* shared_context(VersionRange versions, std::string& error) {
    // OpenSSL is initialised before the table exists, so its atexit cleanup runs after
    // the table's destructor has freed the contexts.
    static const bool openssl_ready = OPENSSL_init_ssl(0, nullptr) == 1;
    static ContextTable table;
    if (!openssl_ready) {
        error = "cannot initialise OpenSSL";
        return nullptr;
    }
    if (versions.min > versions.max) {
        error = "empty TLS version range";
        return nullptr;
    }
    const std::size_t slot = static_cast<std::size_t>(versions.min) * version_count +
                             static_cast<std::size_t>(versions.max);
    std::call_once(table.once.at(slot), [&] {
        table.contexts.at(slot) = make_context(versions, table.errors.at(slot));
    });
    error = table.errors.at(slot);
    return table.contexts.at(slot).get();
}

enum class Wire { ok, timed_out, closed, failed };

// The socket's readiness as the transport's outcome.
Wire wait_for(int fd, short events, Clock::time_point deadline) {
    switch (wait_ready(fd, events, deadline).state) {
    case Readiness::State::ready:
        return Wire::ok;
    case Readiness::State::timed_out:
        return Wire::timed_out;
    case Readiness::State::failed:
        break;
    }
    return Wire::failed;
}

// Moves bytes between the socket and the SSL object's memory BIOs.
class Transport {
public:
    Transport(int fd, BIO* from_network, BIO* to_network)
        : fd_(fd)
        , from_network_(from_network)
        , to_network_(to_network) {}

    // Sends everything OpenSSL has produced so far.
    Wire flush(Clock::time_point deadline) {
        std::array<char, io_chunk> buffer{};
        while (BIO_ctrl_pending(to_network_) > 0) {
            const int taken = BIO_read(to_network_, buffer.data(), static_cast<int>(buffer.size()));
            if (taken <= 0) {
                return Wire::failed;
            }
            std::size_t sent = 0;
            const auto size = static_cast<std::size_t>(taken);
            while (sent < size) {
                const ssize_t n =
                    ::send(fd_, buffer.data() + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n > 0) {
                    sent += static_cast<std::size_t>(n);
                    continue;
                }
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    if (const Wire w = wait_for(fd_, POLLOUT, deadline); w != Wire::ok) {
                        return w;
                    }
                    continue;
                }
                if (errno == ECONNRESET || errno == EPIPE) {
                    return Wire::closed;
                }
                error_number_ = errno;
                return Wire::failed;
            }
        }
        return Wire::ok;
    }

    // Waits for and hands one read's worth of bytes to OpenSSL.
    Wire fill(Clock::time_point deadline) {
        std::array<char, io_chunk> buffer{};
        for (;;) {
            const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
            if (n > 0) {
                return BIO_write(from_network_, buffer.data(), static_cast<int>(n)) == n
                           ? Wire::ok
                           : Wire::failed;
            }
            if (n == 0) {
                return Wire::closed;
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (const Wire w = wait_for(fd_, POLLIN, deadline); w != Wire::ok) {
                    return w;
                }
                continue;
            }
            if (errno == ECONNRESET) {
                return Wire::closed;
            }
            error_number_ = errno;
            return Wire::failed;
        }
    }

    std::string system_error() const {
        return error_number_ != 0
                   ? std::error_code(error_number_, std::generic_category()).message()
                   : "socket error";
    }

private:
    int fd_;
    BIO* from_network_;
    BIO* to_network_;
    int error_number_ = 0;
};

std::string server_name(const std::string& sni) {
    std::string name = sni;
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    return name;
}

dane::ServedChain capture_chain(const SSL* ssl) {
    dane::ServedChain chain;
    // On the client side the peer chain includes the leaf, in the order it was sent.
    STACK_OF(X509)* certificates = SSL_get_peer_cert_chain(ssl);
    if (certificates == nullptr) {
        return chain;
    }
    for (int i = 0; i < sk_X509_num(certificates); ++i) {
        X509* certificate = sk_X509_value(certificates, i);
        const int length = i2d_X509(certificate, nullptr);
        if (length <= 0) {
            continue;
        }
        dane::Bytes der(static_cast<std::size_t>(length));
        unsigned char* cursor = der.data();
        i2d_X509(certificate, &cursor);
        chain.der.push_back(std::move(der));
        chain.parsed.push_back(dane::share_certificate(certificate));
    }
    return chain;
}

// Best effort: the command, one reply line, close_notify. Errors are ignored.
void say_farewell(SSL* ssl, Transport& transport, const Farewell& farewell,
                  Clock::time_point handshake_deadline) {
    const auto deadline = std::min(handshake_deadline, Clock::now() + farewell.limit);
    if (!farewell.command.empty()) {
        const int written =
            SSL_write(ssl, farewell.command.data(), static_cast<int>(farewell.command.size()));
        if (written > 0 && transport.flush(deadline) == Wire::ok) {
            std::array<char, 512> reply{};
            for (;;) {
                const int n = SSL_read(ssl, reply.data(), static_cast<int>(reply.size()));
                if (n > 0) {
                    const auto end = reply.begin() + n;
                    if (std::find(reply.begin(), end, '\n') != end) {
                        break;
                    }
                    continue;
                }
                // What OpenSSL answered meanwhile goes out first: above all the
                // no_renegotiation alert to a HelloRequest, so that a server waiting for
                // the renegotiation learns at once that none will come.
                if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ ||
                    transport.flush(deadline) != Wire::ok || transport.fill(deadline) != Wire::ok) {
                    break;
                }
            }
        }
    }
    SSL_shutdown(ssl);
    transport.flush(deadline);
}

HandshakeResult failed(std::string error, bool timed_out = false) {
    HandshakeResult result;
    result.error = std::move(error);
    result.timed_out = timed_out;
    return result;
}

// Offers only the signature algorithms and TLS 1.2 cipher suites of these key families.
bool offer_only(SSL* ssl, const std::vector<dane::KeyFamily>& families) {
    const KeyOffer offer = key_offer(families);
    return !offer.signature_algorithms.empty() &&
           SSL_set1_sigalgs_list(ssl, offer.signature_algorithms.c_str()) == 1 &&
           SSL_set_cipher_list(ssl, offer.tls12_ciphers.c_str()) == 1;
}

// What the ClientHello says beyond the context's defaults: the server name, and the key
// families asked for. The reason as a phrase when OpenSSL refuses, else "".
std::string offer(SSL* ssl, const std::string& sni, const std::vector<dane::KeyFamily>& only_keys) {
    if (!only_keys.empty() && !offer_only(ssl, only_keys)) {
        return "cannot offer only some signature algorithms: " +
               take_openssl_error("unknown error");
    }
    if (const std::string name = server_name(sni); !name.empty()) {
        // SSL_set_tlsext_host_name without the macro's C cast.
        if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(name.c_str())) != 1) {
            return "cannot set the server name: " + take_openssl_error("invalid name");
        }
    }
    return {};
}

HandshakeResult run_handshake(int fd, const std::string& sni, VersionRange versions,
                              Clock::time_point deadline, const Farewell& farewell,
                              const std::vector<dane::KeyFamily>& only_keys) {
    std::string context_error;
    SSL_CTX* context = shared_context(versions, context_error);
    if (context == nullptr) {
        return failed(context_error);
    }
    SslPtr ssl(SSL_new(context));
    BioPtr from_network(BIO_new(BIO_s_mem()));
    BioPtr to_network(BIO_new(BIO_s_mem()));
    if (!ssl || !from_network || !to_network) {
        return failed("cannot create a TLS connection: " + take_openssl_error("out of memory"));
    }
    if (std::string error = offer(ssl.get(), sni, only_keys); !error.empty()) {
        return failed(std::move(error));
    }
    // An empty input BIO means "wait for more", not end of stream.
    BIO_set_mem_eof_return(from_network.get(), -1);
    Transport transport(fd, from_network.get(), to_network.get());
    SSL_set_bio(ssl.get(), from_network.release(), to_network.release());
    SSL_set_connect_state(ssl.get());

    for (;;) {
        const int rc = SSL_connect(ssl.get());
        // Whatever OpenSSL produced (the next flight, or an alert) goes out first.
        const Wire sent = transport.flush(deadline);
        if (rc == 1) {
            if (sent == Wire::timed_out) {
                return failed("timed out", true);
            }
            break;
        }
        const int code = SSL_get_error(ssl.get(), rc);
        if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE) {
            if (code == SSL_ERROR_SYSCALL || code == SSL_ERROR_SSL) {
                return failed(take_openssl_error("the TLS handshake failed"));
            }
            ERR_clear_error();
            return failed("the TLS handshake failed (SSL error " + std::to_string(code) + ")");
        }
        if (sent == Wire::timed_out) {
            return failed("timed out", true);
        }
        if (sent == Wire::closed) {
            return failed("the server closed the connection during the handshake");
        }
        if (sent == Wire::failed) {
            return failed("cannot send to the server: " + transport.system_error());
        }
        switch (transport.fill(deadline)) {
        case Wire::ok:
            break;
        case Wire::timed_out:
            return failed("timed out", true);
        case Wire::closed:
            return failed("the server closed the connection during the handshake");
        case Wire::failed:
            return failed("cannot read from the server: " + transport.system_error());
        }
    }

    HandshakeResult result;
    result.ok = true;
    result.version = SSL_get_version(ssl.get());
    result.negotiated = version_from_number(SSL_version(ssl.get()));
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl.get())) {
        result.cipher = SSL_CIPHER_get_name(cipher);
    }
    result.chain = capture_chain(ssl.get());
    say_farewell(ssl.get(), transport, farewell, deadline);
    return result;
}

} // namespace

HandshakeResult client_handshake(int fd, const std::string& sni, VersionRange versions,
                                 std::chrono::steady_clock::time_point deadline,
                                 const Farewell& farewell,
                                 const std::vector<dane::KeyFamily>& only_keys) {
    // OpenSSL's error queue is per thread: start clean and leave nothing behind.
    ERR_clear_error();
    HandshakeResult result = run_handshake(fd, sni, versions, deadline, farewell, only_keys);
    ERR_clear_error();
    return result;
}

} // namespace danemon::tls
