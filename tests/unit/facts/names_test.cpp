// The name rules every layer applies: normalized names, host names an MX may point at,
// address literals, the TLSA owner name; and the lookup outcomes' report names.
#include "danemon/facts/facts.hpp"

#include <catch2/catch.hpp>

using namespace danemon;

TEST_CASE("names are compared in lower case without the trailing dot") {
    CHECK(facts::normalize_name("MX.Example.ORG.") == "mx.example.org");
    CHECK(facts::normalize_name(".") == "");
    CHECK(facts::normalize_name("") == "");
}

TEST_CASE("MX targets that are host names, and those that are not (RFC 5321 section 5.1)") {
    CHECK(facts::is_host_name("mx.example.org"));
    CHECK(facts::is_host_name("mx-1.example.org"));
    CHECK(facts::is_host_name("_smtp.example.org")); // underscores: Postfix tolerates them
    CHECK(facts::is_host_name(std::string(63, 'a') + "." + std::string(63, 'b') + ".example.org"));
    CHECK_FALSE(facts::is_host_name(std::string(64, 'a') + ".example.org"));
    CHECK_FALSE(facts::is_host_name(""));
    CHECK_FALSE(facts::is_host_name("127.0.25.1"));   // a dotted quad: the top label is numeric
    CHECK_FALSE(facts::is_host_name("[127.0.25.1]")); // an address literal in brackets
    CHECK_FALSE(facts::is_host_name("2001:db8::1"));  // colons
    CHECK_FALSE(facts::is_host_name("nul\\000byte.example.org")); // ldns escapes: \000, \010, \032
    CHECK_FALSE(facts::is_host_name("new\\010line.example.org"));
    CHECK_FALSE(facts::is_host_name("sp\\032ace.example.org"));
    CHECK_FALSE(facts::is_host_name("\\027[31mred.example.org")); // an ANSI escape sequence
    CHECK_FALSE(facts::is_host_name("-lead.example.org"));
    CHECK_FALSE(facts::is_host_name("trail-.example.org"));
    CHECK_FALSE(facts::is_host_name("empty..example.org"));
}

TEST_CASE("the TLSA owner of a base domain: _25._tcp., lower case, no trailing dot") {
    CHECK(facts::tlsa_owner("MX.Example.ORG.") == "_25._tcp.mx.example.org");
}

TEST_CASE("address literals without brackets or port") {
    CHECK(facts::is_ip_literal("192.0.2.1"));
    CHECK(facts::is_ip_literal("2001:db8::1"));
    CHECK_FALSE(facts::is_ip_literal("[192.0.2.1]"));
    CHECK_FALSE(facts::is_ip_literal("192.0.2.1:25"));
    CHECK_FALSE(facts::is_ip_literal("mx.example.org"));
}

TEST_CASE("lookup outcomes have the names reports write") {
    CHECK(std::string(facts::to_string(facts::LookupStatus::secure)) == "secure");
    CHECK(std::string(facts::to_string(facts::LookupStatus::nxdomain)) == "nxdomain");
    CHECK(std::string(facts::to_string(facts::LookupStatus::bogus)) == "bogus");
}
