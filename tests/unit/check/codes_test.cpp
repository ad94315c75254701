// The table of problem codes: complete, and the parsing of severity rules users type.
#include "danemon/check/codes.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace danemon;
using check::Severity;

TEST_CASE("every code of problem.hpp is in the table once, with a meaning and a fix") {
    const std::vector<std::string> codes{check::code::tlsa_mismatch,
                                         check::code::tlsa_name_mismatch,
                                         check::code::starttls_missing,
                                         check::code::tls_handshake_failed,
                                         check::code::tls_legacy_only,
                                         check::code::dnssec_bogus,
                                         check::code::dns_error,
                                         check::code::mx_unreachable,
                                         check::code::smtp_error,
                                         check::code::cert_expired,
                                         check::code::resolver_not_validating,
                                         check::code::tlsa_missing,
                                         check::code::dnssec_insecure,
                                         check::code::tlsa_unusable,
                                         check::code::tls_legacy_enabled,
                                         check::code::cert_expiring,
                                         check::code::endpoint_inconsistent,
                                         check::code::tlsa_rollover_missing,
                                         check::code::local_cert_mismatch,
                                         check::code::local_cert_not_served,
                                         check::code::tlsa_digest_stale,
                                         check::code::mx_invalid_name,
                                         check::code::check_truncated,
                                         check::code::null_mx,
                                         check::code::check_incomplete};
    std::set<std::string> seen;
    for (const auto& info : check::problem_codes()) {
        CHECK(seen.insert(std::string(info.code)).second);
        CHECK_FALSE(info.meaning.empty());
        CHECK_FALSE(info.fix.empty());
    }
    CHECK(seen == std::set<std::string>(codes.begin(), codes.end()));
    const std::string table = check::codes_markdown();
    for (const auto& c : codes)
        CHECK(table.find("| `" + c + "` |") != std::string::npos);
}

TEST_CASE("only faults that can pass are confirmed before the daemon alerts") {
    std::set<std::string> transient;
    for (const auto& info : check::problem_codes())
        if (info.transient) transient.insert(std::string(info.code));
    CHECK(transient == std::set<std::string>{"dns-error", "mx-unreachable", "smtp-error",
                                             "tls-handshake-failed", "resolver-not-validating",
                                             "check-incomplete"});
}

TEST_CASE("severity rules: CODE=LEVEL, with one sentence for each mistake") {
    auto ok = check::parse_severity_rule("tls-legacy-enabled=info");
    REQUIRE(ok);
    CHECK(ok->first == "tls-legacy-enabled");
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
