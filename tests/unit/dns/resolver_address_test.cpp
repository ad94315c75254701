// --resolver parsing and resolv.conf reading: what a user types, what they get back.
#include "danemon/dns/resolver.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

using namespace danemon::dns;

TEST_CASE("resolver address forms a user may type") {
    CHECK(parse_resolver_address("127.0.0.1").address == "127.0.0.1");
    CHECK(parse_resolver_address("127.0.0.1").port == 53);
    CHECK(parse_resolver_address("127.0.53.2:5353").port == 5353);
    CHECK(parse_resolver_address("::1").address == "::1");
    CHECK(parse_resolver_address("::1").port == 53);
    auto v6 = parse_resolver_address("[2001:db8::1]:8053");
    CHECK(v6.address == "2001:db8::1");
    CHECK(v6.port == 8053);
}

TEST_CASE("resolver address that is not an address is refused with the text in the message") {
    for (const char* bad : {"resolver.example", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x",
                            "[::1", "[::1]x", ""}) {
        INFO(bad);
        try {
            parse_resolver_address(bad);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find(std::string("'") + bad + "'") != std::string::npos);
        }
    }
}

TEST_CASE("resolv.conf: the first usable nameserver wins") {
    char path[] = "/tmp/danemon-resolv-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    {
        std::ofstream out(path);
        out << "# comment\nsearch example.org\nnameserver fe80::1%eth0\nnameserver 192.0.2.53\n"
               "nameserver 192.0.2.54\n";
    }
    auto server = system_resolver(path);
    CHECK(server.address == "192.0.2.53");
    CHECK(server.port == 53);
    {
        std::ofstream out(path, std::ios::trunc);
        out << "search example.org\n";
    }
    CHECK_THROWS_WITH(system_resolver(path), Catch::Contains("no nameserver"));
    std::remove(path);
    CHECK_THROWS_WITH(system_resolver(path), Catch::Contains("cannot read"));
}

TEST_CASE("a resolver address is written back as the user would type it") {
    // "::1:5399" would be an address of its own; an IPv6 address with a port needs brackets.
    CHECK(to_string(parse_resolver_address("[::1]:5399")) == "[::1]:5399");
    CHECK(to_string(parse_resolver_address("::1")) == "::1");
    CHECK(to_string(parse_resolver_address("127.0.53.2:5353")) == "127.0.53.2:5353");
    CHECK(to_string(parse_resolver_address("127.0.0.1")) == "127.0.0.1");
}

TEST_CASE("mail domains as users give them: normalized, or one phrase why not") {
    CHECK(*parse_mail_domain("Example.ORG.") == "example.org");
    CHECK(parse_mail_domain("").error() == "the domain name is empty");
    CHECK(parse_mail_domain("b\xc3\xbc"
                            "cher.example")
              .error() == "'b\\xc3\\xbccher.example' is not in ASCII: give its A-label (the "
                          "xn-- form, e.g. from `idn2 b\xc3\xbc"
                          "cher.example`)");
    CHECK(parse_mail_domain("192.0.2.1").error() ==
          "'192.0.2.1' is an IP address, not a mail domain");
    CHECK(parse_mail_domain("[192.0.2.1]").error() ==
          "'[192.0.2.1]' is an IP address, not a mail domain");
    CHECK(parse_mail_domain("a b.example").error() == "'a b.example' is not a domain name");
    CHECK(parse_mail_domain("a..example").error() == "'a..example' is not a domain name");
    CHECK(parse_mail_domain("-a.example").error() == "'-a.example' is not a domain name");
}

TEST_CASE("EHLO names: a host name or an address literal, never control bytes") {
    CHECK(*parse_helo_name("MX.Example.org") == "mx.example.org");
    CHECK(*parse_helo_name("[192.0.2.1]") == "[192.0.2.1]");
    CHECK(*parse_helo_name("[IPv6:2001:db8::1]") == "[IPv6:2001:db8::1]");
    CHECK(parse_helo_name("mx.example.org\r\nMAIL FROM:<x>").error() ==
          "'mx.example.org\\x0d\\x0aMAIL FROM:<x>' is not a host name (letters, digits, hyphens "
          "and dots) or an address literal like [192.0.2.1]");
    CHECK_FALSE(parse_helo_name("[not-an-address]"));
}
