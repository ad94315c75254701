// The commands around the service: daemon (lib/monitor), status (the latest stored result
// of every domain), config (check a configuration file, print the example or the settings
// reference) and codes (the problem codes; --markdown prints the README's table).
#include "cli.hpp"
#include "danemon/check/codes.hpp"
#include "danemon/config/config.hpp"
#include "danemon/monitor/monitor.hpp"

namespace danemon::cli {
namespace {

struct DaemonArgs {
    std::string config = "/etc/danemon/danemon.yaml";
    bool verbose = false;
};

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
            monitor::set_up_logging(args->verbose);
            return monitor::run_service(args->config);
        };
    });
}

void add_status_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<command::StatusRequest>();
    args->color = color_output();
    CLI::App* cmd = app.add_subcommand(
        "status", "Print the latest stored result of every domain from the state database "
                  "(no probing, nothing written).");
    cmd->footer("Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (worst stored domain; 3 "
                "also when nothing is stored or the database cannot be read).");
    cmd->add_option("--state-dir", args->state_dir, "Directory holding danemon.db")
        ->type_name("DIR")
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Print JSON instead of text");
    runs(*cmd, run, args, command::run_status);
}

void add_config_command(CLI::App& app, std::function<int()>& run) {
    CLI::App* cmd = app.add_subcommand("config", "Check the configuration file, or print an "
                                                 "example configuration or the settings reference");
    cmd->require_subcommand(1);
    cmd->footer("Example: danemon config check /etc/danemon/danemon.yaml");

    auto file = std::make_shared<std::string>();
    CLI::App* check = cmd->add_subcommand(
        "check", "Parse and validate FILE; print 'FILE: ok (N domains)' or the first problem "
                 "(exit status 3)");
    check->add_option("FILE", *file, "Configuration file")->required();
    runs(*check, run, file, command::run_config_check);

    CLI::App* example = cmd->add_subcommand(
        "example", "Print an example configuration: every setting, its default and its meaning");
    prints(*example, run, config::example_config);

    CLI::App* reference =
        cmd->add_subcommand("reference", "Print the settings reference as a Markdown table");
    prints(*reference, run, config::settings_reference_markdown);
}

void add_codes_command(CLI::App& app, std::function<int()>& run) {
    auto markdown = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "codes", "List the problem codes: usual severity, when the daemon alerts, meaning, fix");
    cmd->footer("The codes are what --severity CODE=LEVEL and the configuration's severity map "
                "take.\nExample: danemon codes --markdown");
    cmd->add_flag("--markdown", *markdown, "Print the list as a Markdown table (README.md's)");
    prints(*cmd, run,
           [markdown] { return *markdown ? check::codes_markdown() : check::codes_text(); });
}

} // namespace danemon::cli
