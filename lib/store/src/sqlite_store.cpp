// Store on SQLite: one database file in WAL mode, synchronous=FULL, every change in one
// transaction, prepared statements with bound parameters only.
#include "danemon/store/store.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <sqlite3.h>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace danemon::store {
namespace {

// "DANE" in ASCII: marks the file as a danemon state database (PRAGMA application_id).
constexpr std::int32_t application_id = 0x44414e45;
constexpr int schema_version = 2;
constexpr int history_per_domain = 1000;

const char* const schema_sql = R"sql(
CREATE TABLE domain_status (
    domain     TEXT PRIMARY KEY,
    status     TEXT NOT NULL,
    checked_at INTEGER NOT NULL
);
CREATE TABLE domain_problem (
    domain   TEXT NOT NULL REFERENCES domain_status(domain) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    code     TEXT NOT NULL,
    severity TEXT NOT NULL,
    message  TEXT NOT NULL,
    mx       TEXT NOT NULL,
    address  TEXT NOT NULL,
    pending  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (domain, seq)
);
CREATE TABLE history (
    id         INTEGER PRIMARY KEY,
    domain     TEXT NOT NULL,
    checked_at INTEGER NOT NULL,
    status     TEXT NOT NULL,
    problems   INTEGER NOT NULL
);
CREATE INDEX history_by_domain ON history (domain, checked_at);
CREATE TABLE tlsa_seen (
    owner      TEXT NOT NULL,
    usage      INTEGER NOT NULL,
    selector   INTEGER NOT NULL,
    matching   INTEGER NOT NULL,
    data       BLOB NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (owner, usage, selector, matching, data)
);
CREATE TABLE alert_state (
    domain       TEXT NOT NULL,
    mx           TEXT NOT NULL,
    address      TEXT NOT NULL,
    code         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    message      TEXT NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_alerted INTEGER NOT NULL,
    pending      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (domain, mx, address, code)
);
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    payload      TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (channel, next_attempt);
)sql";

// From schema 1 (danemon before confirmed alerts) to 2: problems and alert states can be
// pending confirmation.
const char* const migrate_1_to_2_sql = R"sql(
ALTER TABLE domain_problem ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_state ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
)sql";

struct DbClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, DbClose>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Names written by another version of danemon read as the most careful value.
check::Status status_from_text(std::string_view text) {
    return check::status_from_string(text).value_or(check::Status::unknown);
}
check::Severity severity_from_text(std::string_view text) {
    return check::severity_from_string(text).value_or(check::Severity::critical);
}

// Turns an SQLite result code into one sentence naming the file and what to do.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& path, const std::string& directory,
                       std::string_view doing) {
    const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw StoreError(path + " is locked by another process (is another danemon running?)");
    case SQLITE_NOTADB:
        throw StoreError(
            path +
            " is not a danemon state database (file is not a database); move it away or choose "
            "another state_directory");
    case SQLITE_CORRUPT:
        throw StoreError(path + " is damaged (" + detail +
                         "); move it away and danemon starts a new one (history and alert "
                         "state are lost)");
    case SQLITE_FULL:
        throw StoreError(path + " cannot grow: the disk is full; free space in " + directory);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_IOERR:
        throw StoreError("cannot write " + path + " (" + detail + "); make " + directory +
                         " writable for danemon or choose another state_directory");
    default:
        throw StoreError(path + ": " + std::string(doing) + " failed (" + detail + ")");
    }
}

class SqliteStore;

// One prepared statement: bind with bind(), step until it returns false.
class Statement {
public:
    Statement(const SqliteStore& store, const char* sql);

    Statement& bind(int index, const std::string& text) {
        check(sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                                nullptr)); // SQLITE_STATIC: the caller keeps text alive
        return *this;
    }
    Statement& bind(int index, const dane::Bytes& bytes) {
        // A zero-length blob must still be a blob, not NULL.
        check(bytes.empty() ? sqlite3_bind_zeroblob(stmt_.get(), index, 0)
                            : sqlite3_bind_blob(stmt_.get(), index, bytes.data(),
                                                static_cast<int>(bytes.size()), nullptr));
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        check(sqlite3_bind_int64(stmt_.get(), index, value));
        return *this;
    }

    // True while there is a row to read.
    bool step();
    void run() {
        while (step()) {
        }
    }

    std::string text(int column) const {
        const auto* p = sqlite3_column_text(stmt_.get(), column);
        const int n = sqlite3_column_bytes(stmt_.get(), column);
        return p == nullptr
                   ? std::string()
                   : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

private:
    void check(int rc) const;

    const SqliteStore& store_;
    StmtHandle stmt_;
};

class SqliteStore final : public Store {
public:
    struct ReadOnly {};

    SqliteStore(std::string directory, std::chrono::milliseconds busy_timeout)
        : directory_(std::move(directory))
        , path_(database_path(directory_)) {
        open_database(busy_timeout);
    }

    SqliteStore(std::string directory, std::chrono::milliseconds busy_timeout, ReadOnly)
        : directory_(std::move(directory))
        , path_(database_path(directory_)) {
        open_existing_read_only(busy_timeout);
    }

    [[noreturn]] void fail(int rc, std::string_view doing) const {
        last_rc_ = rc;
        store::fail(db_.get(), rc, path_, directory_, doing);
    }
    sqlite3* db() const { return db_.get(); }

    void exec(const char* sql) const {
        const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) fail(rc, sql);
    }

    void record_cycle(const std::vector<check::DomainVerdict>& verdicts, std::time_t checked_at,
                      const std::vector<AlertState>& states,
                      const std::vector<OutboxEntry>& outbox) override {
        Transaction txn(*this);
        for (const auto& verdict : verdicts)
            record_verdict(verdict, checked_at);
        for (const auto& state : states) {
            Statement(*this, "INSERT OR REPLACE INTO alert_state (domain, mx, address, code, "
                             "severity, message, first_seen, last_alerted, pending) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .bind(1, state.key.domain)
                .bind(2, state.key.mx)
                .bind(3, state.key.address)
                .bind(4, state.key.code)
                .bind(5, std::string(check::to_string(state.severity)))
                .bind(6, state.message)
                .bind(7, std::int64_t{state.first_seen})
                .bind(8, std::int64_t{state.last_alerted})
                .bind(9, std::int64_t{state.pending ? 1 : 0})
                .run();
        }
        for (const auto& entry : outbox) {
            Statement(*this, "INSERT INTO outbox (channel, payload, attempts, next_attempt, "
                             "last_error) VALUES (?1, ?2, ?3, ?4, ?5)")
                .bind(1, entry.channel)
                .bind(2, entry.payload)
                .bind(3, std::int64_t{entry.attempts})
                .bind(4, std::int64_t{entry.next_attempt})
                .bind(5, entry.last_error)
                .run();
        }
        txn.commit();
    }

    // The domain's status, problems, history row and secure TLSA RRsets; its alert states are
    // dropped here and written afresh by record_cycle.
    void record_verdict(const check::DomainVerdict& verdict, std::time_t checked_at) {
        const std::int64_t at = checked_at;
        const std::string status = check::to_string(verdict.status);
        const std::vector<check::Problem> problems = verdict.all_problems();
        Statement(*this, "DELETE FROM domain_problem WHERE domain = ?1")
            .bind(1, verdict.domain)
            .run();
        Statement(*this, "INSERT INTO domain_status (domain, status, checked_at) "
                         "VALUES (?1, ?2, ?3) ON CONFLICT (domain) DO UPDATE SET "
                         "status = excluded.status, checked_at = excluded.checked_at")
            .bind(1, verdict.domain)
            .bind(2, status)
            .bind(3, at)
            .run();
        std::int64_t seq = 0;
        for (const auto& problem : problems) {
            const std::string severity = check::to_string(problem.severity);
            Statement(*this, "INSERT INTO domain_problem (domain, seq, code, severity, "
                             "message, mx, address, pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                             "?7, ?8)")
                .bind(1, verdict.domain)
                .bind(2, seq++)
                .bind(3, std::string(check::to_string(problem.code)))
                .bind(4, severity)
                .bind(5, problem.message)
                .bind(6, problem.mx)
                .bind(7, problem.address)
                .bind(8, std::int64_t{problem.pending ? 1 : 0})
                .run();
        }
        Statement(*this, "INSERT INTO history (domain, checked_at, status, problems) "
                         "VALUES (?1, ?2, ?3, ?4)")
            .bind(1, verdict.domain)
            .bind(2, at)
            .bind(3, status)
            .bind(4, static_cast<std::int64_t>(problems.size()))
            .run();
        Statement(*this, "DELETE FROM history WHERE domain = ?1 AND id NOT IN (SELECT id "
                         "FROM history WHERE domain = ?1 ORDER BY checked_at DESC, id DESC "
                         "LIMIT ?2)")
            .bind(1, verdict.domain)
            .bind(2, std::int64_t{history_per_domain})
            .run();
        for (const auto& mx : verdict.mx) {
            std::vector<dane::TlsaRecord> records;
            for (const auto& tlsa : mx.tlsa)
                records.push_back(tlsa.record);
            note_if_secure(mx.tlsa_name, mx.tlsa_status, records, at);
        }
        Statement(*this, "DELETE FROM alert_state WHERE domain = ?1").bind(1, verdict.domain).run();
    }

    void note_tlsa_seen(const std::string& owner, const facts::Lookup<dane::TlsaRecord>& tlsa,
                        std::time_t now) override {
        Transaction txn(*this);
        note_if_secure(owner, tlsa.status, tlsa.records, now);
        txn.commit();
    }

    std::optional<std::time_t> tlsa_first_seen(const std::string& owner,
                                               const dane::TlsaRecord& record) override {
        Statement q(*this, "SELECT first_seen FROM tlsa_seen WHERE owner = ?1 AND usage = ?2 "
                           "AND selector = ?3 AND matching = ?4 AND data = ?5");
        q.bind(1, owner)
            .bind(2, std::int64_t{record.usage})
            .bind(3, std::int64_t{record.selector})
            .bind(4, std::int64_t{record.matching})
            .bind(5, record.data);
        if (!q.step()) return std::nullopt;
        return static_cast<std::time_t>(q.integer(0));
    }

    std::vector<check::VerdictSummary> latest() override {
        Transaction txn(*this, "BEGIN"); // one consistent snapshot for both queries
        std::vector<check::VerdictSummary> out;
        std::map<std::string, std::size_t> index;
        Statement q(*this, "SELECT domain, status, checked_at FROM domain_status ORDER BY domain");
        while (q.step()) {
            check::VerdictSummary status;
            status.domain = q.text(0);
            status.status = status_from_text(q.text(1));
            status.checked_at = static_cast<std::time_t>(q.integer(2));
            index.emplace(status.domain, out.size());
            out.push_back(std::move(status));
        }
        Statement p(*this, "SELECT domain, code, severity, message, mx, address, pending "
                           "FROM domain_problem ORDER BY domain, seq");
        while (p.step()) {
            auto it = index.find(p.text(0));
            if (it == index.end()) continue;
            // A code a newer version stored reads as an incomplete check that says so.
            const std::string stored = p.text(1);
            const std::optional<check::Code> code = check::code_from_string(stored);
            check::Problem problem{code.value_or(check::Code::check_incomplete),
                                   severity_from_text(p.text(2)), p.text(3), p.text(4), p.text(5)};
            if (!code)
                problem.message = "(stored as '" + stored +
                                  "', a code this version does not know) " + problem.message;
            problem.pending = p.integer(6) != 0;
            out[it->second].problems.push_back(std::move(problem));
        }
        txn.commit();
        return out;
    }

    std::vector<AlertState> alert_states() override {
        std::vector<AlertState> out;
        Statement q(*this, "SELECT domain, mx, address, code, severity, message, first_seen, "
                           "last_alerted, pending FROM alert_state ORDER BY domain, mx, "
                           "address, code");
        while (q.step()) {
            AlertState state;
            state.key = AlertKey{q.text(0), q.text(1), q.text(2), q.text(3)};
            state.severity = severity_from_text(q.text(4));
            state.message = q.text(5);
            state.first_seen = static_cast<std::time_t>(q.integer(6));
            state.last_alerted = static_cast<std::time_t>(q.integer(7));
            state.pending = q.integer(8) != 0;
            out.push_back(std::move(state));
        }
        return out;
    }

    std::vector<OutboxEntry> due(const std::string& channel, std::time_t now) override {
        std::vector<OutboxEntry> out;
        Statement q(*this, "SELECT id, channel, payload, attempts, next_attempt, last_error "
                           "FROM outbox WHERE channel = ?1 AND next_attempt <= ?2 ORDER BY id");
        q.bind(1, channel).bind(2, std::int64_t{now});
        while (q.step())
            out.push_back(OutboxEntry{q.integer(0), q.text(1), q.text(2),
                                      static_cast<int>(q.integer(3)),
                                      static_cast<std::time_t>(q.integer(4)), q.text(5)});
        return out;
    }

    void begin_attempt(std::int64_t id) override {
        Statement(*this, "UPDATE outbox SET last_error = ?2 WHERE id = ?1")
            .bind(1, id)
            .bind(2, std::string(interrupted_delivery))
            .run();
    }

    void mark_sent(std::int64_t id) override {
        Statement(*this, "DELETE FROM outbox WHERE id = ?1").bind(1, id).run();
    }

    void mark_failed(std::int64_t id, const std::string& error, std::time_t next_attempt) override {
        Statement(*this, "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, "
                         "next_attempt = ?3 WHERE id = ?1")
            .bind(1, id)
            .bind(2, error)
            .bind(3, std::int64_t{next_attempt})
            .run();
    }

    std::size_t pending() override {
        Statement q(*this, "SELECT count(*) FROM outbox");
        q.step();
        return static_cast<std::size_t>(q.integer(0));
    }

    std::vector<OutboxEntry> outbox() override {
        std::vector<OutboxEntry> out;
        Statement q(*this, "SELECT id, channel, payload, attempts, next_attempt, last_error "
                           "FROM outbox ORDER BY id");
        while (q.step())
            out.push_back(OutboxEntry{q.integer(0), q.text(1), q.text(2),
                                      static_cast<int>(q.integer(3)),
                                      static_cast<std::time_t>(q.integer(4)), q.text(5)});
        return out;
    }

    void checkpoint() override { exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

private:
    // BEGIN IMMEDIATE ... COMMIT; rolls back when left without commit().
    class Transaction {
    public:
        explicit Transaction(const SqliteStore& store, const char* begin = "BEGIN IMMEDIATE")
            : store_(store) {
            store_.exec(begin);
        }
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        ~Transaction() {
            if (open_) sqlite3_exec(store_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
        void commit() {
            store_.exec("COMMIT");
            open_ = false;
        }

    private:
        const SqliteStore& store_;
        bool open_ = true;
    };

    // The one rule for the rollover clock: records count as published from the first time
    // they were seen in a DNSSEC-secure RRset (status secure: found and validated).
    void note_if_secure(const std::string& owner, facts::LookupStatus status,
                        const std::vector<dane::TlsaRecord>& records, std::int64_t now) {
        if (owner.empty() || status != facts::LookupStatus::secure) return;
        for (const auto& record : records)
            insert_tlsa_seen(owner, record, now);
    }

    void insert_tlsa_seen(const std::string& owner, const dane::TlsaRecord& record,
                          std::int64_t now) {
        Statement(*this, "INSERT OR IGNORE INTO tlsa_seen (owner, usage, selector, matching, "
                         "data, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .bind(1, owner)
            .bind(2, std::int64_t{record.usage})
            .bind(3, std::int64_t{record.selector})
            .bind(4, std::int64_t{record.matching})
            .bind(5, record.data)
            .bind(6, now)
            .run();
    }

    std::int64_t pragma_integer(const char* sql) const {
        Statement q(*this, sql);
        return q.step() ? q.integer(0) : 0;
    }

    // Never creates or changes anything: the directory and a non-empty danemon.db must exist.
    void open_existing_read_only(std::chrono::milliseconds busy_timeout) {
        struct stat st {};
        if (::stat(directory_.c_str(), &st) != 0) {
            if (errno == ENOENT)
                throw StoreError("no check has been stored yet: the state directory " + directory_ +
                                 " does not exist");
            throw StoreError("cannot read the state directory " + directory_ + " (" +
                             std::strerror(errno) + ")");
        }
        if (!S_ISDIR(st.st_mode))
            throw StoreError("the state directory " + directory_ + " is not a directory");
        if (::stat(path_.c_str(), &st) != 0) {
            if (errno == ENOENT)
                throw StoreError("no check has been stored yet in " + directory_ + " (no " + path_ +
                                 ")");
            throw StoreError("cannot read " + path_ + " (" + std::strerror(errno) + ")");
        }
        if (!S_ISREG(st.st_mode)) throw StoreError(path_ + " is not a regular file");
        if (st.st_size == 0)
            throw StoreError(path_ + " is empty: no check has been stored in it yet");
        if (::access(path_.c_str(), R_OK) != 0)
            throw StoreError("cannot read " + path_ + " (" + std::strerror(errno) + ")");
        std::int64_t app_id = 0;
        try {
            open_connection(SQLITE_OPEN_READONLY, busy_timeout);
            app_id = pragma_integer("PRAGMA application_id");
        } catch (const StoreError&) {
            // A WAL database whose -shm file is missing cannot be opened read-only where it
            // cannot be created (a read-only file system). With no WAL content there is no
            // writer and nothing outside the main file: read it as immutable. Any other
            // failure (a lock that keeps readers out, damage) stands.
            if ((last_rc_ & 0xff) != SQLITE_CANTOPEN) throw;
            struct stat wal {};
            const std::string wal_path = path_ + "-wal";
            if (::stat(wal_path.c_str(), &wal) == 0 && wal.st_size > 0) throw;
            open_connection(SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, busy_timeout,
                            "file:" + uri_path(path_) + "?immutable=1");
            app_id = pragma_integer("PRAGMA application_id");
        }
        if (app_id != application_id)
            throw StoreError(path_ + " is not a danemon state database; move it away or choose "
                                     "another state_directory");
        const std::int64_t version = pragma_integer("PRAGMA user_version");
        if (version > 0 && version < schema_version)
            throw StoreError(path_ + " was written by an older danemon (schema version " +
                             std::to_string(version) +
                             "); the daemon, precheck or hook upgrade it when they open it");
        if (version != schema_version)
            throw StoreError(path_ + " has schema version " + std::to_string(version) +
                             ", which this danemon does not know (it knows " +
                             std::to_string(schema_version) + ")");
    }

    // A file path as the path of a file: URI (RFC 8089): the bytes SQLite would read as
    // query or fragment, and '%' itself, percent-encoded.
    static std::string uri_path(const std::string& path) {
        std::string out;
        for (const char c : path) {
            if (c == '%' || c == '?' || c == '#') {
                static constexpr char digits[] = "0123456789ABCDEF";
                const auto u = static_cast<unsigned char>(c);
                out += '%';
                out += digits[u >> 4];
                out += digits[u & 15];
            } else {
                out += c;
            }
        }
        return out;
    }

    void open_connection(int flags, std::chrono::milliseconds busy_timeout,
                         const std::string& name = {}) {
        sqlite3* raw = nullptr;
        const int rc =
            sqlite3_open_v2(name.empty() ? path_.c_str() : name.c_str(), &raw, flags, nullptr);
        db_.reset(raw); // closed even when opening failed
        if (rc != SQLITE_OK) fail(rc, "opening");
        sqlite3_extended_result_codes(db_.get(), 1);
        sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout.count()));
    }

    void open_database(std::chrono::milliseconds busy_timeout) {
        std::error_code ec;
        std::filesystem::create_directories(directory_, ec);
        if (ec)
            throw StoreError("cannot create the state directory " + directory_ + " (" +
                             ec.message() +
                             "); create it writable for danemon or choose "
                             "another state_directory");
        if (::access(directory_.c_str(), W_OK | X_OK) != 0)
            throw StoreError("cannot write to the state directory " + directory_ + " (" +
                             std::strerror(errno) +
                             "); make it writable for danemon or choose another "
                             "state_directory");

        open_connection(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, busy_timeout);
        exec("PRAGMA foreign_keys = ON");

        // Reading the header is the first I/O: a non-SQLite file fails here (NOTADB).
        const std::int64_t app_id = pragma_integer("PRAGMA application_id");
        const std::int64_t version = pragma_integer("PRAGMA user_version");
        bool fresh = false;
        if (app_id == 0) {
            if (pragma_integer("SELECT count(*) FROM sqlite_master") != 0)
                throw StoreError(path_ + " is not a danemon state database (it has other tables); "
                                         "move it away or choose another state_directory");
            fresh = true;
        } else if (app_id != application_id) {
            throw StoreError(path_ +
                             " is not a danemon state database (it belongs to another "
                             "application); move it away or choose another state_directory");
        } else if (version != schema_version && version != 1) {
            throw StoreError(path_ + " has schema version " + std::to_string(version) +
                             ", which this danemon does not know (it knows " +
                             std::to_string(schema_version) +
                             "); upgrade danemon or choose another state_directory");
        }

        {
            Statement q(*this, "PRAGMA journal_mode = WAL");
            if (!q.step() || q.text(0) != "wal")
                throw StoreError(path_ + " cannot use write-ahead logging (journal_mode " +
                                 q.text(0) + "); put the state_directory on a local file system");
        }
        exec("PRAGMA synchronous = FULL");
        // The WAL is truncated after each cycle (checkpoint()); between cycles it is copied
        // back every 100 pages and kept under 1 MB, so a small file system does not fill.
        exec("PRAGMA wal_autocheckpoint = 100");
        exec("PRAGMA journal_size_limit = 1048576");
        if (!fresh) {
            Statement q(*this, "PRAGMA quick_check");
            if (q.step() && q.text(0) != "ok")
                throw StoreError(path_ + " is damaged (quick_check: " + q.text(0) +
                                 "); move it away and danemon starts a new one (history and "
                                 "alert state are lost)");
        }

        // Taking the write lock once also tells at start-up whether another process holds it.
        Transaction txn(*this);
        if (pragma_integer("PRAGMA user_version") == 0) {
            if (pragma_integer("SELECT count(*) FROM sqlite_master") != 0)
                throw StoreError(path_ + " is not a danemon state database (it has other tables); "
                                         "move it away or choose another state_directory");
            exec(schema_sql);
            // PRAGMA takes no bound parameters; both values are compile-time constants.
            exec(("PRAGMA application_id = " + std::to_string(application_id)).c_str());
            exec(("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
        } else if (pragma_integer("PRAGMA user_version") == 1) {
            exec(migrate_1_to_2_sql);
            exec(("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
        }
        txn.commit();
    }

    std::string directory_;
    std::string path_;
    DbHandle db_;
    mutable int last_rc_ = SQLITE_OK; // of the last failure, for open_existing_read_only
};

Statement::Statement(const SqliteStore& store, const char* sql)
    : store_(store) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(store.db(), sql, -1, &raw, nullptr);
    stmt_.reset(raw);
    if (rc != SQLITE_OK) store_.fail(rc, sql);
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    store_.fail(rc, sqlite3_sql(stmt_.get()));
}

void Statement::check(int rc) const {
    if (rc != SQLITE_OK) store_.fail(rc, "binding a parameter");
}

} // namespace

std::string Store::database_path(const std::string& directory) {
    return (std::filesystem::path(directory) / "danemon.db").string();
}

std::unique_ptr<Store> Store::open(const std::string& directory,
                                   std::chrono::milliseconds busy_timeout) {
    return std::make_unique<SqliteStore>(directory, busy_timeout);
}

std::unique_ptr<Store> Store::open_read_only(const std::string& directory,
                                             std::chrono::milliseconds busy_timeout) {
    return std::make_unique<SqliteStore>(directory, busy_timeout, SqliteStore::ReadOnly{});
}

} // namespace danemon::store
