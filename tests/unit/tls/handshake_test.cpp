// tls::client_handshake against an in-process TLS server over a socket pair.
#include "danemon/tls/handshake.hpp"
#include "tls_test_peer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using danemon::tls::client_handshake;
using danemon::tls::Farewell;
using danemon::tls::Version;
using danemon::tls::VersionRange;
using Clock = std::chrono::steady_clock;

class SocketPair {
public:
    SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) == 0); }
    ~SocketPair() {
        ::close(fds_[0]);
        close_server();
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;
    int client() const { return fds_[0]; }
    int server() const { return fds_[1]; }
    void close_server() {
        if (fds_[1] >= 0) {
            ::close(fds_[1]);
            fds_[1] = -1;
        }
    }

private:
    int fds_[2] = {-1, -1};
};

// Runs SSL_accept (and the QUIT exchange) on the server end in a bounded thread.
struct TlsServer {
    TlsServer(SocketPair& pair, int min_version, int max_version)
        : TlsServer(pair, danemon::test::make_server_context(min_version, max_version)) {}
    TlsServer(SocketPair& pair, danemon::test::ServerContext server_context)
        : context(std::move(server_context))
        , thread([this, &pair] {
            auto ssl = danemon::test::accept_tls(context.get(), pair.server(), 3s);
            if (ssl) {
                server_name = danemon::test::received_server_name(ssl.get());
                quit_line = danemon::test::serve_quit(ssl.get());
            }
        }) {}
    ~TlsServer() { join(); }
    TlsServer(const TlsServer&) = delete;
    TlsServer& operator=(const TlsServer&) = delete;
    void join() {
        if (thread.joinable()) {
            thread.join();
        }
    }

    danemon::test::ServerContext context;
    std::string server_name;
    std::string quit_line;
    std::thread thread;
};

} // namespace

TEST_CASE("to_string names versions as OpenSSL does", "[tls]") {
    CHECK(std::string(danemon::tls::to_string(Version::tls1_0)) == "TLSv1");
    CHECK(std::string(danemon::tls::to_string(Version::tls1_1)) == "TLSv1.1");
    CHECK(std::string(danemon::tls::to_string(Version::tls1_2)) == "TLSv1.2");
    CHECK(std::string(danemon::tls::to_string(Version::tls1_3)) == "TLSv1.3");
}

TEST_CASE("client_handshake captures version, cipher and the served chain", "[tls]") {
    SocketPair pair;
    TlsServer server(pair, TLS1_2_VERSION, TLS1_3_VERSION);
    const auto result = client_handshake(pair.client(), "mx.example.net.", {}, Clock::now() + 5s,
                                         Farewell{"QUIT\r\n", 2000ms});
    server.join();
    REQUIRE(result.ok);
    CHECK(result.error.empty());
    CHECK(result.version == "TLSv1.3");
    CHECK(result.negotiated == Version::tls1_3);
    CHECK_FALSE(result.cipher.empty());
    REQUIRE(result.chain.der.size() == 1);
    CHECK(result.chain.der.front() == danemon::test::test_certificate_der());
    CHECK(server.server_name == "mx.example.net"); // RFC 6066: no trailing dot in SNI
    CHECK(server.quit_line == "QUIT\r\n");
}

TEST_CASE("client_handshake reaches a TLS 1.0-only server despite the system's defaults", "[tls]") {
    SocketPair pair;
    TlsServer server(pair, TLS1_VERSION, TLS1_VERSION);
    const auto result = client_handshake(pair.client(), "mx.example.net",
                                         {Version::tls1_0, Version::tls1_0}, Clock::now() + 5s);
    server.join();
    REQUIRE(result.ok);
    CHECK(result.version == "TLSv1");
    CHECK(result.negotiated == Version::tls1_0);
    CHECK(result.chain.der.size() == 1);
}

TEST_CASE("client_handshake limited to TLS 1.2 fails against a TLS 1.3-only server", "[tls]") {
    SocketPair pair;
    TlsServer server(pair, TLS1_3_VERSION, TLS1_3_VERSION);
    const auto result = client_handshake(pair.client(), "mx.example.net",
                                         {Version::tls1_2, Version::tls1_2}, Clock::now() + 5s);
    server.join();
    CHECK_FALSE(result.ok);
    CHECK_FALSE(result.timed_out);
    CHECK_FALSE(result.error.empty());
    CHECK(result.error.find("version") != std::string::npos);
    CHECK(result.chain.empty());
}

TEST_CASE("client_handshake gives up at the deadline when the server never answers", "[tls]") {
    SocketPair pair;
    const auto start = Clock::now();
    const auto result = client_handshake(pair.client(), "", {}, start + 300ms);
    const auto elapsed = Clock::now() - start;
    CHECK_FALSE(result.ok);
    CHECK(result.timed_out);
    CHECK(result.error == "timed out");
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 1500ms);
}

TEST_CASE("client_handshake reports a server that closes mid-handshake", "[tls]") {
    SocketPair pair;
    std::thread server([&pair] {
        char hello[64];
        timeval timeout{2, 0};
        setsockopt(pair.server(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        (void)::recv(pair.server(), hello, sizeof hello, 0); // part of the ClientHello
        pair.close_server();
    });
    const auto result = client_handshake(pair.client(), "mx.example.net", {}, Clock::now() + 5s);
    server.join();
    CHECK_FALSE(result.ok);
    CHECK_FALSE(result.timed_out);
    CHECK(result.error.find("closed") != std::string::npos);
}

TEST_CASE("client_handshake may run on several threads sharing the contexts", "[tls]") {
    constexpr int probes = 4;
    std::vector<std::unique_ptr<SocketPair>> pairs;
    std::vector<std::unique_ptr<TlsServer>> servers;
    for (int i = 0; i < probes; ++i) {
        pairs.push_back(std::make_unique<SocketPair>());
        servers.push_back(std::make_unique<TlsServer>(*pairs.back(), TLS1_VERSION, TLS1_3_VERSION));
    }
    std::vector<danemon::tls::HandshakeResult> results(probes);
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < probes; ++i) {
        clients.emplace_back([&, i] {
            const VersionRange versions =
                i % 2 == 0 ? VersionRange{} : VersionRange{Version::tls1_1, Version::tls1_1};
            results[i] = client_handshake(pairs[i]->client(), "mx.example.net", versions,
                                          Clock::now() + 5s, Farewell{"QUIT\r\n", 2000ms});
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    for (std::size_t i = 0; i < probes; ++i) {
        INFO("probe " << i);
        CHECK(results[i].ok);
        CHECK(results[i].version == (i % 2 == 0 ? "TLSv1.3" : "TLSv1.1"));
    }
}

namespace {

// Records the alerts a server receives, as (level << 8) | description.
void record_alert(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*,
                  void* arg) {
    if (write_p != 0 || content_type != SSL3_RT_ALERT || len != 2) {
        return;
    }
    const auto* bytes = static_cast<const unsigned char*>(buf);
    static_cast<std::vector<int>*>(arg)->push_back((bytes[0] << 8) | bytes[1]);
}

} // namespace

TEST_CASE("client_handshake refuses a renegotiation request at once and keeps the chain", "[tls]") {
    // The server asks for renegotiation (HelloRequest) right after the handshake and then
    // waits for the client's answer instead of answering QUIT.
    SocketPair pair;
    auto context = danemon::test::make_server_context(TLS1_2_VERSION, TLS1_2_VERSION);
    std::vector<int> alerts;
    std::string quit;
    std::thread server([&] {
        auto ssl = danemon::test::accept_tls(context.get(), pair.server(), 3s);
        if (!ssl) {
            return;
        }
        SSL_set_msg_callback(ssl.get(), record_alert);
        SSL_set_msg_callback_arg(ssl.get(), &alerts);
        if (SSL_renegotiate(ssl.get()) != 1) {
            return;
        }
        SSL_do_handshake(ssl.get()); // sends the HelloRequest
        char buffer[256];
        int n = 0;
        while ((n = SSL_read(ssl.get(), buffer, sizeof buffer)) > 0) {
            quit.append(buffer, static_cast<std::size_t>(n));
        }
        pair.close_server();
    });
    const auto start = Clock::now();
    const auto result = client_handshake(pair.client(), "mx.example.net", {}, start + 5s,
                                         Farewell{"QUIT\r\n", 3000ms});
    const auto elapsed = Clock::now() - start;
    server.join();
    REQUIRE(result.ok);
    CHECK(result.version == "TLSv1.2");
    REQUIRE(result.chain.der.size() == 1);
    CHECK(result.chain.der.front() == danemon::test::test_certificate_der());
    CHECK(quit == "QUIT\r\n");
    const int refusal = (SSL3_AL_WARNING << 8) | SSL_AD_NO_RENEGOTIATION;
    CHECK(std::find(alerts.begin(), alerts.end(), refusal) != alerts.end());
    // The refusal goes out before the client waits for a reply: the server's fatal alert
    // ends the farewell long before its 3 s limit (a loaded or sanitized build gets 2.5 s).
    CHECK(elapsed < 2500ms);
}

namespace {

using danemon::dane::KeyFamily;
using danemon::test::TestKey;

// One certificate per key type of probed_key_families, made once.
const danemon::test::TestCertificate& certificate_of(KeyFamily family) {
    static const auto ecdsa = danemon::test::make_test_certificate(
        {.common_name = "ecdsa.fake.test", .key = TestKey::ec_p256});
    static const auto rsa = danemon::test::make_test_certificate(
        {.common_name = "rsa.fake.test", .key = TestKey::rsa_2048});
    static const auto ed25519 = danemon::test::make_test_certificate(
        {.common_name = "ed25519.fake.test", .key = TestKey::ed25519});
    return family == KeyFamily::rsa ? rsa : family == KeyFamily::ed25519 ? ed25519 : ecdsa;
}

} // namespace

TEST_CASE("key_offer: the signature algorithms and TLS 1.2 suites of the families asked for",
          "[tls]") {
    using danemon::tls::key_offer;
    const auto ecdsa = key_offer({KeyFamily::ecdsa});
    CHECK(ecdsa.signature_algorithms ==
          "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ECDSA+SHA224:ECDSA+SHA1");
    CHECK(ecdsa.tls12_ciphers == "aECDSA:@SECLEVEL=0");
    // RSA-PSS first: what TLS 1.3 requires of an RSA key; PKCS#1 v1.5 for TLS 1.2 servers.
    const auto rsa = key_offer({KeyFamily::rsa});
    CHECK(rsa.signature_algorithms.find("rsa_pss_rsae_sha256") == 0);
    CHECK(rsa.signature_algorithms.find("RSA+SHA256") != std::string::npos);
    CHECK(rsa.signature_algorithms.find("ECDSA") == std::string::npos);
    CHECK(rsa.tls12_ciphers == "aRSA:@SECLEVEL=0");
    // EdDSA has no TLS 1.2 suites of its own: the ECDSA ones.
    const auto ed25519 = key_offer({KeyFamily::ed25519});
    CHECK(ed25519.signature_algorithms == "ed25519");
    CHECK(ed25519.tls12_ciphers == "aECDSA:@SECLEVEL=0");
    // Several families: every one's algorithms, each suite once.
    const auto both = key_offer({KeyFamily::rsa, KeyFamily::ed25519});
    CHECK(both.signature_algorithms == rsa.signature_algorithms + ":ed25519");
    CHECK(both.tls12_ciphers == "aECDSA:aRSA:@SECLEVEL=0");
    CHECK(key_offer({}).signature_algorithms.empty());
    CHECK(key_offer({KeyFamily::other}).tls12_ciphers.empty());
}

TEST_CASE("client_handshake offering one key family is served that family's certificate", "[tls]") {
    const int version = GENERATE(TLS1_2_VERSION, TLS1_3_VERSION);
    const KeyFamily family = GENERATE(KeyFamily::ecdsa, KeyFamily::rsa, KeyFamily::ed25519);
    INFO("TLS version " << std::hex << version << ", " << danemon::dane::to_string(family));
    SocketPair pair;
    TlsServer server(pair, danemon::test::make_server_context(
                               version, version,
                               {&certificate_of(KeyFamily::ecdsa), &certificate_of(KeyFamily::rsa),
                                &certificate_of(KeyFamily::ed25519)}));
    const auto result = client_handshake(pair.client(), "mx.example.net", {}, Clock::now() + 5s,
                                         Farewell{"QUIT\r\n", 2000ms}, {family});
    server.join();
    REQUIRE(result.ok);
    REQUIRE(result.chain.der.size() == 1);
    CHECK(result.chain.der.front() == certificate_of(family).der);
    CHECK(danemon::dane::leaf_key_type(result.chain)->family == family);
}

TEST_CASE("client_handshake offering key families the server lacks is refused", "[tls]") {
    const int version = GENERATE(TLS1_2_VERSION, TLS1_3_VERSION);
    SocketPair pair;
    TlsServer server(pair, danemon::test::make_server_context(version, version,
                                                              {&certificate_of(KeyFamily::ecdsa)}));
    const auto result = client_handshake(pair.client(), "mx.example.net", {}, Clock::now() + 5s,
                                         Farewell{}, {KeyFamily::rsa, KeyFamily::ed25519});
    server.join();
    CHECK_FALSE(result.ok);
    CHECK_FALSE(result.timed_out);
    CHECK(result.chain.empty());
}

TEST_CASE("client_handshake offering two key families is served the one the server has", "[tls]") {
    const int version = GENERATE(TLS1_2_VERSION, TLS1_3_VERSION);
    SocketPair pair;
    TlsServer server(pair, danemon::test::make_server_context(version, version,
                                                              {&certificate_of(KeyFamily::ecdsa),
                                                               &certificate_of(KeyFamily::rsa)}));
    const auto result = client_handshake(pair.client(), "mx.example.net", {}, Clock::now() + 5s,
                                         Farewell{}, {KeyFamily::rsa, KeyFamily::ed25519});
    server.join();
    REQUIRE(result.ok);
    REQUIRE_FALSE(result.chain.empty());
    CHECK(result.chain.der.front() == certificate_of(KeyFamily::rsa).der);
}
