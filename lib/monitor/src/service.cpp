// The service loop: signals through a signalfd, the cycle on a worker thread so that the
// loop keeps answering systemd's watchdog, SIGHUP reloads at once (a running cycle finishes
// on the wiring it started with), SIGTERM stops within 5 s.
#include "danemon/monitor/monitor.hpp"
#include "danemon/pipeline/pipeline.hpp"
#include "danemon/smtp/identity.hpp"

#include <cerrno>
#include <cstring>
#include <future>
#include <malloc.h>
#include <memory>
#include <optional>
#include <ostream>
#include <poll.h>
#include <set>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

namespace danemon::monitor {
namespace {

using Clock = std::chrono::steady_clock;

void notify(const std::string& state) {
    if (std::getenv("NOTIFY_SOCKET")) sd_notify(0, state.c_str());
}

// Everything a configuration determines that a cycle uses. A running cycle holds its own
// reference, so that a reload replaces the wiring without waiting for the cycle.
struct Wiring {
    config::Config config;
    std::unique_ptr<dns::Resolver> resolver;
    std::vector<std::unique_ptr<alert::AlertSink>> sinks;
};

std::shared_ptr<const Wiring> wire(config::Config loaded, const std::string& host) {
    auto w = std::make_shared<Wiring>();
    if (loaded.helo_name.empty()) loaded.helo_name = host;
    w->config = std::move(loaded);
    // One resolver until the next reload: the embedded validator caches across cycles.
    dns::ResolverSetup setup;
    setup.choice = {w->config.resolver, w->config.trust_anchor, w->config.root_hints};
    setup.state_dir = w->config.state_directory;
    setup.timeout = pipeline::dns_query_timeout(
        std::chrono::duration_cast<std::chrono::milliseconds>(w->config.timeout));
    w->resolver = dns::make_resolver(setup);
    w->sinks = alert::make_sinks(w->config, host);
    return w;
}

// The one sentence of a start-up failure, once: under systemd the logger writes to the
// journal (where stderr goes too), otherwise the logger is stderr itself.
void report_start_failure(const std::string& sentence) {
    if (std::getenv("JOURNAL_STREAM") != nullptr)
        spdlog::critical("{}", sentence);
    else
        std::fprintf(stderr, "danemon daemon: %s\n", sentence.c_str());
}

class Service {
public:
    Service(std::string config_path, int signal_fd)
        : config_path_(std::move(config_path))
        , signal_fd_(signal_fd)
        , host_(smtp::local_host_name()) {}

    int run();

private:
    bool start();
    void start_due_cycle(Clock::time_point now);
    void finish_cycle();
    void publish_metrics();
    // False when the service is to stop now.
    bool handle_signal(const signalfd_siginfo& info);
    void reload();
    int wait_ms(Clock::time_point now) const;

    std::string config_path_;
    int signal_fd_;
    std::string host_;
    std::shared_ptr<const Wiring> wiring_;
    std::unique_ptr<store::DirectoryLock> lock_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<smtp::Prober> prober_ = smtp::make_starttls_prober();
    std::unique_ptr<metrics::HttpEndpoint> endpoint_;
    Schedule schedule_;
    std::map<std::string, metrics::DomainSample> samples_; // written by the cycle only
    DaemonMemory memory_;                                  // likewise
    std::uint64_t watchdog_usec_ = 0;
    std::optional<std::future<CycleSummary>> running_;
    std::vector<std::string> running_domains_;
    bool stopping_ = false;
};

bool Service::start() {
    try {
        wiring_ = wire(config::load_config(config_path_), host_);
        lock_ = store::DirectoryLock::acquire(wiring_->config.state_directory);
        store_ = store::Store::open(wiring_->config.state_directory);
        memory_.load(store_->alert_states());
        if (!wiring_->config.metrics.listen.empty())
            endpoint_ = std::make_unique<metrics::HttpEndpoint>(wiring_->config.metrics.listen);
    } catch (const std::exception& e) {
        report_start_failure(e.what());
        return false;
    }
    schedule_.configure(wiring_->config, Clock::now());
    if (std::getenv("NOTIFY_SOCKET") == nullptr || sd_watchdog_enabled(0, &watchdog_usec_) <= 0)
        watchdog_usec_ = 0;
    spdlog::info("started config={} domains={} state={} dnssec=\"{}\"", config_path_,
                 wiring_->config.domains.size(), wiring_->config.state_directory,
                 wiring_->resolver->describe());
    notify("READY=1\nSTATUS=started, first cycle pending");
    return true;
}

void Service::start_due_cycle(Clock::time_point now) {
    if (running_ || stopping_) return;
    auto due = schedule_.due(now);
    if (due.empty()) return;
    running_domains_ = due;
    running_ = std::async(std::launch::async, [this, wiring = wiring_, due = std::move(due)] {
        CycleIo io{
            *wiring->resolver, *prober_, *store_, {}, [] { return std::time(nullptr); }, host_};
        for (const auto& sink : wiring->sinks)
            io.sinks.push_back(sink.get());
        return run_cycle(wiring->config, due, io, memory_, samples_);
    });
}

void Service::finish_cycle() {
    try {
        const CycleSummary s = running_->get();
        schedule_.checked(running_domains_, Clock::now());
        // A problem seen once that may be passing: look again when its confirmation is due.
        const std::time_t wall = std::time(nullptr);
        for (const auto& [domain, at] : s.confirm_at)
            schedule_.retry(
                {domain}, Clock::now() + std::chrono::seconds(std::max<std::time_t>(0, at - wall)));
        spdlog::info("cycle done {}", s.status_line());
        notify((s.store_failure ? "READY=1\nSTATUS=" : "STATUS=") + s.status_line());
        publish_metrics();
    } catch (const std::exception& e) {
        // A batch's transaction did not commit: its domains stay due and are retried.
        spdlog::error("cycle failed error=\"{}\"", e.what());
        schedule_.retry(running_domains_, Clock::now() + std::chrono::seconds(60));
        notify("STATUS=cycle failed, retrying in 60 s: " + std::string(e.what()));
    }
    running_.reset();
    // Worker threads leave freed memory in their malloc arenas; hand it back between
    // cycles, when the daemon only waits.
    malloc_trim(0);
}

// Rendered only where someone reads it (10,000 domains make megabytes). A metrics failure
// is logged; the cycle is stored whatever happens here.
void Service::publish_metrics() {
    std::set<std::string> configured;
    for (const auto& d : wiring_->config.domains)
        configured.insert(d.name);
    std::erase_if(samples_, [&](const auto& entry) { return !configured.count(entry.first); });
    const std::string& textfile = wiring_->config.metrics.textfile;
    metrics::ServiceSample service;
    service.alerts_pending = memory_.alerts_pending;
    service.delivery_failures = memory_.delivery_failures;
    service.store_failing = memory_.store_failure.has_value();
    try {
        if (endpoint_) {
            std::string text = metrics::render(samples_, &service);
            if (!textfile.empty()) metrics::write_textfile(textfile, text);
            endpoint_->publish(std::move(text));
        } else if (!textfile.empty()) {
            metrics::write_textfile(
                textfile, [&](std::ostream& out) { metrics::render(out, samples_, &service); });
        }
    } catch (const std::exception& e) {
        spdlog::error("metrics not written error=\"{}\"", e.what());
    }
}

// A new configuration takes effect at once; a cycle in flight finishes on the wiring it
// started with. An invalid configuration is refused and the running one kept.
void Service::reload() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    notify("RELOADING=1\nMONOTONIC_USEC=" +
           std::to_string(static_cast<std::uint64_t>(ts.tv_sec) * 1000000 +
                          static_cast<std::uint64_t>(ts.tv_nsec) / 1000));
    try {
        auto next = wire(config::load_config(config_path_), host_);
        if (next->config.state_directory != wiring_->config.state_directory)
            spdlog::warn("reload state_directory changed; it takes effect at the next restart");
        if (next->config.metrics.listen != wiring_->config.metrics.listen) {
            endpoint_.reset(); // the old address is free before the new one is bound
            if (!next->config.metrics.listen.empty())
                endpoint_ = std::make_unique<metrics::HttpEndpoint>(next->config.metrics.listen);
        }
        wiring_ = std::move(next);
        schedule_.configure(wiring_->config, Clock::now());
        spdlog::info("reloaded config={} domains={} dnssec=\"{}\"", config_path_,
                     wiring_->config.domains.size(), wiring_->resolver->describe());
        notify("READY=1\nSTATUS=configuration reloaded");
    } catch (const std::exception& e) {
        spdlog::error("reload failed, keeping the running configuration: {}", e.what());
        notify("READY=1\nSTATUS=reload failed, running on the previous configuration");
    }
}

bool Service::handle_signal(const signalfd_siginfo& info) {
    switch (info.ssi_signo) {
    case SIGUSR1:
        spdlog::info("check requested signal=USR1");
        schedule_.all_due(Clock::now());
        return true;
    case SIGHUP:
        reload();
        return true;
    default:
        break;
    }
    spdlog::info("stopping signal={}", info.ssi_signo == SIGTERM ? "TERM" : "INT");
    notify("STOPPING=1");
    stopping_ = true;
    if (!running_) return false;
    // A cycle in flight gets four seconds; each batch's transaction commits whole or not at
    // all, so leaving without it loses only that cycle's unfinished batch, never stored state.
    if (running_->wait_for(std::chrono::seconds(4)) != std::future_status::ready) {
        spdlog::warn("stopping without waiting for the running cycle");
        std::fflush(nullptr);
        _exit(0);
    }
    finish_cycle();
    return false;
}

// Until the next due domain, at most a minute, and at most half the watchdog interval.
int Service::wait_ms(Clock::time_point now) const {
    long ms = 60000;
    if (running_) ms = 1000;
    if (const auto next = schedule_.next_due(); next && !running_)
        ms = std::clamp<long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count(), 0, ms);
    if (watchdog_usec_ > 0) ms = std::min<long>(ms, static_cast<long>(watchdog_usec_ / 2000));
    return static_cast<int>(ms);
}

int Service::run() {
    if (!start()) return 3;
    for (;;) {
        start_due_cycle(Clock::now());
        pollfd p{signal_fd_, POLLIN, 0};
        const int ready = poll(&p, 1, wait_ms(Clock::now()));
        if (watchdog_usec_ > 0) notify("WATCHDOG=1");
        if (running_ && running_->wait_for(std::chrono::seconds(0)) == std::future_status::ready)
            finish_cycle();
        if (ready <= 0) continue;
        signalfd_siginfo info{};
        if (read(signal_fd_, &info, sizeof info) != sizeof info) continue;
        if (!handle_signal(info)) return 0;
    }
}

} // namespace

int run_service(const std::string& config_path) {
    // Signals are taken from a signalfd; every thread created later inherits the mask.
    sigset_t mask;
    sigemptyset(&mask);
    for (const int sig : {SIGHUP, SIGTERM, SIGINT, SIGUSR1})
        sigaddset(&mask, sig);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);
    const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sfd < 0) {
        spdlog::critical("cannot create a signalfd: {}", std::strerror(errno));
        return 3;
    }
    const int code = Service(config_path, sfd).run();
    close(sfd);
    return code;
}

} // namespace danemon::monitor
