// The daemon's work: a schedule of domains with jittered intervals, one check cycle over the
// domains that are due (resolve, probe, evaluate, decide alerts, store, deliver, metrics),
// and the service loop around it (signals, sd_notify, reload). The cycle takes its I/O as
// parameters so that it runs the same way against fakes in tests.
#pragma once

#include "danemon/alert/alert.hpp"
#include "danemon/config/config.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/metrics/metrics.hpp"
#include "danemon/smtp/prober.hpp"
#include "danemon/store/store.hpp"

#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace danemon::monitor {

// When each configured domain is due next: its interval (per domain or global) plus a
// random jitter in [0, jitter], so that a fleet does not probe in lock step. Times are on the
// monotonic clock: a step of the wall clock (NTP, a wrong RTC at boot) neither stops checking
// nor runs every domain at once.
class Schedule {
public:
    using Instant = std::chrono::steady_clock::time_point;

    explicit Schedule(std::uint64_t seed = std::random_device{}());
    // Keeps due times of domains that stay configured (at most one new interval away);
    // new domains are due at `now`.
    void configure(const config::Config& config, Instant now);
    std::vector<std::string> due(Instant now) const;
    // Checked at `now`: due again one interval (plus jitter) later.
    void checked(const std::vector<std::string>& domains, Instant now);
    // Not checked (the cycle failed): due again at `at`.
    void retry(const std::vector<std::string>& domains, Instant at);
    std::optional<Instant> next_due() const; // the earliest due time; none without domains
    void all_due(Instant now);               // SIGUSR1: check everything now

private:
    struct Entry {
        std::chrono::seconds interval{0};
        Instant due{};
    };
    std::map<std::string, Entry> entries_;
    std::chrono::seconds jitter_{0};
    std::mt19937_64 random_;
};

// What the daemon keeps in memory between cycles. The alert state of every domain is loaded
// from the store at start and updated by every batch, so that alerts are decided (and never
// sent twice) even while the store cannot be written; alerts that could not be stored are
// delivered from here and stored once the store works again.
struct DaemonMemory {
    std::map<std::string, std::vector<store::AlertState>> alert_states; // by domain
    struct Unsaved {
        std::string channel;
        alert::AlertEvent event;
    };
    std::vector<Unsaved> unsaved;             // oldest first, at most max_unsaved
    std::optional<std::string> store_failure; // why the store cannot be written, while so
    std::map<std::string, std::uint64_t> delivery_failures; // by channel, since start
    std::map<std::string, std::uint64_t> failures_not_logged;
    std::map<std::string, std::chrono::steady_clock::time_point> failure_logged;
    std::size_t alerts_pending = 0; // after the last cycle

    static constexpr std::size_t max_unsaved = 10000;
    void load(const std::vector<store::AlertState>& states);
};

struct CycleSummary {
    std::size_t domains = 0;
    std::size_t ok = 0, warning = 0, critical = 0, unknown = 0;
    std::size_t alerts_queued = 0;
    std::size_t alerts_delivered = 0;
    std::size_t alerts_pending = 0;
    std::optional<std::string> store_failure;
    // Domains with problems waiting for their confirming re-check, and when it is due.
    std::map<std::string, std::time_t> confirm_at;
    double seconds = 0;
    std::string status_line() const; // for sd_notify STATUS= and the log
};

struct CycleIo {
    dns::Resolver& resolver;
    smtp::Prober& prober;
    store::Store& store;
    std::vector<alert::AlertSink*> sinks;
    std::function<std::time_t()> clock;
    std::string host_name; // names this host in the daemon's own alerts (state-store-failing)
};

// Runs one cycle over `domains`. Per batch, alerts are decided against `memory` and queued
// in the same transaction as the new state, then delivered from the outbox. When the store
// cannot be written the cycle goes on: the failure is logged and announced once
// (state-store-failing), and the batch's alerts are delivered from memory. `samples` holds
// the latest sample per domain (metrics).
CycleSummary run_cycle(const config::Config& config, const std::vector<std::string>& domains,
                       CycleIo& io, DaemonMemory& memory,
                       std::map<std::string, metrics::DomainSample>& samples);

// The service: returns the process exit code. Loads `config_path`, runs until SIGTERM or
// SIGINT, reloads on SIGHUP (keeping the old configuration when the new one is invalid),
// runs a cycle over all domains at once on SIGUSR1, and talks to systemd through sd_notify
// when NOTIFY_SOCKET is set.
int run_service(const std::string& config_path);

// Logs to the journal when systemd started the process (JOURNAL_STREAM is set), else to
// stderr with timestamps; debug messages too when verbose.
void set_up_logging(bool verbose);

} // namespace danemon::monitor
