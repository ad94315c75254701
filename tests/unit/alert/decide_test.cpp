// When alerts go out: on a change of state, with reminders, never once per cycle.
#include "danemon/alert/alert.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace danemon;
using alert::EventKind;

namespace {

// One MX host with one address, observed to the end (every lookup and the probe completed).
check::DomainVerdict verdict(const std::string& domain,
                             std::vector<std::pair<check::Code, check::Severity>> problems) {
    check::DomainVerdict v;
    v.domain = domain;
    v.complete = true;
    check::MxVerdict mx;
    mx.host = "mx." + domain;
    mx.lookups_complete = mx.complete = true;
    check::EndpointVerdict e;
    e.probe.endpoint = {mx.host, "192.0.2.1", 25};
    e.complete = true;
    for (const auto& [code, severity] : problems)
        e.problems.push_back({code, severity, std::string(check::to_string(code)) + " sentence",
                              mx.host, "192.0.2.1"});
    mx.endpoints.push_back(e);
    v.mx.push_back(mx);
    return v;
}

const std::chrono::seconds day{86400};

} // namespace

TEST_CASE("a new problem is announced once, not again on the next cycle") {
    auto first = alert::decide(
        {}, {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 1000,
        day);
    REQUIRE(first.events.size() == 1);
    CHECK(first.events[0].kind == EventKind::new_problem);
    CHECK(first.events[0].key.code == "tlsa-mismatch");
    CHECK(first.events[0].key.mx == "mx.a.test");
    CHECK(first.events[0].key.address == "192.0.2.1");
    auto second = alert::decide(
        first.states,
        {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 1600, day);
    CHECK(second.events.empty());
    REQUIRE(second.states.size() == 1);
    CHECK(second.states[0].first_seen == 1000);
    CHECK(second.states[0].last_alerted == 1000);
}

TEST_CASE("a worse severity is announced, a better one is remembered silently") {
    auto a = alert::decide(
        {}, {verdict("a.test", {{check::Code::cert_expired, check::Severity::warning}})}, 1000,
        day);
    auto worse = alert::decide(
        a.states, {verdict("a.test", {{check::Code::cert_expired, check::Severity::critical}})},
        2000, day);
    REQUIRE(worse.events.size() == 1);
    CHECK(worse.events[0].kind == EventKind::worse);
    auto better = alert::decide(
        worse.states, {verdict("a.test", {{check::Code::cert_expired, check::Severity::warning}})},
        3000, day);
    CHECK(better.events.empty());
    CHECK(better.states[0].severity == check::Severity::warning);
    auto again = alert::decide(
        better.states,
        {verdict("a.test", {{check::Code::cert_expired, check::Severity::critical}})}, 4000, day);
    REQUIRE(again.events.size() == 1);
    CHECK(again.events[0].kind == EventKind::worse);
}

TEST_CASE("a persisting problem is reminded after the interval, then the clock restarts") {
    auto v = verdict("a.test", {{check::Code::tls_legacy_only, check::Severity::critical}});
    auto a = alert::decide({}, {v}, 0, day);
    CHECK(alert::decide(a.states, {v}, 86399, day).events.empty());
    auto r = alert::decide(a.states, {v}, 86400, day);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].kind == EventKind::reminder);
    CHECK(r.states[0].last_alerted == 86400);
    CHECK(alert::decide(r.states, {v}, 86400 + 3600, day).events.empty());
}

TEST_CASE("a problem that is gone is announced once as recovered") {
    auto a = alert::decide(
        {}, {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 0, day);
    auto fixed = alert::decide(a.states, {verdict("a.test", {})}, 100, day);
    REQUIRE(fixed.events.size() == 1);
    CHECK(fixed.events[0].kind == EventKind::recovered);
    CHECK(fixed.events[0].severity == check::Severity::critical);
    CHECK(fixed.states.empty());
    CHECK(alert::decide(fixed.states, {verdict("a.test", {})}, 200, day).events.empty());
}

TEST_CASE("info problems are not announced, and other domains' states are left alone") {
    auto a =
        alert::decide({},
                      {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}}),
                       verdict("b.test", {{check::Code::null_mx, check::Severity::info}})},
                      0, day);
    CHECK(a.events.size() == 1);
    // Only b.test is checked in this cycle: a.test's problem is neither recovered nor dropped.
    auto b = alert::decide(a.states, {verdict("b.test", {})}, 100, day);
    CHECK(b.events.empty());
    CHECK(b.states.empty());
}

TEST_CASE("problems at domain, MX and endpoint level are separate alerts") {
    auto v = verdict("a.test", {{check::Code::tls_legacy_only, check::Severity::critical}});
    v.problems.push_back(
        {check::Code::resolver_not_validating, check::Severity::critical, "s", "", ""});
    v.mx[0].problems.push_back(
        {check::Code::tlsa_missing, check::Severity::warning, "s", "mx.a.test", ""});
    auto d = alert::decide({}, {v}, 0, day);
    std::vector<store::AlertKey> keys;
    for (const auto& e : d.events) {
        CHECK(e.kind == EventKind::new_problem);
        keys.push_back(e.key);
    }
    std::sort(keys.begin(), keys.end());
    CHECK(keys ==
          std::vector<store::AlertKey>{{"a.test", "", "", "resolver-not-validating"},
                                       {"a.test", "mx.a.test", "", "tlsa-missing"},
                                       {"a.test", "mx.a.test", "192.0.2.1", "tls-legacy-only"}});
    REQUIRE(d.states.size() == 3);
}

TEST_CASE("the same problem twice in one verdict is one alert") {
    auto v = verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical},
                                {check::Code::tlsa_mismatch, check::Severity::critical}});
    auto d = alert::decide({}, {v}, 0, day);
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].key.code == "tlsa-mismatch");
    CHECK(d.states.size() == 1);
}

TEST_CASE("the outbox payload keeps the event") {
    alert::AlertEvent e{EventKind::worse,
                        {"a.test", "mx.a.test", "192.0.2.1", "tlsa-mismatch"},
                        check::Severity::critical,
                        "No usable TLSA record\r\nBcc: x",
                        1795000000};
    auto back = alert::from_json(alert::to_json(e));
    CHECK(back.kind == EventKind::worse);
    CHECK(back.key == e.key);
    CHECK(back.severity == check::Severity::critical);
    CHECK(back.at == 1795000000);
    CHECK(back.message == "No usable TLSA record\\x0d\\x0aBcc: x");
    CHECK_THROWS_WITH(alert::from_json("{"), Catch::Contains("unreadable alert"));
    CHECK_THROWS_WITH(alert::from_json(R"({"event":"new"})"), Catch::Contains("unreadable alert"));
}

TEST_CASE("every kind of event has its name and survives the outbox") {
    const std::vector<std::pair<EventKind, std::string>> kinds{{EventKind::new_problem, "new"},
                                                               {EventKind::worse, "worse"},
                                                               {EventKind::reminder, "reminder"},
                                                               {EventKind::recovered, "recovered"}};
    for (const auto& [kind, name] : kinds) {
        CHECK(alert::to_string(kind) == name);
        alert::AlertEvent e{kind, {"a.test", "", "", "null-mx"}, check::Severity::warning, "s", 1};
        CHECK_THAT(alert::to_json(e), Catch::Contains("\"event\":\"" + name + "\""));
        CHECK(alert::from_json(alert::to_json(e)).kind == kind);
    }
    CHECK_THROWS_WITH(alert::from_json(R"({"event":"sideways","domain":"a.test","mx":"",)"
                                       R"("address":"","code":"x","severity":"warning",)"
                                       R"("message":"","at":0})"),
                      "unknown alert event kind 'sideways'");
}

TEST_CASE("a problem at an address that could not be probed is unknown, not recovered") {
    auto a = alert::decide(
        {}, {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 1000,
        day);
    // The address stops answering: the mismatch cannot be observed, so no recovery is sent
    // and its first-seen and last-alerted times carry forward.
    auto down = verdict("a.test", {{check::Code::mx_unreachable, check::Severity::critical}});
    down.mx[0].endpoints[0].complete = false;
    down.mx[0].complete = false;
    auto unreachable = alert::decide(a.states, {down}, 2000, day);
    REQUIRE(unreachable.events.size() == 1);
    CHECK(unreachable.events[0].kind == EventKind::new_problem);
    CHECK(unreachable.events[0].key.code == "mx-unreachable");
    REQUIRE(unreachable.states.size() == 2);
    const auto kept = std::find_if(unreachable.states.begin(), unreachable.states.end(),
                                   [](const auto& s) { return s.key.code == "tlsa-mismatch"; });
    REQUIRE(kept != unreachable.states.end());
    CHECK(kept->first_seen == 1000);
    CHECK(kept->last_alerted == 1000);
    // It persists unobserved: nothing more is sent, not even a reminder a day later.
    CHECK(alert::decide(unreachable.states, {down}, 3000, day).events.empty());
    CHECK(alert::decide(unreachable.states, {down}, 1000 + 86400, day).events.empty());
    // Back, and the mismatch is still there: no new alert for it, the unreachable recovers.
    auto back = alert::decide(
        unreachable.states,
        {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 4000, day);
    REQUIRE(back.events.size() == 1);
    CHECK(back.events[0].kind == EventKind::recovered);
    CHECK(back.events[0].key.code == "mx-unreachable");
}

TEST_CASE("a failed MX lookup or resolver check leaves every stored problem as it was") {
    auto a = alert::decide(
        {}, {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 1000,
        day);
    check::DomainVerdict failed;
    failed.domain = "a.test";
    failed.problems.push_back({check::Code::dns_error, check::Severity::critical, "s", "", ""});
    auto d = alert::decide(a.states, {failed}, 2000, day);
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].key.code == "dns-error");
    CHECK(d.states.size() == 2);
}

TEST_CASE("a failed TLSA lookup leaves the problems of the host's addresses as they were") {
    auto a = alert::decide(
        {}, {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 1000,
        day);
    auto v = verdict("a.test", {});
    v.mx[0].lookups_complete = v.mx[0].complete = false;
    v.mx[0].problems.push_back(
        {check::Code::dns_error, check::Severity::critical, "s", "mx.a.test", ""});
    auto d = alert::decide(a.states, {v}, 2000, day);
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].key.code == "dns-error");
    CHECK(d.states.size() == 2);
}

TEST_CASE("problems of an MX host or address that is no longer published recover") {
    auto a = alert::decide(
        {}, {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})}, 1000,
        day);
    auto moved = verdict("a.test", {});
    moved.mx[0].endpoints[0].probe.endpoint.address = "192.0.2.2"; // the A record changed
    auto d = alert::decide(a.states, {moved}, 2000, day);
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].kind == EventKind::recovered);
    auto gone = verdict("a.test", {});
    gone.mx[0].host = "mx2.a.test"; // the MX RRset names another host
    d = alert::decide(a.states, {gone}, 2000, day);
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].kind == EventKind::recovered);
    CHECK(d.states.empty());
}

namespace {

const std::chrono::seconds two_minutes{120};

check::DomainVerdict unreachable(const std::string& domain) {
    auto v = verdict(domain, {{check::Code::mx_unreachable, check::Severity::critical}});
    v.mx[0].endpoints[0].complete = false; // no connection: the endpoint was not observed
    v.mx[0].complete = false;
    v.complete = false;
    return v;
}

} // namespace

TEST_CASE("confirmation: a passing fault is pending first, and announced when the re-check "
          "still shows it") {
    auto first = alert::decide({}, {unreachable("a.test")}, 1000, day, two_minutes);
    CHECK(first.events.empty());
    REQUIRE(first.states.size() == 1);
    CHECK(first.states[0].pending);
    CHECK(first.states[0].first_seen == 1000);
    REQUIRE(first.confirm_at.count("a.test") == 1);
    CHECK(first.confirm_at.at("a.test") == 1120);
    // A re-check before the delay is up keeps it pending, with its first sighting.
    auto early = alert::decide(first.states, {unreachable("a.test")}, 1060, day, two_minutes);
    CHECK(early.events.empty());
    CHECK(early.states[0].pending);
    CHECK(early.confirm_at.at("a.test") == 1120);
    auto confirmed = alert::decide(early.states, {unreachable("a.test")}, 1125, day, two_minutes);
    REQUIRE(confirmed.events.size() == 1);
    CHECK(confirmed.events[0].kind == EventKind::new_problem);
    CHECK(confirmed.events[0].key.code == "mx-unreachable");
    CHECK_FALSE(confirmed.states[0].pending);
    CHECK(confirmed.states[0].first_seen == 1000);
    CHECK(confirmed.confirm_at.empty());
    // Announced once: the next cycle sends nothing.
    auto again = alert::decide(confirmed.states, {unreachable("a.test")}, 1300, day, two_minutes);
    CHECK(again.events.empty());
}

TEST_CASE("confirmation: a passing fault gone at the re-check is dropped without a word") {
    auto first = alert::decide({}, {unreachable("a.test")}, 1000, day, two_minutes);
    auto back = alert::decide(first.states, {verdict("a.test", {})}, 1120, day, two_minutes);
    CHECK(back.events.empty()); // neither the problem nor a recovery
    CHECK(back.states.empty());
    CHECK(back.confirm_at.empty());
}

TEST_CASE("confirmation: a pending fault not observed at the re-check stays pending and is "
          "asked again") {
    auto first = alert::decide({}, {unreachable("a.test")}, 1000, day, two_minutes);
    auto failed = verdict("a.test", {});
    failed.complete = false;
    failed.mx.clear(); // the MX lookup failed: nothing about the host is known
    auto unknown = alert::decide(first.states, {failed}, 1120, day, two_minutes);
    CHECK(unknown.events.empty());
    REQUIRE(unknown.states.size() == 1);
    CHECK(unknown.states[0].pending);
    CHECK(unknown.confirm_at.at("a.test") == 1240);
}

TEST_CASE("confirmation: findings of a completed observation are announced at once") {
    auto d =
        alert::decide({},
                      {verdict("a.test", {{check::Code::tlsa_mismatch, check::Severity::critical},
                                          {check::Code::tls_legacy_only, check::Severity::critical},
                                          {check::Code::cert_expiring, check::Severity::warning}})},
                      1000, day, two_minutes);
    CHECK(d.events.size() == 3);
    CHECK(d.confirm_at.empty());
    for (const auto& s : d.states)
        CHECK_FALSE(s.pending);
}

TEST_CASE("confirmation: a delay of zero announces passing faults at once") {
    auto d = alert::decide({}, {unreachable("a.test")}, 1000, day, std::chrono::seconds(0));
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].key.code == "mx-unreachable");
    CHECK_FALSE(d.states[0].pending);
}

TEST_CASE("problems the policy made info or off are not announced, nor recovered") {
    auto d = alert::decide(
        {},
        {verdict("a.test", {{check::Code::tls_legacy_enabled, check::Severity::off},
                            {check::Code::tlsa_rollover_missing, check::Severity::info}})},
        1000, day, two_minutes);
    CHECK(d.events.empty());
    CHECK(d.states.empty());
}

TEST_CASE("mark_pending flags exactly the problems whose state is pending") {
    std::vector<check::DomainVerdict> verdicts{
        unreachable("a.test"),
        verdict("b.test", {{check::Code::tlsa_mismatch, check::Severity::critical}})};
    auto d = alert::decide({}, verdicts, 1000, day, two_minutes);
    alert::mark_pending(verdicts, d);
    CHECK(verdicts[0].mx[0].endpoints[0].problems[0].pending);
    CHECK_FALSE(verdicts[1].mx[0].endpoints[0].problems[0].pending);
}
