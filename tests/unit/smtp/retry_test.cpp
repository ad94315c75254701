// A passing fault is not a verdict: a connection closed before the banner (a server
// restarting, a full accept queue) is tried once more after a pause, within the deadline.
#include "danemon/smtp/prober.hpp"
#include "fake_smtp_server.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace danemon;
using danemon::test::FakePeer;
using danemon::test::FakeSmtpServer;

namespace {

// Closes its first `drops` connections at once, then answers like a server without
// STARTTLS.
test::Script restarting(int drops) {
    return [drops](FakePeer& peer, int index) {
        if (index < drops) return; // closed before the banner
        peer.send("220 back.test ESMTP\r\n");
        while (const auto line = peer.read_line()) {
            if (line->rfind("QUIT", 0) == 0) {
                peer.send("221 bye\r\n");
                return;
            }
            peer.send("250 back.test\r\n");
        }
    };
}

smtp::ProbeRequest request(std::uint16_t port) {
    smtp::ProbeRequest r;
    r.endpoint = {"mx.example.test", "127.0.0.1", port};
    r.sni = "mx.example.test";
    r.helo_name = "client.example.test";
    r.limits = smtp::PhaseLimits::within(std::chrono::seconds(5));
    r.probe_legacy = false;
    return r;
}

} // namespace

TEST_CASE("a connection closed before the banner is tried once more") {
    FakeSmtpServer server(restarting(1), 2);
    const auto result = smtp::make_starttls_prober()->probe(request(server.port()));
    CHECK(server.join() == 2);
    // The second session got through to EHLO: the verdict is the server's, not the blip's.
    CHECK(result.failure == facts::ProbeFailure::starttls_missing);
}

TEST_CASE("a server that keeps closing before the banner is an smtp-error after one retry") {
    FakeSmtpServer server(restarting(5), 5);
    const auto started = std::chrono::steady_clock::now();
    const auto result = smtp::make_starttls_prober()->probe(request(server.port()));
    CHECK(result.failure == facts::ProbeFailure::smtp_error);
    CHECK(result.phase == "banner");
    CHECK(server.join() == 2);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
}

TEST_CASE("a refused connection is tried once more, then is mx-unreachable") {
    // Nothing listens on the port, so both tries are refused.
    const auto started = std::chrono::steady_clock::now();
    const auto result = smtp::make_starttls_prober()->probe(request(test::closed_port()));
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(result.failure == facts::ProbeFailure::unreachable);
    CHECK(took >= std::chrono::milliseconds(900)); // the pause before the second try
    CHECK(took < std::chrono::seconds(3));
}
