// What check and verify both take from their command line over a configuration's settings.
#include "options.hpp"

#include "danemon/check/codes.hpp"

#include <exception>

namespace danemon::command::detail {

Expected<std::optional<config::Config>> load_optional_config(const std::string& file) {
    if (file.empty()) return std::optional<config::Config>{};
    try {
        return std::optional<config::Config>{config::load_config(file)};
    } catch (const std::exception& e) {
        return Error{e.what()};
    }
}

void add_severity_rules(check::Policy& policy, const std::vector<std::string>& rules) {
    for (const auto& rule : rules)
        if (auto parsed = check::parse_severity_rule(rule))
            policy.severity[parsed->first] = parsed->second;
}

void override_resolver(dns::ResolverChoice& choice, std::string& state_dir,
                       const dns::ResolverChoice& given, const std::string& given_state_dir) {
    if (!given.resolver.empty()) choice.resolver = given.resolver;
    if (!given.trust_anchor.empty()) choice.trust_anchor = given.trust_anchor;
    if (!given.root_hints.empty()) choice.root_hints = given.root_hints;
    if (!given_state_dir.empty()) state_dir = given_state_dir;
}

} // namespace danemon::command::detail
