// The danemon executable's parts: each subcommand registers its options on the CLI11 app and
// sets *run to call lib/ with them (run functions return the exit code); the checks of
// command-line values use the rules the configuration uses, so that bad local input is the
// user's error (exit 3 with one sentence naming the option), never sent to DNS or a server.
#pragma once

#include "danemon/command/command.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

namespace danemon::cli {

void add_check_command(CLI::App& app, std::function<int()>& run);
void add_verify_command(CLI::App& app, std::function<int()>& run);
void add_tlsa_command(CLI::App& app, std::function<int()>& run);
void add_daemon_command(CLI::App& app, std::function<int()>& run);
void add_status_command(CLI::App& app, std::function<int()>& run);
void add_config_command(CLI::App& app, std::function<int()>& run);
void add_codes_command(CLI::App& app, std::function<int()>& run);
// "precheck" and "hook": the pre-rotation gate for certificate renewals, whose options
// (--resolver, --state-dir, --now, --timeout, --port) add_gate_options registers.
void add_precheck_command(CLI::App& app, std::function<int()>& run);
void add_hook_command(CLI::App& app, std::function<int()>& run);
void add_gate_options(CLI::App& cmd, command::GateOptions& options);

// A number of seconds in [min, max]; "nan", "inf" and trailing text are refused.
CLI::Validator seconds_between(double min, double max);
// A mail domain (dns::parse_mail_domain): not empty, ASCII, not an IP address, a host name.
CLI::Validator mail_domain();
// A host name as an MX host or certificate name.
CLI::Validator host_name();
// The EHLO name (dns::parse_helo_name).
CLI::Validator helo_name();
// CODE=LEVEL for --severity (check::parse_severity_rule).
CLI::Validator severity_rule();
// A path that is not empty.
CLI::Validator non_empty_path();
// --resolver, --trust-anchor and --root-hints; FALLBACK says what applies when not given.
void add_resolver_options(CLI::App& cmd, dns::ResolverChoice& choice, const char* fallback);
// When CMD is chosen, *run calls COMMAND with the parsed request, stdout and stderr.
template <typename Request>
void runs(CLI::App& cmd, std::function<int()>& run, std::shared_ptr<Request> request,
          int (*command)(const Request&, std::ostream&, std::ostream&)) {
    cmd.callback([&run, request, command] {
        run = [request, command] { return command(*request, std::cout, std::cerr); };
    });
}
// When CMD is chosen, *run prints what TEXT returns and exits 0.
void prints(CLI::App& cmd, std::function<int()>& run, std::function<std::string()> text);
// Whether reports on stdout are coloured: stdout is a terminal and NO_COLOR is not set.
bool color_output();

} // namespace danemon::cli
