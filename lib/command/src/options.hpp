// What check and verify both take from their command line over a configuration's settings.
#pragma once

#include "danemon/check/evaluate.hpp"
#include "danemon/config/config.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/expected/expected.hpp"

#include <optional>
#include <string>
#include <vector>

namespace danemon::command::detail {

// The configuration FILE names, or none for "": its error as one sentence.
Expected<std::optional<config::Config>> load_optional_config(const std::string& file);

// --severity rules (already checked) added to POLICY; for one code they win.
void add_severity_rules(check::Policy& policy, const std::vector<std::string>& rules);

// The resolver options given on the command line (those not empty) over the configured
// choice and state directory.
void override_resolver(dns::ResolverChoice& choice, std::string& state_dir,
                       const dns::ResolverChoice& given, const std::string& given_state_dir);

} // namespace danemon::command::detail
