// danemon daemon: the long-running service (lib/monitor), with logging to the journal when
// systemd started us and to stderr otherwise.
#include "commands.hpp"
#include "danemon/monitor/monitor.hpp"

#include <cstdlib>
#include <memory>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

namespace danemon::cli {
namespace {

struct DaemonArgs {
    std::string config = "/etc/danemon/danemon.yaml";
    bool verbose = false;
};

void set_up_logging(bool verbose) {
    std::shared_ptr<spdlog::logger> logger;
    if (std::getenv("JOURNAL_STREAM") != nullptr) {
        logger = std::make_shared<spdlog::logger>(
            "danemon", std::make_shared<spdlog::sinks::systemd_sink_mt>("danemon"));
        logger->set_pattern("%v");
    } else {
        logger = std::make_shared<spdlog::logger>(
            "danemon", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        logger->set_pattern("%Y-%m-%dT%H:%M:%S %l %v");
    }
    logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

} // namespace

void add_daemon_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<DaemonArgs>();
    CLI::App* cmd = app.add_subcommand(
        "daemon", "Run as a service: check the configured domains every interval, keep state, "
                  "and alert on changes (syslog, email, exec hook)");
    cmd->footer("Signals: SIGHUP reloads the configuration (an invalid one is refused and the "
                "running one kept), SIGUSR1 checks every domain now, SIGTERM stops.\nUnder "
                "systemd: Type=notify with watchdog "
                "(systemd/danemon.service).");
    cmd->add_option("--config", args->config, "Configuration file")->capture_default_str();
    cmd->add_flag("-v,--verbose", args->verbose, "Log debug messages");
    cmd->callback([&run, args] {
        run = [args] {
            set_up_logging(args->verbose);
            return monitor::run_service(args->config);
        };
    });
}

} // namespace danemon::cli
