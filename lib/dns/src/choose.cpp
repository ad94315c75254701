// Which validator judges DNSSEC: the mail host's own validating resolver when it has one
// (auto), the embedded validator otherwise or when asked for, or a resolver named by address.
#include "danemon/dns/resolver.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>
#include <stdexcept>

namespace danemon::dns {
namespace {

// The local resolver's validation probe answers at once or not at all: it is not given the
// whole per-query time, so that a resolv.conf naming a dead stub costs little.
constexpr std::chrono::milliseconds probe_limit{2000};

ValidatorOptions validator_options(const ResolverSetup& setup) {
    ValidatorOptions options;
    options.trust_anchor = setup.choice.trust_anchor;
    options.root_hints = setup.choice.root_hints;
    options.state_dir = setup.state_dir;
    options.packaged_root_key = setup.packaged_root_key;
    options.timeout = setup.timeout;
    options.deadline = setup.deadline;
    return options;
}

ResolverOptions resolver_options(const ResolverSetup& setup, ResolverAddress server) {
    ResolverOptions options;
    options.server = std::move(server);
    options.timeout = setup.timeout;
    options.deadline = setup.deadline;
    return options;
}

// auto: the system resolver when it is on loopback and validates; otherwise why not.
std::unique_ptr<Resolver> local_validating_resolver(const ResolverSetup& setup,
                                                    std::string& why_not) {
    ResolverAddress server;
    try {
        server = system_resolver(setup.resolv_conf);
    } catch (const std::runtime_error&) {
        why_not = "no nameserver in " + setup.resolv_conf;
        return nullptr;
    }
    const std::string name = to_string(server);
    if (!is_loopback(server)) {
        why_not = "the system resolver " + name + " is not on this host";
        return nullptr;
    }
    ResolverOptions probe = resolver_options(setup, server);
    probe.timeout = std::min(setup.timeout, probe_limit);
    if (!make_ldns_resolver(probe)->check_validation().validating) {
        why_not = "the system resolver " + name + " does not validate DNSSEC";
        return nullptr;
    }
    return make_ldns_resolver(resolver_options(setup, server));
}

} // namespace

Expected<std::string> parse_resolver_choice(const std::string& resolver) {
    if (resolver.empty() || resolver == "auto" || resolver == "embedded") return resolver;
    try {
        (void)parse_resolver_address(resolver);
    } catch (const std::invalid_argument& e) {
        const std::string guess = text::nearest(resolver, {"auto", "embedded"}, 2);
        return Error{e.what() + (guess.empty() ? "" : "; did you mean '" + guess + "'?")};
    }
    return resolver;
}

std::unique_ptr<Resolver> make_resolver(const ResolverSetup& setup) {
    const std::string& resolver = setup.choice.resolver;
    if (resolver == "embedded") return make_embedded_validator(validator_options(setup));
    if (!resolver.empty() && resolver != "auto") {
        const ResolverAddress server = parse_resolver_address(resolver);
        if (!setup.choice.trust_anchor.empty() || !setup.choice.root_hints.empty())
            throw std::invalid_argument("a trust anchor or root hints file is for the embedded "
                                        "validator (resolver auto or embedded), not for the "
                                        "resolver at " +
                                        to_string(server));
        return make_ldns_resolver(resolver_options(setup, server));
    }
    std::string why_not;
    if (auto local = local_validating_resolver(setup, why_not)) return local;
    ValidatorOptions options = validator_options(setup);
    options.chosen_because = "chosen by auto: " + why_not;
    return make_embedded_validator(options);
}

} // namespace danemon::dns
