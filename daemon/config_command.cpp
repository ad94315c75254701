// danemon config: check a configuration file, print the example configuration or the
// settings reference.
#include "commands.hpp"
#include "danemon/config/config.hpp"

#include <iostream>
#include <memory>
#include <string>

namespace danemon::cli {
namespace {

int run_config_check(const std::string& file) {
    try {
        const config::Config cfg = config::load_config(file);
        const std::size_t n = cfg.domains.size();
        std::cout << file << ": ok (" << n << (n == 1 ? " domain" : " domains") << ")\n";
        return 0;
    } catch (const config::ConfigError& e) {
        std::cerr << e.what() << "\n";
        return 3;
    }
}

} // namespace

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
    check->callback([&run, file] { run = [file] { return run_config_check(*file); }; });

    CLI::App* example = cmd->add_subcommand(
        "example", "Print an example configuration: every setting, its default and its meaning");
    example->callback([&run] {
        run = [] {
            std::cout << config::example_config();
            return 0;
        };
    });

    CLI::App* reference =
        cmd->add_subcommand("reference", "Print the settings reference as a Markdown table");
    reference->callback([&run] {
        run = [] {
            std::cout << config::settings_reference_markdown();
            return 0;
        };
    });
}

} // namespace danemon::cli
