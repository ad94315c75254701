// Checks of command-line values, with the rules the configuration uses, so that bad local
// input is the user's error (exit 3 with one sentence naming the option), never sent to DNS
// or to an MX host.
#pragma once

#include <CLI/CLI.hpp>

namespace danemon::cli {

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

} // namespace danemon::cli
