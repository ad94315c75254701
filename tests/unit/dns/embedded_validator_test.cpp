// The embedded validator's files as a user gives them (trust anchor, root hints, the RFC 5011
// copy of Debian's root key in the state directory), and what it says when no root server
// answers. Nothing here leaves the machine: the only root server named is a loopback address
// where nothing listens.
#include "../temp_dir.hpp"
#include "danemon/dns/resolver.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace danemon::dns;
using danemon::test::TempDir;

namespace {

// A DS of the root (the IANA root KSK-2017's, key tag 20326).
const std::string root_ds =
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n";
// Root hints naming one server on loopback where nothing answers.
const std::string dead_hints = ". 3600000 IN NS a.root.lab.\na.root.lab. 3600000 IN A 127.0.55.9\n";

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string failure_of(const ValidatorOptions& options) {
    try {
        (void)make_embedded_validator(options);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no failure)";
}

} // namespace

TEST_CASE("embedded validator: a trust anchor that cannot be used is one sentence") {
    TempDir dir("anchor");
    ValidatorOptions options;
    options.trust_anchor = (dir.path / "missing.ds").string();
    CHECK(failure_of(options) ==
          "cannot read " + options.trust_anchor + ": No such file or directory (the trust anchor)");
    options.trust_anchor = dir.write("garbage.ds", ". IN DS 20326 8 2 E06D44B8\nnot a record\n");
    CHECK_THAT(failure_of(options),
               Catch::StartsWith("the trust anchor " + options.trust_anchor + " line ") &&
                   Catch::Contains("is not a DNS record"));
    options.trust_anchor = dir.write("a-only.zone", "example. 3600 IN A 192.0.2.1\n");
    CHECK(failure_of(options) ==
          "the trust anchor " + options.trust_anchor + " holds no DS or DNSKEY record");
    options.trust_anchor = dir.path.string();
    CHECK_THAT(failure_of(options), Catch::Contains("is a directory"));
}

TEST_CASE("embedded validator: without Debian's root key, the sentence says what to install") {
    TempDir dir("packaged");
    ValidatorOptions options;
    options.packaged_root_key = (dir.path / "root.key").string();
    options.state_dir = dir.path.string();
    CHECK_THAT(failure_of(options),
               Catch::StartsWith("cannot read " + options.packaged_root_key) &&
                   Catch::EndsWith("install Debian's dns-root-data, or give --trust-anchor FILE"));
}

TEST_CASE("embedded validator: root hints without a root NS record are refused") {
    TempDir dir("hints");
    ValidatorOptions options;
    options.trust_anchor = dir.write("root.ds", root_ds);
    options.root_hints = dir.write("hints", "a.root.lab. 3600000 IN A 127.0.55.9\n");
    CHECK(failure_of(options) ==
          "the root hints " + options.root_hints + " holds no NS record of the root");
}

TEST_CASE("embedded validator: Debian's root key is copied to the state directory and tracked") {
    TempDir dir("rfc5011");
    const std::string packaged = dir.write("packaged.key", root_ds);
    const auto state = dir.path / "state";
    REQUIRE(::mkdir(state.c_str(), 0750) == 0);
    // The daemon's user owns the state directory; a `check` run as root must leave a file that
    // user can read and replace.
    const bool root = ::geteuid() == 0;
    if (root) REQUIRE(::chown(state.c_str(), 65534, 65534) == 0);
    ValidatorOptions options;
    options.packaged_root_key = packaged;
    options.state_dir = state.string();
    options.root_hints = dir.write("hints", dead_hints);
    options.timeout = std::chrono::milliseconds(1500);
    auto validator = make_embedded_validator(options);
    CHECK(validator->describe() == "embedded validator, root trust anchor key tag 20326");

    const std::string copy = (state / "root.key").string();
    struct stat info {};
    REQUIRE(::stat(copy.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0644);
    if (root) {
        CHECK(info.st_uid == 65534);
        CHECK(info.st_gid == 65534);
    }
    CHECK(read(copy) == root_ds);

    // No root server answers: no verdict, and the sentence says where to look.
    const auto check = validator->check_validation();
    CHECK_FALSE(check.validating);
    CHECK_THAT(check.why, Catch::StartsWith("the embedded validator cannot resolve the root "
                                            "zone") &&
                              Catch::EndsWith("this host may not reach the root name servers"));
    CHECK(check.validator == validator->describe());
    CHECK_FALSE(check.remote);
}

TEST_CASE("embedded validator: a state directory it cannot write leaves the key untracked") {
    TempDir dir("untracked");
    ValidatorOptions options;
    options.packaged_root_key = dir.write("packaged.key", root_ds);
    options.state_dir = (dir.path / "missing").string();
    auto validator = make_embedded_validator(options);
    CHECK_THAT(validator->describe(),
               Catch::StartsWith("embedded validator, root trust anchor key tag 20326 (not "
                                 "tracked by RFC 5011: ") &&
                   Catch::Contains(options.state_dir));
}

TEST_CASE("embedded validator: Debian's packaged root key names the root KSK") {
    ValidatorOptions options; // the default: /usr/share/dns/root.key, as installed
    auto validator = make_embedded_validator(options);
    CHECK_THAT(validator->describe(),
               Catch::StartsWith("embedded validator, root trust anchor key tag") &&
                   Catch::Contains("20326"));
}

TEST_CASE("resolver choice: auto or embedded or an address; anything else is one sentence") {
    for (const char* good : {"", "auto", "embedded", "127.0.0.1", "[::1]:5353"})
        CHECK(parse_resolver_choice(good).has_value());
    auto bad = parse_resolver_choice("embeded");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == "resolver 'embeded' is none of auto, embedded, or an IPv4 or IPv6 "
                         "address (ADDR, ADDR:PORT or [V6]:PORT); did you mean 'embedded'?");
    CHECK(parse_resolver_choice("192.0.2.1:0").error() ==
          "resolver address '192.0.2.1:0' has a port out of range 1-65535");
}

TEST_CASE("resolver choice: a trust anchor is refused for a resolver named by address") {
    ResolverSetup setup;
    setup.choice.resolver = "127.0.0.1";
    setup.choice.trust_anchor = "/etc/root.ds";
    CHECK_THROWS_WITH(make_resolver(setup),
                      "a trust anchor or root hints file is for the embedded validator (resolver "
                      "auto or embedded), not for the resolver at 127.0.0.1");
}

TEST_CASE("loopback: what auto trusts as a resolver on this host") {
    for (const char* local : {"127.0.0.1", "127.0.0.53", "127.255.0.1", "::1", "::ffff:127.0.0.1"})
        CHECK(is_loopback(ResolverAddress{local, 53}));
    for (const char* remote : {"10.0.0.53", "128.0.0.1", "::2", "2001:db8::1", "::ffff:10.0.0.1"})
        CHECK_FALSE(is_loopback(ResolverAddress{remote, 53}));
}
