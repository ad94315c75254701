// The words and numbers a user sees for severities and statuses: report text, JSON, the
// exit code of `danemon check` (Nagios-style), and which of two statuses is worse.
#include "danemon/check/problem.hpp"
#include "danemon/check/verdict.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

using namespace danemon::check;

TEST_CASE("severities, statuses and DANE states have their report names") {
    CHECK(std::string(to_string(Severity::info)) == "info");
    CHECK(std::string(to_string(Severity::warning)) == "warning");
    CHECK(std::string(to_string(Severity::critical)) == "critical");
    CHECK(std::string(to_string(Status::ok)) == "ok");
    CHECK(std::string(to_string(Status::warning)) == "warning");
    CHECK(std::string(to_string(Status::critical)) == "critical");
    CHECK(std::string(to_string(Status::unknown)) == "unknown");
    CHECK(std::string(to_string(DaneState::pass)) == "pass");
    CHECK(std::string(to_string(DaneState::fail)) == "fail");
    CHECK(std::string(to_string(DaneState::not_applicable)) == "not-applicable");
}

TEST_CASE("exit codes are Nagios-style: 0 ok, 1 warning, 2 critical, 3 unknown") {
    CHECK(exit_code(Status::ok) == 0);
    CHECK(exit_code(Status::warning) == 1);
    CHECK(exit_code(Status::critical) == 2);
    CHECK(exit_code(Status::unknown) == 3);
}

TEST_CASE("a known critical problem outranks an incomplete check") {
    const Status order[] = {Status::ok, Status::warning, Status::unknown, Status::critical};
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) {
            CAPTURE(i, j);
            CHECK(worse(order[i], order[j]) == order[std::max(i, j)]);
        }
}

TEST_CASE("all problems of a verdict: domain first, then each MX host and its endpoints") {
    DomainVerdict v;
    v.problems.push_back({Code::check_truncated, Severity::warning, "d", "", ""});
    MxVerdict mx1;
    mx1.problems.push_back({Code::tlsa_missing, Severity::warning, "m1", "mx1", ""});
    EndpointVerdict e;
    e.problems.push_back({Code::tls_legacy_only, Severity::critical, "e1", "mx1", "192.0.2.1"});
    mx1.endpoints.push_back(e);
    MxVerdict mx2;
    mx2.problems.push_back({Code::dnssec_insecure, Severity::warning, "m2", "mx2", ""});
    v.mx = {mx1, mx2};
    std::vector<std::string> messages;
    for (const auto& p : v.all_problems())
        messages.push_back(p.message);
    CHECK(messages == std::vector<std::string>{"d", "m1", "e1", "m2"});
}
