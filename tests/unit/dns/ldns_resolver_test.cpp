// The real ldns resolver against a loopback UDP socket that never answers: a lookup that
// timed out is an error value, and the next lookup is still sent (ldns_resolver_timeout).
#include "danemon/dns/resolver.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using namespace danemon::dns;
namespace facts = danemon::facts;

namespace {

// A bound UDP socket on 127.0.0.1 that reads queries and never replies.
class SilentServer {
public:
    SilentServer() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
    }
    ~SilentServer() { ::close(fd_); }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;

    std::uint16_t port() const { return port_; }
    // Reads every query that arrived; true when one of them asks for `label`.
    bool received(const std::string& label) {
        bool seen = false;
        char buffer[1500];
        pollfd p{fd_, POLLIN, 0};
        while (::poll(&p, 1, 0) == 1) {
            ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            seen = seen || std::string(buffer, static_cast<std::size_t>(n)).find(label) !=
                               std::string::npos;
        }
        return seen;
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

} // namespace

TEST_CASE("a lookup that timed out does not fail the following lookups at once") {
    SilentServer server;
    ResolverOptions options;
    options.server = {"127.0.0.1", server.port()};
    options.timeout = std::chrono::milliseconds(300);
    auto resolver = make_ldns_resolver(options);

    auto first = resolver->lookup_tlsa("_25._tcp.first.test");
    CHECK(first.status == facts::LookupStatus::error);
    CHECK(server.received("first"));

    // The same (reused) ldns handle asks again instead of failing with "No (valid)
    // nameservers defined in the resolver".
    auto second = resolver->lookup_addresses("second.test", facts::AddressFamily::ipv4);
    CHECK(second.status == facts::LookupStatus::error);
    CHECK(second.why.find("No (valid) nameservers") == std::string::npos);
    CHECK(server.received("second"));
}

TEST_CASE("a resolver off this host is marked remote; its name is the report's validator") {
    ResolverOptions options;
    options.server = {"192.0.2.53", 53};
    options.deadline = std::chrono::steady_clock::now(); // used up: nothing is sent
    auto resolver = make_ldns_resolver(options);
    const auto check = resolver->check_validation();
    CHECK(check.remote);
    CHECK_FALSE(check.validating);
    CHECK(check.validator == "resolver 192.0.2.53 (AD bit)");
    CHECK_THAT(check.why, Catch::Contains("not asked"));

    options.server = {"127.0.0.1", 5353};
    CHECK_FALSE(make_ldns_resolver(options)->check_validation().remote);
    CHECK(make_ldns_resolver(options)->describe() == "resolver 127.0.0.1:5353 (AD bit)");
}
