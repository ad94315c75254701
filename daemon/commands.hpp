// The subcommands of the danemon executable. Each registers its options on the CLI11 app
// and runs with them; run functions return the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace danemon::cli {

// Adds "check" to app; *run is set to the function to call when it was chosen.
void add_check_command(CLI::App& app, std::function<int()>& run);
// Adds "tlsa": print the TLSA records to publish for a certificate file.
void add_tlsa_command(CLI::App& app, std::function<int()>& run);
// Adds "daemon": the long-running service.
void add_daemon_command(CLI::App& app, std::function<int()>& run);
// Adds "status": print the latest stored results from the state database, without probing.
void add_status_command(CLI::App& app, std::function<int()>& run);
// Adds "config": check a configuration file, print the example or the settings reference.
void add_config_command(CLI::App& app, std::function<int()>& run);

// Adds "codes": list the problem codes (--markdown: README.md's table).
void add_codes_command(CLI::App& app, std::function<int()>& run);

// Adds "precheck" and "hook": the pre-rotation gate for certificate renewals.
void add_precheck_command(CLI::App& app, std::function<int()>& run);
void add_hook_command(CLI::App& app, std::function<int()>& run);

} // namespace danemon::cli
