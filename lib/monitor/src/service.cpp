// The service loop: signals through a signalfd, the cycle on a worker thread so that the
// loop keeps answering systemd's watchdog, SIGHUP reloads, SIGTERM stops within 5 s.
#include "danemon/monitor/monitor.hpp"

#include <future>
#include <limits.h>
#include <malloc.h>
#include <memory>
#include <optional>
#include <ostream>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

namespace danemon::monitor {
namespace {

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name) != 0 || name[0] == '\0') return "localhost";
    return name;
}

void notify(const std::string& state) {
    if (std::getenv("NOTIFY_SOCKET")) sd_notify(0, state.c_str());
}

std::unique_ptr<dns::Resolver> make_resolver(const config::Config& c) {
    dns::ResolverOptions options;
    options.server =
        c.resolver.empty() ? dns::system_resolver() : dns::parse_resolver_address(c.resolver);
    options.timeout = std::chrono::milliseconds(5000);
    return dns::make_ldns_resolver(options);
}

// Everything that a configuration determines, rebuilt on reload.
struct Wiring {
    std::shared_ptr<const config::Config> config;
    std::unique_ptr<dns::Resolver> resolver;
    std::vector<std::unique_ptr<alert::AlertSink>> sinks;
    std::unique_ptr<metrics::HttpEndpoint> endpoint;
};

Wiring wire(config::Config loaded, const std::string& host) {
    if (loaded.helo_name.empty()) loaded.helo_name = host;
    Wiring w;
    w.config = std::make_shared<const config::Config>(std::move(loaded));
    w.resolver = make_resolver(*w.config);
    w.sinks = make_sinks(*w.config, host);
    if (!w.config->metrics.listen.empty())
        w.endpoint = std::make_unique<metrics::HttpEndpoint>(w.config->metrics.listen);
    return w;
}

} // namespace

int run_service(const std::string& config_path) {
    // Signals are taken from a signalfd; every thread created later inherits the mask.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sfd < 0) {
        spdlog::critical("cannot create a signalfd: {}", std::strerror(errno));
        return 3;
    }
    const std::string host = host_name();

    Wiring current;
    std::unique_ptr<store::Store> store;
    try {
        current = wire(config::load_config(config_path), host);
        store = store::Store::open(current.config->state_directory);
    } catch (const std::exception& e) {
        // One sentence, once: under systemd the logger writes to the journal (where stderr
        // goes too), otherwise the logger is stderr itself, so the plain line suffices.
        if (std::getenv("JOURNAL_STREAM") != nullptr)
            spdlog::critical("{}", e.what());
        else
            std::fprintf(stderr, "danemon daemon: %s\n", e.what());
        return 3;
    }
    auto prober = smtp::make_starttls_prober();
    Schedule schedule;
    schedule.configure(*current.config, std::time(nullptr));
    std::map<std::string, metrics::DomainSample> samples;
    spdlog::info("started config={} domains={} state={}", config_path,
                 current.config->domains.size(), current.config->state_directory);
    notify("READY=1\nSTATUS=started, first cycle pending");

    std::uint64_t watchdog_usec = 0;
    bool watchdog = std::getenv("NOTIFY_SOCKET") && sd_watchdog_enabled(0, &watchdog_usec) > 0;
    std::optional<std::future<CycleSummary>> running;
    std::vector<std::string> running_domains;
    bool stopping = false;

    for (;;) {
        const std::time_t now = std::time(nullptr);
        if (!running && !stopping) {
            auto due = schedule.due(now);
            if (!due.empty()) {
                running_domains = due;
                auto config = current.config;
                running = std::async(std::launch::async, [&, config, due] {
                    CycleIo io{
                        *current.resolver, *prober, *store, {}, [] { return std::time(nullptr); }};
                    for (auto& sink : current.sinks)
                        io.sinks.push_back(sink.get());
                    return run_cycle(*config, due, io, samples);
                });
            }
        }
        int wait_ms = 1000;
        if (watchdog)
            wait_ms = static_cast<int>(std::min<std::uint64_t>(1000, watchdog_usec / 2000));
        if (!running && schedule.next_due() > now)
            wait_ms = static_cast<int>(
                std::min<std::time_t>((schedule.next_due() - now) * 1000, wait_ms * 60));
        if (watchdog)
            wait_ms = static_cast<int>(
                std::min<std::uint64_t>(static_cast<std::uint64_t>(wait_ms), watchdog_usec / 2000));
        pollfd p{sfd, POLLIN, 0};
        int ready = poll(&p, 1, wait_ms);
        if (watchdog) notify("WATCHDOG=1");

        if (running && running->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            try {
                CycleSummary s = running->get();
                schedule.checked(running_domains, std::time(nullptr));
                spdlog::info("cycle done {}", s.status_line());
                notify("STATUS=" + s.status_line());
                // Rendered only where someone reads it (10,000 domains make megabytes). The
                // cycle is stored whatever happens here: a metrics failure is logged, and the
                // schedule stays.
                const bool textfile = !current.config->metrics.textfile.empty();
                try {
                    if (current.endpoint) {
                        std::string text = metrics::render(samples);
                        if (textfile)
                            metrics::write_textfile(current.config->metrics.textfile, text);
                        current.endpoint->publish(std::move(text));
                    } else if (textfile) {
                        metrics::write_textfile(
                            current.config->metrics.textfile,
                            [&](std::ostream& out) { metrics::render(out, samples); });
                    }
                } catch (const std::exception& e) {
                    spdlog::error("metrics not written error=\"{}\"", e.what());
                }
                // Worker threads leave freed memory in their malloc arenas; hand it back
                // between cycles, when the daemon only waits.
                malloc_trim(0);
            } catch (const std::exception& e) {
                // The cycle's transaction did not commit: the domains stay due and are retried.
                spdlog::error("cycle failed error=\"{}\"", e.what());
                schedule.checked(running_domains,
                                 std::time(nullptr) - current.config->interval.count() + 60);
            }
            running.reset();
            if (stopping) break;
        }
        if (ready <= 0) continue;
        signalfd_siginfo info{};
        if (read(sfd, &info, sizeof info) != sizeof info) continue;
        if (info.ssi_signo == SIGUSR1) {
            spdlog::info("check requested signal=USR1");
            schedule.all_due(std::time(nullptr));
            continue;
        }
        if (info.ssi_signo == SIGHUP) {
            timespec ts{};
            clock_gettime(CLOCK_MONOTONIC, &ts);
            notify("RELOADING=1\nMONOTONIC_USEC=" +
                   std::to_string(static_cast<std::uint64_t>(ts.tv_sec) * 1000000 +
                                  static_cast<std::uint64_t>(ts.tv_nsec) / 1000));
            try {
                if (running) running->wait(); // the cycle uses the current wiring
                if (running) {
                    schedule.checked(running_domains, std::time(nullptr));
                    running->get();
                    running.reset();
                }
                Wiring next = wire(config::load_config(config_path), host);
                if (next.config->state_directory != current.config->state_directory)
                    spdlog::warn(
                        "reload state_directory changed; it takes effect at the next restart");
                current = std::move(next);
                schedule.configure(*current.config, std::time(nullptr));
                spdlog::info("reloaded config={} domains={}", config_path,
                             current.config->domains.size());
                notify("READY=1\nSTATUS=configuration reloaded");
            } catch (const std::exception& e) {
                spdlog::error("reload failed, keeping the running configuration: {}", e.what());
                notify("READY=1\nSTATUS=reload failed, running on the previous configuration");
            }
        } else {
            spdlog::info("stopping signal={}", info.ssi_signo == SIGTERM ? "TERM" : "INT");
            notify("STOPPING=1");
            stopping = true;
            if (!running) break;
            // A cycle in flight gets four seconds; its transaction commits whole or not at
            // all, so leaving without it loses only that cycle, never stored state.
            if (running->wait_for(std::chrono::seconds(4)) != std::future_status::ready) {
                spdlog::warn("stopping without waiting for the running cycle");
                std::fflush(nullptr);
                _exit(0);
            }
        }
    }
    close(sfd);
    return 0;
}

} // namespace danemon::monitor
