// The STARTTLS prober against scripted loopback servers: what a user would see (failure
// kind, phase, detail) and that every probe ends within its limits. Times are bounds with
// generous margins, not benchmarks.
#include "danemon/smtp/prober.hpp"
#include "fake_smtp_server.hpp"
#include "tls_test_peer.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace facts = danemon::facts;
using danemon::facts::ProbeFailure;
using danemon::facts::ProbeResult;
using danemon::smtp::ProbeRequest;
using danemon::test::FakePeer;
using danemon::test::FakeSmtpServer;

constexpr auto margin = 1500ms;

ProbeRequest request_for(std::uint16_t port, const std::string& address = "127.0.0.1") {
    ProbeRequest request;
    request.endpoint = {"mx.fake.test", address, port};
    request.sni = "mx.fake.test";
    request.helo_name = "probe.danemon.test";
    request.limits.connect = 2000ms;
    request.limits.banner = 3000ms;
    request.limits.command = 3000ms;
    request.limits.handshake = 3000ms;
    request.limits.total = 10000ms;
    request.limits.quit = 1000ms;
    // The sessions of the other key types have tests of their own; elsewhere they would only
    // add connections to count.
    request.probe_keys = false;
    return request;
}

facts::ProbeResult probe(const ProbeRequest& request) {
    return danemon::smtp::make_starttls_prober()->probe(request);
}

const std::string ehlo_with_starttls =
    "250-mx.fake.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n";

// What the server saw, read after join().
struct Seen {
    std::vector<std::string> ehlo;
    std::vector<std::string> server_names;
    std::vector<std::string> quits;
};

// A well-behaved STARTTLS server whose TLS side accepts min..max.
danemon::test::Script starttls_server(SSL_CTX* context, Seen& seen) {
    return [context, &seen](FakePeer& peer, int) {
        peer.send("220 mx.fake.test ESMTP\r\n");
        auto ehlo = peer.read_line();
        if (!ehlo) {
            return;
        }
        seen.ehlo.push_back(*ehlo);
        peer.send(ehlo_with_starttls);
        if (peer.read_line() != "STARTTLS\r\n") {
            return;
        }
        peer.send("220 2.0.0 Ready to start TLS\r\n");
        auto ssl = danemon::test::accept_tls(context, peer.fd(), 3s);
        if (ssl) {
            seen.server_names.push_back(danemon::test::received_server_name(ssl.get()));
            seen.quits.push_back(danemon::test::serve_quit(ssl.get()));
        }
    };
}

// Banner and EHLO, then STARTTLS answered with 220; `after` does the rest.
danemon::test::Script up_to_starttls(std::function<void(FakePeer&)> after) {
    return [after = std::move(after)](FakePeer& peer, int) {
        peer.send("220 mx.fake.test ESMTP\r\n");
        if (!peer.read_line()) {
            return;
        }
        peer.send(ehlo_with_starttls);
        if (!peer.read_line()) {
            return;
        }
        after(peer);
    };
}

} // namespace

TEST_CASE("probe of a TLS 1.2/1.3 STARTTLS server captures the chain", "[prober]") {
    auto context = danemon::test::make_server_context(TLS1_2_VERSION, TLS1_3_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 2);
    const auto result = probe(request_for(server.port()));
    // The main dialogue and one offering TLS 1.0-1.1 (refused), each with EHLO, SNI, QUIT.
    CHECK(server.join() == 2);

    CHECK(result.failure == facts::ProbeFailure::none);
    CHECK(result.phase.empty());
    CHECK(result.detail.empty());
    CHECK(result.endpoint.host == "mx.fake.test");
    CHECK(result.banner == "220 mx.fake.test ESMTP");
    CHECK(result.starttls_offered);
    CHECK(result.tls_version == "TLSv1.3");
    CHECK_FALSE(result.cipher.empty());
    REQUIRE(result.chain.der.size() == 1);
    CHECK(result.chain.der.front() == danemon::test::test_certificate_der());
    CHECK(result.modern_tls);
    CHECK(result.legacy_tls.empty());
    CHECK(result.legacy_untested.empty());
    REQUIRE_FALSE(seen.ehlo.empty());
    CHECK(seen.ehlo.front() == "EHLO probe.danemon.test\r\n");
    REQUIRE(seen.server_names.size() == 1);
    CHECK(seen.server_names.front() == "mx.fake.test");
    CHECK(seen.quits == std::vector<std::string>{"QUIT\r\n"});
}

TEST_CASE("probe of a TLS 1.0/1.1-only server reports legacy-only TLS", "[prober]") {
    auto context = danemon::test::make_server_context(TLS1_VERSION, TLS1_1_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 2);
    const auto result = probe(request_for(server.port()));
    CHECK(server.join() == 2); // TLS 1.1 came from the main handshake

    CHECK(result.failure == facts::ProbeFailure::none);
    CHECK(result.tls_version == "TLSv1.1");
    CHECK_FALSE(result.modern_tls);
    CHECK(result.chain.der.size() == 1);
    CHECK(result.legacy_tls == std::vector<std::string>{"TLSv1", "TLSv1.1"});
    CHECK(result.legacy_untested.empty());
}

TEST_CASE("probe of a server accepting TLS 1.0 to 1.3 lists both legacy versions", "[prober]") {
    auto context = danemon::test::make_server_context(TLS1_VERSION, TLS1_3_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 3);
    const auto result = probe(request_for(server.port()));
    CHECK(server.join() == 3); // the main session, TLS 1.0-1.1 (taken as 1.1), TLS 1.0 alone

    CHECK(result.failure == facts::ProbeFailure::none);
    CHECK(result.tls_version == "TLSv1.3");
    CHECK(result.modern_tls);
    CHECK(result.legacy_tls == std::vector<std::string>{"TLSv1", "TLSv1.1"});
    CHECK(seen.server_names.size() == 3);
}

TEST_CASE("probe without probe_legacy makes a single connection", "[prober]") {
    auto context = danemon::test::make_server_context(TLS1_VERSION, TLS1_3_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 1);
    auto request = request_for(server.port());
    request.probe_legacy = false;
    const auto result = probe(request);
    CHECK(server.join() == 1);
    CHECK(result.failure == facts::ProbeFailure::none);
    CHECK(result.modern_tls);
    CHECK(result.legacy_tls.empty());
}

TEST_CASE("legacy versions probed after the main session give the same answer", "[prober]") {
    auto context = danemon::test::make_server_context(TLS1_1_VERSION, TLS1_3_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 3);
    auto request = request_for(server.port());
    request.probe_legacy = false;
    auto prober = danemon::smtp::make_starttls_prober();
    auto result = prober->probe(request);
    CHECK(server.accepted() == 1);
    request.probe_legacy = true; // what the second pass is asked to do
    prober->second_pass(request, result);
    CHECK(server.join() == 3); // TLS 1.0-1.1 (taken as 1.1), then TLS 1.0 alone (refused)

    CHECK(result.failure == facts::ProbeFailure::none);
    CHECK(result.tls_version == "TLSv1.3");
    CHECK(result.legacy_tls == std::vector<std::string>{"TLSv1.1"});
    CHECK(result.legacy_untested.empty());
}

TEST_CASE("legacy probe after a main session that used up the probe's time", "[prober]") {
    auto context = danemon::test::make_server_context(TLS1_VERSION, TLS1_3_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 1);
    auto request = request_for(server.port());
    request.probe_legacy = false;
    auto prober = danemon::smtp::make_starttls_prober();
    auto result = prober->probe(request);
    CHECK(server.join() == 1);
    REQUIRE(result.failure == facts::ProbeFailure::none);
    result.elapsed = request.limits.total;
    const auto start = std::chrono::steady_clock::now();
    request.probe_legacy = true;
    prober->second_pass(request, result);
    CHECK(std::chrono::steady_clock::now() - start < margin);
    CHECK(result.legacy_tls.empty());
    CHECK(result.legacy_untested == std::vector<std::string>{"TLSv1", "TLSv1.1"});
}

TEST_CASE("probe over IPv6 loopback", "[prober]") {
    if (!danemon::test::ipv6_loopback_available()) {
        WARN("::1 is not available here; skipped");
        return;
    }
    auto context = danemon::test::make_server_context(TLS1_2_VERSION, TLS1_3_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 1, "::1");
    auto request = request_for(server.port(), "::1");
    request.probe_legacy = false;
    const auto result = probe(request);
    CHECK(server.join() == 1);
    CHECK(result.failure == facts::ProbeFailure::none);
    CHECK(result.chain.der.size() == 1);
}

TEST_CASE("probe of a server without STARTTLS in EHLO reports starttls_missing", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) {
        peer.send("220 mx.fake.test ESMTP\r\n");
        if (peer.read_line()) {
            peer.send("250-mx.fake.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        }
        if (peer.read_line() == "QUIT\r\n") {
            peer.send("221 Bye\r\n");
        }
    });
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::starttls_missing);
    CHECK(result.phase == "ehlo");
    CHECK_FALSE(result.starttls_offered);
    CHECK(result.banner == "220 mx.fake.test ESMTP");
    CHECK(result.chain.empty());
}

TEST_CASE("probe matches the STARTTLS keyword case-insensitively", "[prober]") {
    auto context = danemon::test::make_server_context(TLS1_2_VERSION, TLS1_3_VERSION);
    FakeSmtpServer server([&context](FakePeer& peer, int) {
        peer.send("220 mx.fake.test ESMTP\r\n");
        if (!peer.read_line()) {
            return;
        }
        peer.send("250-mx.fake.test\r\n250 starttls\r\n");
        if (!peer.read_line()) {
            return;
        }
        peer.send("220 go ahead\r\n");
        auto ssl = danemon::test::accept_tls(context.get(), peer.fd(), 3s);
        if (ssl) {
            danemon::test::serve_quit(ssl.get());
        }
    });
    auto request = request_for(server.port());
    request.probe_legacy = false;
    CHECK(probe(request).failure == facts::ProbeFailure::none);
}

TEST_CASE("probe of a server greeting with 554 reports smtp_error at the banner", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) {
        peer.send("554 5.7.1 No SMTP service here\r\n");
        if (peer.read_line() == "QUIT\r\n") {
            peer.send("221 Bye\r\n");
        }
    });
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "banner");
    CHECK(result.detail == "the server greeted with 554 5.7.1 No SMTP service here");
    CHECK(result.banner == "554 5.7.1 No SMTP service here");
}

TEST_CASE("probe of a server that never sends a banner ends at the banner limit", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) { peer.wait_for_close(); });
    auto request = request_for(server.port());
    request.limits.banner = 300ms;
    const auto result = probe(request);
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "banner");
    CHECK(result.detail == "no complete banner within 300 ms");
    CHECK(result.elapsed >= 290ms);
    CHECK(result.elapsed < 300ms + margin);
}

TEST_CASE("probe of a silent server ends at the probe deadline", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) { peer.wait_for_close(); });
    auto request = request_for(server.port());
    request.limits.total = 400ms; // earlier than the 3 s banner limit
    const auto result = probe(request);
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "banner");
    CHECK(result.detail == "no complete banner before the probe's deadline of 400 ms");
    CHECK(result.elapsed < 400ms + margin);
}

TEST_CASE("probe of a port nobody listens on reports unreachable", "[prober]") {
    const auto result = probe(request_for(danemon::test::closed_port()));
    CHECK(result.failure == facts::ProbeFailure::unreachable);
    CHECK(result.phase == "connect");
    CHECK(result.detail == "Connection refused");
    CHECK(result.elapsed < margin);
}

TEST_CASE("probe of an address that is not a literal reports unreachable", "[prober]") {
    const auto result = probe(request_for(25, "mx.fake.test"));
    CHECK(result.failure == facts::ProbeFailure::unreachable);
    CHECK(result.phase == "connect");
    CHECK(result.detail.rfind("not an IP address", 0) == 0);
}

TEST_CASE("probe of a server answering the ClientHello with garbage reports tls_failed",
          "[prober]") {
    FakeSmtpServer server(up_to_starttls([](FakePeer& peer) {
        peer.send("220 2.0.0 Ready\r\n");
        if (peer.read_some()) {
            peer.send("HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS at all\r\n");
        }
        peer.wait_for_close(2s);
    }));
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::tls_failed);
    CHECK(result.phase == "handshake");
    CHECK_FALSE(result.detail.empty());
    CHECK(result.chain.empty());
    CHECK(result.elapsed < 3000ms + margin);
}

TEST_CASE("probe rejects plaintext sent after the 220 to STARTTLS (CVE-2011-0411)", "[prober]") {
    FakeSmtpServer server(up_to_starttls([](FakePeer& peer) {
        peer.send("220 2.0.0 Ready\r\n250 injected\r\n"); // one write, one segment
        peer.wait_for_close(2s);
    }));
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "starttls");
    CHECK(result.detail ==
          "the server sent 14 bytes after its 220 reply to STARTTLS, before the TLS handshake");
}

TEST_CASE("probe of a server that closes mid-handshake reports tls_failed", "[prober]") {
    FakeSmtpServer server(up_to_starttls([](FakePeer& peer) {
        peer.send("220 2.0.0 Ready\r\n");
        peer.read_some(); // part of the ClientHello, then the connection is closed
    }));
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::tls_failed);
    CHECK(result.phase == "handshake");
    CHECK(result.detail == "the server closed the connection during the handshake");
}

TEST_CASE("probe of a server that never answers the ClientHello ends at the handshake limit",
          "[prober]") {
    FakeSmtpServer server(up_to_starttls([](FakePeer& peer) {
        peer.send("220 2.0.0 Ready\r\n");
        peer.wait_for_close();
    }));
    auto request = request_for(server.port());
    request.limits.handshake = 300ms;
    const auto result = probe(request);
    CHECK(result.failure == facts::ProbeFailure::tls_failed);
    CHECK(result.phase == "handshake");
    CHECK(result.detail == "no TLS handshake within 300 ms");
    CHECK(result.elapsed < 300ms + margin);
}

TEST_CASE("probe answered with 454 to STARTTLS reports smtp_error", "[prober]") {
    FakeSmtpServer server(up_to_starttls([](FakePeer& peer) {
        peer.send("454 4.7.0 TLS not available due to local problem\r\n");
        if (peer.read_line() == "QUIT\r\n") {
            peer.send("221 Bye\r\n");
        }
    }));
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "starttls");
    CHECK(result.detail ==
          "STARTTLS was answered with 454 4.7.0 TLS not available due to local problem");
}

TEST_CASE("probe of an endless 250- EHLO reply reports smtp_error", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) {
        peer.send("220 mx.fake.test ESMTP\r\n");
        if (!peer.read_line()) {
            return;
        }
        const auto until = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < until && peer.send("250-PIPELINING\r\n")) {
        }
    });
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "ehlo");
    CHECK(result.detail == "protocol error in the reply to EHLO: reply longer than 200 lines");
    CHECK(result.elapsed < margin);
}

TEST_CASE("probe of a trickling server ends at the phase limit", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) {
        const std::string banner = "220 mx.fake.test ESMTP slowly\r\n";
        for (const char c : banner) {
            if (!peer.send(std::string(1, c))) {
                return;
            }
            std::this_thread::sleep_for(100ms);
        }
    });
    auto request = request_for(server.port());
    request.limits.banner = 500ms;
    const auto result = probe(request);
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "banner");
    CHECK(result.detail == "no complete banner within 500 ms");
    CHECK(result.elapsed < 500ms + margin);
}

TEST_CASE("probe refuses an EHLO name that would inject commands", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) {
        peer.send("220 mx.fake.test ESMTP\r\n");
        peer.wait_for_close(2s);
    });
    auto request = request_for(server.port());
    request.helo_name = "probe.test\r\nMAIL FROM:<x@y>";
    const auto result = probe(request);
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "ehlo");
    CHECK(result.detail == "the configured EHLO name is invalid");
}

TEST_CASE("probe of an address whose connect never completes ends at the connect limit",
          "[prober]") {
    // A listener that never accepts, its accept queue filled by one connection: Linux drops
    // further SYNs, so a connect neither succeeds nor is refused (a filtering firewall).
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(listener, 0) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const int queued = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(::connect(queued, reinterpret_cast<sockaddr*>(&address), length) == 0);

    auto request = request_for(ntohs(address.sin_port));
    request.limits.connect = 300ms;
    const auto result = probe(request);
    CHECK(result.failure == facts::ProbeFailure::unreachable);
    CHECK(result.phase == "connect");
    CHECK(result.detail == "no TCP connection within 300 ms");
    CHECK(result.elapsed >= 290ms);
    CHECK(result.elapsed < 300ms + margin);
    ::close(queued);
    ::close(listener);
}

TEST_CASE("probe of a server whose reply codes are not numeric reports smtp_error", "[prober]") {
    FakeSmtpServer server([](FakePeer& peer, int) {
        peer.send("2x0 mx.fake.test ESMTP\r\n");
        peer.wait_for_close();
    });
    const auto result = probe(request_for(server.port()));
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "banner");
    CHECK(result.detail == "protocol error in the banner: reply line without a reply code: \"2x0 "
                           "mx.fake.test ESMTP\"");
    CHECK(result.elapsed < margin);
}

namespace {

using danemon::test::TestKey;

const danemon::test::TestCertificate& rsa_certificate() {
    static const auto made = danemon::test::make_test_certificate(
        {.common_name = "mx.fake.test", .key = TestKey::rsa_2048});
    return made;
}

const danemon::test::TestCertificate& ecdsa_certificate() {
    static const auto made = danemon::test::make_test_certificate(
        {.common_name = "mx.fake.test", .key = TestKey::ec_p256});
    return made;
}

ProbeRequest keys_only(std::uint16_t port) {
    auto request = request_for(port);
    request.probe_keys = true;
    request.probe_legacy = false;
    return request;
}

} // namespace

TEST_CASE("a server with an ECDSA and an RSA key: the RSA certificate is fetched too",
          "[prober][keys]") {
    auto context = danemon::test::make_server_context(TLS1_2_VERSION, TLS1_3_VERSION,
                                                      {&ecdsa_certificate(), &rsa_certificate()});
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 3);
    const auto result = probe(keys_only(server.port()));
    // The main session (ECDSA, OpenSSL's preference), one offering RSA and Ed25519 (served
    // RSA), one offering only Ed25519 (refused: no such key).
    CHECK(server.join() == 3);
    REQUIRE(result.failure == facts::ProbeFailure::none);
    REQUIRE(result.chain.der.size() == 1);
    CHECK(result.chain.der.front() == ecdsa_certificate().der);
    REQUIRE(result.other_keys.size() == 1);
    CHECK(result.other_keys.front().type == "RSA 2048");
    CHECK(result.other_keys.front().family == "RSA");
    CHECK(result.other_keys.front().tls_version == "TLSv1.3");
    REQUIRE(result.other_keys.front().chain.der.size() == 1);
    CHECK(result.other_keys.front().chain.der.front() == rsa_certificate().der);
    CHECK(result.keys_untested.empty());
    CHECK(seen.quits.size() == 2); // the refused Ed25519 handshake never got to QUIT
}

TEST_CASE("a server with one key: the other key types are refused, none untested",
          "[prober][keys]") {
    auto context = danemon::test::make_server_context(TLS1_2_VERSION, TLS1_2_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 3);
    const auto result = probe(keys_only(server.port()));
    CHECK(server.join() == 2); // one session offering every other key type: refused
    REQUIRE(result.failure == facts::ProbeFailure::none);
    CHECK(result.other_keys.empty());
    CHECK(result.keys_untested.empty());
}

TEST_CASE("a key session that ends before the handshake leaves that key type untested",
          "[prober][keys]") {
    auto context = danemon::test::make_server_context(TLS1_2_VERSION, TLS1_3_VERSION);
    Seen seen;
    auto serve = starttls_server(context.get(), seen);
    // The main session as usual; later connections are greeted with 421 and closed.
    FakeSmtpServer server(
        [serve](FakePeer& peer, int index) {
            if (index == 0) return serve(peer, index);
            peer.send("421 4.3.2 busy\r\n");
        },
        2);
    const auto result = probe(keys_only(server.port()));
    CHECK(server.join() == 2);
    REQUIRE(result.failure == facts::ProbeFailure::none);
    CHECK(result.other_keys.empty());
    CHECK(result.keys_untested == std::vector<std::string>{"RSA", "Ed25519"});
}

TEST_CASE("no key sessions below TLS 1.2, nor with probe_keys off", "[prober][keys]") {
    const bool legacy_server = GENERATE(true, false);
    auto context = legacy_server
                       ? danemon::test::make_server_context(TLS1_1_VERSION, TLS1_1_VERSION)
                       : danemon::test::make_server_context(TLS1_2_VERSION, TLS1_3_VERSION);
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 1);
    auto request = keys_only(server.port());
    request.probe_keys = legacy_server; // a TLS 1.1 server has no signature algorithms to ask by
    const auto result = probe(request);
    CHECK(server.join() == 1);
    CHECK(result.failure == facts::ProbeFailure::none);
    CHECK(result.other_keys.empty());
    CHECK(result.keys_untested.empty());
}

TEST_CASE("a server with ECDSA, RSA and Ed25519 keys: every certificate, one session each",
          "[prober][keys]") {
    static const auto ed25519 = danemon::test::make_test_certificate(
        {.common_name = "mx.fake.test", .key = TestKey::ed25519});
    auto context = danemon::test::make_server_context(
        TLS1_2_VERSION, TLS1_3_VERSION, {&ecdsa_certificate(), &rsa_certificate(), &ed25519});
    Seen seen;
    FakeSmtpServer server(starttls_server(context.get(), seen), 3);
    const auto result = probe(keys_only(server.port()));
    CHECK(server.join() == 3); // nothing left to ask for after the third
    REQUIRE(result.failure == facts::ProbeFailure::none);
    std::vector<std::string> types;
    for (const auto& key : result.other_keys)
        types.push_back(key.type);
    std::sort(types.begin(), types.end());
    CHECK(types == std::vector<std::string>{"Ed25519", "RSA 2048"});
    CHECK(result.keys_untested.empty());
}
