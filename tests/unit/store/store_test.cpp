#include "../temp_dir.hpp"
#include "danemon/store/store.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sqlite3.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace danemon;
using store::Store;
using store::StoreError;

namespace {

struct TempDir : test::TempDir {
    TempDir()
        : test::TempDir("store") {}
    std::string db() const { return Store::database_path(path); }
};

dane::TlsaRecord record(std::uint8_t first_byte) {
    dane::TlsaRecord r;
    r.usage = 3;
    r.selector = 1;
    r.matching = 1;
    r.data = dane::Bytes(32, first_byte);
    return r;
}

check::DomainVerdict verdict(const std::string& domain, check::Status status,
                             std::vector<dane::TlsaRecord> records = {}) {
    check::DomainVerdict v;
    v.domain = domain;
    v.status = status;
    v.problems.push_back(check::Problem{check::Code::dnssec_insecure, check::Severity::warning,
                                        "The MX records are not signed.", "", ""});
    check::MxVerdict mx;
    mx.host = "mx." + domain;
    mx.tlsa_name = "_25._tcp.mx." + domain;
    mx.tlsa_status = facts::LookupStatus::secure;
    for (auto& r : records)
        mx.tlsa.push_back(check::TlsaVerdict{r, {}});
    mx.problems.push_back(check::Problem{check::Code::tlsa_mismatch, check::Severity::critical,
                                         "No TLSA record matches.", mx.host, ""});
    v.mx.push_back(mx);
    return v;
}

facts::Lookup<dane::TlsaRecord>
secure_rrset(std::vector<dane::TlsaRecord> records,
             facts::LookupStatus status = facts::LookupStatus::secure) {
    facts::Lookup<dane::TlsaRecord> lookup;
    lookup.status = status;
    lookup.authenticated = status == facts::LookupStatus::secure;
    lookup.records = std::move(records);
    return lookup;
}

store::AlertState alert(const std::string& domain, const std::string& code, std::time_t first) {
    store::AlertState s;
    s.key = store::AlertKey{domain, "mx." + domain, "192.0.2.1", code};
    s.severity = check::Severity::critical;
    s.message = "msg " + code;
    s.first_seen = first;
    s.last_alerted = first + 10;
    return s;
}

store::OutboxEntry outbox(const std::string& channel, const std::string& payload,
                          std::time_t next) {
    store::OutboxEntry e;
    e.channel = channel;
    e.payload = payload;
    e.next_attempt = next;
    return e;
}

std::int64_t query_int(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    const std::int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

std::string error_of(const std::string& directory,
                     std::chrono::milliseconds timeout = Store::default_busy_timeout) {
    try {
        Store::open(directory, timeout);
    } catch (const StoreError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("record_cycle and latest round trip, reopen keeps everything") {
    TempDir dir;
    {
        auto s = Store::open(dir.path);
        CHECK(s->latest().empty());
        s->record_cycle({verdict("b.test", check::Status::critical, {record(1)}),
                         verdict("a.test", check::Status::warning)},
                        1000, {alert("b.test", "tlsa-mismatch", 900)},
                        {outbox("syslog", "{\"x\":1}", 1000)});
    }
    auto s = Store::open(dir.path);
    auto latest = s->latest();
    REQUIRE(latest.size() == 2);
    CHECK(latest[0].domain == "a.test");
    CHECK(latest[0].status == check::Status::warning);
    CHECK(latest[1].domain == "b.test");
    CHECK(latest[1].status == check::Status::critical);
    CHECK(latest[1].checked_at == 1000);
    REQUIRE(latest[1].problems.size() == 2);
    CHECK(latest[1].problems[0].code == check::Code::dnssec_insecure);
    CHECK(latest[1].problems[0].severity == check::Severity::warning);
    CHECK(latest[1].problems[1].code == check::Code::tlsa_mismatch);
    CHECK(latest[1].problems[1].severity == check::Severity::critical);
    CHECK(latest[1].problems[1].message == "No TLSA record matches.");
    CHECK(latest[1].problems[1].mx == "mx.b.test");

    auto states = s->alert_states();
    REQUIRE(states.size() == 1);
    CHECK(states[0].key == store::AlertKey{"b.test", "mx.b.test", "192.0.2.1", "tlsa-mismatch"});
    CHECK(states[0].severity == check::Severity::critical);
    CHECK(states[0].message == "msg tlsa-mismatch");
    CHECK(states[0].first_seen == 900);
    CHECK(states[0].last_alerted == 910);

    CHECK(s->pending() == 1);
    CHECK(s->tlsa_first_seen("_25._tcp.mx.b.test", record(1)) == std::optional<std::time_t>(1000));
    CHECK_FALSE(s->tlsa_first_seen("_25._tcp.mx.b.test", record(2)).has_value());
    CHECK_FALSE(s->tlsa_first_seen("_25._tcp.mx.a.test", record(1)).has_value());
    CHECK(query_int(dir.db(), "SELECT count(*) FROM history") == 2);
}

TEST_CASE("problems are stored by their code's name; a name this version does not know reads "
          "as an incomplete check that says so") {
    TempDir dir;
    Store::open(dir.path)->record_cycle({verdict("b.test", check::Status::critical)}, 1000, {}, {});
    CHECK(query_int(dir.db(), "SELECT count(*) FROM domain_problem WHERE code = 'tlsa-mismatch'") ==
          1);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.db().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "UPDATE domain_problem SET code = 'future-code' WHERE code = "
                         "'tlsa-mismatch'",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const auto latest = Store::open(dir.path)->latest();
    REQUIRE(latest.size() == 1);
    REQUIRE(latest[0].problems.size() == 2);
    const auto& unknown = latest[0].problems[1];
    CHECK(unknown.code == check::Code::check_incomplete);
    CHECK(unknown.severity == check::Severity::critical);
    CHECK(unknown.message ==
          "(stored as 'future-code', a code this version does not know) No TLSA record matches.");
}

TEST_CASE("a later cycle replaces latest status and alert states of its domains only") {
    TempDir dir;
    auto s = Store::open(dir.path);
    s->record_cycle(
        {verdict("a.test", check::Status::critical), verdict("b.test", check::Status::critical)},
        100, {alert("a.test", "x", 1), alert("b.test", "y", 2)}, {});
    auto ok = verdict("a.test", check::Status::ok);
    ok.problems.clear();
    ok.mx.clear();
    s->record_cycle({ok}, 200, {alert("a.test", "z", 3)}, {});
    auto latest = s->latest();
    REQUIRE(latest.size() == 2);
    CHECK(latest[0].status == check::Status::ok);
    CHECK(latest[0].checked_at == 200);
    CHECK(latest[0].problems.empty());
    CHECK(latest[1].checked_at == 100);
    CHECK(latest[1].problems.size() == 2);
    auto states = s->alert_states();
    REQUIRE(states.size() == 2);
    CHECK(states[0].key.code == "z");
    CHECK(states[1].key.code == "y");
    // no alert states given for a checked domain: its states are cleared
    s->record_cycle({ok}, 300, {}, {});
    states = s->alert_states();
    REQUIRE(states.size() == 1);
    CHECK(states[0].key.domain == "b.test");
}

TEST_CASE("only records of a DNSSEC-secure RRset start the rollover clock") {
    // An unsigned (or not validated) RRset is what senders ignore: seeing it must not make
    // the gate believe a record has been published for two TTLs.
    TempDir dir;
    auto s = Store::open(dir.path);
    auto insecure = verdict("a.test", check::Status::warning, {record(1)});
    insecure.mx[0].tlsa_status = facts::LookupStatus::insecure;
    s->record_cycle({insecure}, 100, {}, {});
    s->note_tlsa_seen("_25._tcp.mx.a.test",
                      secure_rrset({record(2)}, facts::LookupStatus::insecure), 100);
    CHECK_FALSE(s->tlsa_first_seen("_25._tcp.mx.a.test", record(1)).has_value());
    CHECK_FALSE(s->tlsa_first_seen("_25._tcp.mx.a.test", record(2)).has_value());
    // The same records, once validated, are noted from then on.
    s->record_cycle({verdict("a.test", check::Status::ok, {record(1)})}, 200, {}, {});
    s->note_tlsa_seen("_25._tcp.mx.a.test", secure_rrset({record(2)}), 300);
    CHECK(s->tlsa_first_seen("_25._tcp.mx.a.test", record(1)) == std::optional<std::time_t>(200));
    CHECK(s->tlsa_first_seen("_25._tcp.mx.a.test", record(2)) == std::optional<std::time_t>(300));
}

TEST_CASE("first_seen of a TLSA record is kept across cycles and note_tlsa_seen") {
    TempDir dir;
    {
        auto s = Store::open(dir.path);
        s->record_cycle({verdict("a.test", check::Status::ok, {record(1)})}, 100, {}, {});
        s->record_cycle({verdict("a.test", check::Status::ok, {record(1), record(2)})}, 200, {},
                        {});
        s->note_tlsa_seen("_25._tcp.mx.a.test", secure_rrset({record(1), record(2), record(3)}),
                          300);
        s->note_tlsa_seen("_25._tcp.other.test", secure_rrset({record(1)}), 400);
    }
    auto s = Store::open(dir.path);
    const std::string owner = "_25._tcp.mx.a.test";
    CHECK(s->tlsa_first_seen(owner, record(1)) == std::optional<std::time_t>(100));
    CHECK(s->tlsa_first_seen(owner, record(2)) == std::optional<std::time_t>(200));
    CHECK(s->tlsa_first_seen(owner, record(3)) == std::optional<std::time_t>(300));
    CHECK(s->tlsa_first_seen("_25._tcp.other.test", record(1)) == std::optional<std::time_t>(400));
    auto other = record(1);
    other.usage = 2;
    CHECK_FALSE(s->tlsa_first_seen(owner, other).has_value());
}

TEST_CASE("outbox: due, mark_failed, mark_sent") {
    TempDir dir;
    auto s = Store::open(dir.path);
    s->record_cycle({}, 100, {},
                    {outbox("email", "first", 100), outbox("syslog", "s", 100),
                     outbox("email", "second", 100), outbox("email", "later", 500)});
    CHECK(s->pending() == 4);
    auto due = s->due("email", 100);
    REQUIRE(due.size() == 2);
    CHECK(due[0].payload == "first");
    CHECK(due[1].payload == "second");
    CHECK(due[0].attempts == 0);
    CHECK(due[0].channel == "email");

    s->mark_failed(due[0].id, "connection refused", 300);
    s->mark_sent(due[1].id);
    CHECK(s->pending() == 3);
    CHECK(s->due("email", 299).empty());
    auto again = s->due("email", 300);
    REQUIRE(again.size() == 1);
    CHECK(again[0].id == due[0].id);
    CHECK(again[0].attempts == 1);
    CHECK(again[0].last_error == "connection refused");
    CHECK(again[0].next_attempt == 300);
    CHECK(s->due("email", 500).size() == 2);
    CHECK(s->due("syslog", 100).size() == 1);
    CHECK(s->due("exec", 1000).empty());
    s.reset();
    CHECK(Store::open(dir.path)->pending() == 3);
}

TEST_CASE("history keeps at most 1000 rows per domain") {
    TempDir dir;
    auto s = Store::open(dir.path);
    for (std::time_t t = 1; t <= 1005; ++t)
        s->record_cycle({verdict("a.test", check::Status::ok)}, t, {}, {});
    s->record_cycle({verdict("b.test", check::Status::ok)}, 1, {}, {});
    s.reset();
    CHECK(query_int(dir.db(), "SELECT count(*) FROM history WHERE domain = 'a.test'") == 1000);
    CHECK(query_int(dir.db(), "SELECT min(checked_at) FROM history WHERE domain = 'a.test'") == 6);
    CHECK(query_int(dir.db(), "SELECT max(checked_at) FROM history WHERE domain = 'a.test'") ==
          1005);
    CHECK(query_int(dir.db(), "SELECT count(*) FROM history WHERE domain = 'b.test'") == 1);
}

TEST_CASE("the database is WAL with danemon's application_id and schema version 2") {
    TempDir dir;
    Store::open(dir.path);
    CHECK(query_int(dir.db(), "PRAGMA user_version") == 2);
    CHECK(query_int(dir.db(), "PRAGMA application_id") == 0x44414e45);
    CHECK(query_int(dir.db(), "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = "
                              "'wal'") == 1);
}

TEST_CASE("a file that is not a database is refused with one sentence") {
    TempDir dir;
    {
        std::ofstream out(dir.db(), std::ios::binary);
        for (int i = 0; i < 200; ++i)
            out << "this is not an SQLite database, just some text\n";
    }
    const std::string error = error_of(dir.path);
    CHECK_THAT(error, Catch::Contains(dir.db()));
    CHECK_THAT(error, Catch::Contains("not a danemon state database"));
    CHECK_THAT(error, Catch::Contains("move it away"));
}

TEST_CASE("a foreign SQLite database is refused") {
    TempDir dir;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.db().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE foo (x INTEGER)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
    const std::string error = error_of(dir.path);
    CHECK_THAT(error, Catch::Contains(dir.db()));
    CHECK_THAT(error, Catch::Contains("it has other tables"));
    CHECK(query_int(dir.db(), "SELECT count(*) FROM sqlite_master") == 1); // left untouched
}

TEST_CASE("another application's or a newer schema's database is refused") {
    TempDir dir;
    Store::open(dir.path);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.db().c_str(), &db) == SQLITE_OK);
    SECTION("newer schema") {
        REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr) ==
                SQLITE_OK);
        sqlite3_close(db);
        CHECK_THAT(error_of(dir.path), Catch::Contains("schema version 7"));
    }
    SECTION("other application") {
        REQUIRE(sqlite3_exec(db, "PRAGMA application_id = 42", nullptr, nullptr, nullptr) ==
                SQLITE_OK);
        sqlite3_close(db);
        CHECK_THAT(error_of(dir.path), Catch::Contains("not a danemon state database"));
    }
}

TEST_CASE("a database locked by another process is reported after the busy timeout") {
    TempDir dir;
    Store::open(dir.path);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.db().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);

    const auto start = std::chrono::steady_clock::now();
    const std::string error = error_of(dir.path, std::chrono::milliseconds(300));
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK_THAT(error, Catch::Contains(dir.db()));
    CHECK_THAT(error, Catch::Contains("is locked by another process"));
    CHECK(waited >= std::chrono::milliseconds(250));
    CHECK(waited < std::chrono::seconds(3));

    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    CHECK(error_of(dir.path, std::chrono::milliseconds(100)).empty()); // lock gone: opens
}

TEST_CASE("record_cycle on an open store reports a lock taken by another process") {
    TempDir dir;
    auto s = Store::open(dir.path, std::chrono::milliseconds(200));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.db().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK_THROWS_WITH(s->record_cycle({verdict("a.test", check::Status::ok)}, 1, {}, {}),
                      Catch::Contains("is locked by another process"));
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    s->record_cycle({verdict("a.test", check::Status::ok)}, 1, {}, {});
    CHECK(s->latest().size() == 1);
}

TEST_CASE("an unwritable state directory is named") {
    if (geteuid() == 0) return; // root writes anywhere
    TempDir dir;
    const std::string locked = (dir.path / "ro").string();
    std::filesystem::create_directory(locked);
    std::filesystem::permissions(locked, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_exec);
    const std::string error = error_of(locked);
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
    CHECK_THAT(error, Catch::Contains(locked));
    CHECK_THAT(error, Catch::Contains("state directory"));
}

TEST_CASE("a process killed during record_cycle loses nothing it was told was stored") {
    TempDir dir;
    Store::open(dir.path); // create the schema before the first child
    std::mt19937 random(std::random_device{}());
    for (int round = 0; round < 5; ++round) {
        const std::string domain = "round" + std::to_string(round) + ".test";
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        const pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            close(fds[0]);
            try {
                auto s = Store::open(dir.path);
                for (std::uint32_t cycle = 1;; ++cycle) {
                    s->record_cycle({verdict(domain, check::Status::warning, {record(1)})},
                                    static_cast<std::time_t>(cycle),
                                    {alert(domain, "c", static_cast<std::time_t>(cycle))},
                                    {outbox("syslog", "payload", 0)});
                    if (write(fds[1], &cycle, sizeof cycle) != sizeof cycle) _exit(2);
                }
            } catch (...) {
                _exit(1);
            }
        }
        close(fds[1]);
        std::uniform_int_distribution<int> delay_ms(20, 250);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
        kill(child, SIGKILL);
        int status = 0;
        REQUIRE(waitpid(child, &status, 0) == child);
        CHECK(WIFSIGNALED(status));

        std::vector<std::uint32_t> reported;
        std::uint32_t cycle = 0;
        while (read(fds[0], &cycle, sizeof cycle) == sizeof cycle)
            reported.push_back(cycle);
        close(fds[0]);
        INFO("round " << round << ": " << reported.size() << " cycles reported");

        CHECK(query_int(dir.db(), "SELECT count(*) FROM pragma_integrity_check WHERE "
                                  "integrity_check = 'ok'") == 1);
        auto s = Store::open(dir.path);
        if (reported.empty()) continue;
        const std::uint32_t last = reported.back();
        const std::int64_t kept =
            query_int(dir.db(), "SELECT count(*) FROM history WHERE domain = '" + domain + "'");
        CHECK(kept >= std::min<std::int64_t>(last, 1000));
        for (auto c : reported) {
            if (c + 1000 <= last) continue; // beyond retention
            CHECK(query_int(dir.db(), "SELECT count(*) FROM history WHERE domain = '" + domain +
                                          "' AND checked_at = " + std::to_string(c)) == 1);
        }
        auto latest = s->latest();
        bool found = false;
        for (const auto& d : latest)
            if (d.domain == domain) {
                found = true;
                CHECK(d.checked_at >= static_cast<std::time_t>(last));
            }
        CHECK(found);
        CHECK(s->pending() >= reported.size());
    }
}

TEST_CASE("a damaged database is refused with one sentence") {
    TempDir dir;
    {
        auto s = Store::open(dir.path);
        for (std::time_t t = 1; t <= 50; ++t)
            s->record_cycle({verdict("a.test", check::Status::ok, {record(1)})}, t,
                            {alert("a.test", "c", t)}, {outbox("syslog", "p", t)});
    }
    const auto size = std::filesystem::file_size(dir.db());
    REQUIRE(size > 8192);
    {
        // Keep page 1 (header and schema), overwrite every other page with garbage.
        std::fstream file(dir.db(), std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(4096);
        std::mt19937 random(1);
        for (auto i = std::uintmax_t{4096}; i < size; ++i)
            file.put(static_cast<char>(random() & 0xff));
    }
    const std::string error = error_of(dir.path);
    CHECK_THAT(error, Catch::Contains(dir.db()));
    CHECK_THAT(error, Catch::Contains("is damaged"));
    CHECK_THAT(error, Catch::Contains("move it away"));
}

TEST_CASE("a state database of schema 1 is upgraded in place, keeping its alert states") {
    TempDir dir;
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(dir.db().c_str(), &db) == SQLITE_OK);
        const char* v1 =
            "CREATE TABLE domain_status (domain TEXT PRIMARY KEY, status TEXT NOT NULL, "
            "checked_at INTEGER NOT NULL);"
            "CREATE TABLE domain_problem (domain TEXT NOT NULL REFERENCES domain_status(domain) "
            "ON DELETE CASCADE, seq INTEGER NOT NULL, code TEXT NOT NULL, severity TEXT NOT "
            "NULL, message TEXT NOT NULL, mx TEXT NOT NULL, address TEXT NOT NULL, PRIMARY KEY "
            "(domain, seq));"
            "CREATE TABLE history (id INTEGER PRIMARY KEY, domain TEXT NOT NULL, checked_at "
            "INTEGER NOT NULL, status TEXT NOT NULL, problems INTEGER NOT NULL);"
            "CREATE TABLE tlsa_seen (owner TEXT NOT NULL, usage INTEGER NOT NULL, selector "
            "INTEGER NOT NULL, matching INTEGER NOT NULL, data BLOB NOT NULL, first_seen INTEGER "
            "NOT NULL, PRIMARY KEY (owner, usage, selector, matching, data));"
            "CREATE TABLE alert_state (domain TEXT NOT NULL, mx TEXT NOT NULL, address TEXT NOT "
            "NULL, code TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, first_seen "
            "INTEGER NOT NULL, last_alerted INTEGER NOT NULL, PRIMARY KEY (domain, mx, address, "
            "code));"
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, payload TEXT NOT "
            "NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL, "
            "last_error TEXT NOT NULL DEFAULT '');"
            "INSERT INTO alert_state VALUES ('a.test', 'mx.a.test', '', 'tlsa-mismatch', "
            "'critical', 'm', 100, 100);"
            "PRAGMA application_id = 1145130565; PRAGMA user_version = 1;";
        REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    CHECK_THROWS_WITH(Store::open_read_only(dir.path),
                      Catch::Contains("was written by an older danemon (schema version 1)"));
    auto s = Store::open(dir.path);
    const auto states = s->alert_states();
    REQUIRE(states.size() == 1);
    CHECK(states[0].key.code == "tlsa-mismatch");
    CHECK_FALSE(states[0].pending);
    CHECK(query_int(dir.db(), "PRAGMA user_version") == 2);
}

TEST_CASE("a pending alert state and a pending problem are kept as pending") {
    TempDir dir;
    auto s = Store::open(dir.path);
    auto v = verdict("a.test", check::Status::critical);
    v.mx[0].problems[0].pending = true;
    auto state = alert("a.test", "tlsa-mismatch", 100);
    state.pending = true;
    s->record_cycle({v}, 200, {state}, {});
    CHECK(s->alert_states().at(0).pending);
    const auto latest = Store::open_read_only(dir.path)->latest();
    REQUIRE(latest.at(0).problems.size() == 2);
    CHECK_FALSE(latest[0].problems[0].pending);
    CHECK(latest[0].problems[1].pending);
}
