// The durable state of danemon in one SQLite database (WAL) in the state directory: check
// history, the first time each TLSA record was seen (the rollover gate's clock), the alert
// state per (domain, MX, address, code), and the alert outbox. Every method that changes
// state commits before it returns: what it returned survives a crash or power cut.
#pragma once

#include "danemon/check/verdict.hpp"
#include "danemon/dane/tlsa.hpp"
#include "danemon/facts/facts.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace danemon::store {

// One sentence naming the database file: corrupt, foreign, locked, unwritable, full.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The alert state of one (domain, mx, address, code): what was last announced.
struct AlertKey {
    std::string domain;
    std::string mx;      // empty for domain-level problems
    std::string address; // empty above endpoint level
    std::string code;
    friend auto operator<=>(const AlertKey&, const AlertKey&) = default;
};

struct AlertState {
    AlertKey key;
    check::Severity severity = check::Severity::warning; // as last announced
    std::string message;                                 // as last announced
    std::time_t first_seen = 0;                          // when the problem appeared
    std::time_t last_alerted = 0; // when it was last announced (new, worse or reminder)
    bool pending = false;         // seen, not yet announced: waiting for its confirming re-check
};

// An alert waiting for delivery on one channel ("syslog", "email", "exec").
struct OutboxEntry {
    std::int64_t id = 0;
    std::string channel;
    std::string payload; // JSON of the event, as the channel sends it
    int attempts = 0;
    std::time_t next_attempt = 0;
    std::string last_error;
};

class Store {
public:
    // Opens (creating if missing) DIRECTORY/danemon.db. Throws StoreError. busy_timeout: how
    // long to wait for a lock held by another process before giving up (tests shorten it).
    static std::unique_ptr<Store>
    open(const std::string& directory,
         std::chrono::milliseconds busy_timeout = default_busy_timeout);
    static constexpr std::chrono::milliseconds default_busy_timeout{5000};
    // Opens an existing DIRECTORY/danemon.db for reading only: nothing is created or
    // written, and every change throws. Throws StoreError with one sentence that says what
    // is wrong (no such directory, not a directory, permission denied, empty, foreign).
    static std::unique_ptr<Store>
    open_read_only(const std::string& directory,
                   std::chrono::milliseconds busy_timeout = default_busy_timeout);
    // The database file inside a state directory: DIRECTORY/danemon.db.
    static std::string database_path(const std::string& directory);
    virtual ~Store() = default;

    // One transaction: the cycle's verdicts become the latest status and history of their
    // domains, the records of their DNSSEC-secure TLSA RRsets are noted as seen (first time
    // kept; see note_tlsa_seen), the alert states are replaced by `states` for these
    // domains, and `outbox` entries are queued.
    virtual void record_cycle(const std::vector<check::DomainVerdict>& verdicts,
                              std::time_t checked_at, const std::vector<AlertState>& states,
                              const std::vector<OutboxEntry>& outbox) = 0;

    // Notes the records of the RRset as seen at `now` unless seen before, when the RRset is
    // DNSSEC-secure: only what validating senders use starts the rollover gate's 2 x TTL
    // clock (RFC 7671 section 8.1), and record_cycle applies the same rule. One transaction.
    // Call it only with real observations: never with a time given for a dry run.
    virtual void note_tlsa_seen(const std::string& owner,
                                const facts::Lookup<dane::TlsaRecord>& tlsa, std::time_t now) = 0;
    // When the record was first seen at owner (e.g. "_25._tcp.mx.example.org"), if ever.
    virtual std::optional<std::time_t> tlsa_first_seen(const std::string& owner,
                                                       const dane::TlsaRecord& record) = 0;

    virtual std::vector<check::VerdictSummary> latest() = 0; // by domain name
    virtual std::vector<AlertState> alert_states() = 0;

    // Outbox entries of a channel due at `now` (next_attempt <= now), oldest first.
    virtual std::vector<OutboxEntry> due(const std::string& channel, std::time_t now) = 0;
    // Before a delivery attempt: the entry says it is being delivered, so that one a crash
    // interrupted is shown as such (and retried: it may then arrive twice).
    virtual void begin_attempt(std::int64_t id) = 0;
    virtual void mark_sent(std::int64_t id) = 0; // removes the entry
    virtual void mark_failed(std::int64_t id, const std::string& error,
                             std::time_t next_attempt) = 0;
    virtual std::size_t pending() = 0;
    // Every entry waiting for delivery, oldest first (danemon status).
    virtual std::vector<OutboxEntry> outbox() = 0;
    // Copies the write-ahead log into the database and truncates it, so that the files of
    // the state directory do not grow between cycles (PRAGMA wal_checkpoint(TRUNCATE)).
    virtual void checkpoint() = 0;
};

// One daemon per state directory, for its whole life: an exclusive lock (flock) on
// DIRECTORY/danemon.lock, which names the holder's PID. A second daemon on the same
// directory would mail every alert twice. status, precheck and check do not take it.
class DirectoryLock {
public:
    // Creates the directory when missing. Throws StoreError with one sentence, naming the
    // PID of the daemon that holds the lock.
    static std::unique_ptr<DirectoryLock> acquire(const std::string& directory);
    ~DirectoryLock();
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

private:
    explicit DirectoryLock(int fd)
        : fd_(fd) {}
    int fd_;
};

// The last_error of an entry whose delivery began and did not end (danemon was stopped).
inline constexpr const char* interrupted_delivery =
    "interrupted: danemon stopped while delivering it, so it may arrive twice (with the same "
    "Message-ID)";

} // namespace danemon::store
