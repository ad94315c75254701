// The table of problem codes: complete, and the parsing of severity rules users type.
#include "danemon/check/codes.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace danemon;
using check::Severity;

TEST_CASE("every code has its name, once, in the table with a meaning and a fix") {
    using C = check::Code;
    // The names users see in reports, JSON, alerts and the configuration.
    const std::vector<std::pair<C, std::string>> codes{
        {C::tlsa_mismatch, "tlsa-mismatch"},
        {C::tlsa_name_mismatch, "tlsa-name-mismatch"},
        {C::starttls_missing, "starttls-missing"},
        {C::tls_handshake_failed, "tls-handshake-failed"},
        {C::tls_legacy_only, "tls-legacy-only"},
        {C::dnssec_bogus, "dnssec-bogus"},
        {C::dns_error, "dns-error"},
        {C::mx_unreachable, "mx-unreachable"},
        {C::smtp_error, "smtp-error"},
        {C::cert_expired, "cert-expired"},
        {C::resolver_not_validating, "resolver-not-validating"},
        {C::tlsa_missing, "tlsa-missing"},
        {C::dnssec_insecure, "dnssec-insecure"},
        {C::tlsa_unusable, "tlsa-unusable"},
        {C::tls_legacy_enabled, "tls-legacy-enabled"},
        {C::cert_expiring, "cert-expiring"},
        {C::endpoint_inconsistent, "endpoint-inconsistent"},
        {C::tlsa_rollover_missing, "tlsa-rollover-missing"},
        {C::tlsa_digest_stale, "tlsa-digest-stale"},
        {C::local_cert_mismatch, "local-cert-mismatch"},
        {C::local_cert_not_served, "local-cert-not-served"},
        {C::mx_invalid_name, "mx-invalid-name"},
        {C::check_truncated, "check-truncated"},
        {C::null_mx, "null-mx"},
        {C::resolver_remote, "resolver-remote"},
        {C::check_incomplete, "check-incomplete"},
    };
    const auto table = check::problem_codes();
    REQUIRE(table.size() == codes.size());
    std::set<std::string> seen;
    for (std::size_t i = 0; i < codes.size(); ++i) {
        const auto& [code, name] = codes[i];
        CAPTURE(name);
        CHECK(table[i].code == code);
        CHECK(check::to_string(code) == name);
        CHECK(check::code_from_string(name) == code);
        CHECK(seen.insert(name).second);
        CHECK_FALSE(table[i].meaning.empty());
        CHECK_FALSE(table[i].fix.empty());
        CHECK(check::codes_markdown().find("| `" + name + "` |") != std::string::npos);
    }
    CHECK_FALSE(check::code_from_string("tlsa_mismatch"));
    CHECK_FALSE(check::code_from_string(""));
}

TEST_CASE("only faults that can pass are confirmed before the daemon alerts") {
    std::set<std::string> transient;
    for (const auto& info : check::problem_codes())
        if (info.transient) transient.insert(info.name);
    CHECK(transient == std::set<std::string>{"dns-error", "mx-unreachable", "smtp-error",
                                             "tls-handshake-failed", "resolver-not-validating",
                                             "check-incomplete"});
}

TEST_CASE("severity rules: CODE=LEVEL, with one sentence for each mistake") {
    auto ok = check::parse_severity_rule("tls-legacy-enabled=info");
    REQUIRE(ok);
    CHECK(ok->first == check::Code::tls_legacy_enabled);
    CHECK(ok->second == Severity::info);
    CHECK(check::parse_severity_rule("null-mx=off")->second == Severity::off);
    CHECK(check::parse_severity_rule("cert-expiring=critical")->second == Severity::critical);

    CHECK(check::parse_severity_rule("tls-legacy-enabled").error() ==
          "'tls-legacy-enabled' is not CODE=LEVEL (e.g. tls-legacy-enabled=info)");
    CHECK(check::parse_severity_rule("tls-legacy-enable=info").error() ==
          "'tls-legacy-enable' is not a problem code; did you mean 'tls-legacy-enabled'?");
    CHECK(check::parse_severity_rule("nonsense=info").error() ==
          "'nonsense' is not a problem code; `danemon codes` lists them");
    CHECK(check::parse_severity_rule("null-mx=unknown").error() ==
          "'unknown' is not a level: give info, warning, critical or off");
    CHECK(check::parse_severity_rule("null-mx=").error() ==
          "'' is not a level: give info, warning, critical or off");
}

TEST_CASE("the nearest code is suggested only when it is near") {
    CHECK(check::closest_code("tlsa-mismach") == "tlsa-mismatch");
    CHECK(check::closest_code("dns-eror") == "dns-error");
    CHECK(check::closest_code("x") == "");
    CHECK(check::closest_code("completely-different-words") == "");
}
