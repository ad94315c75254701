// Checks of command-line values and the helpers of the subcommands (cli.hpp).
#include "cli.hpp"
#include "danemon/check/codes.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/text/text.hpp"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace danemon::cli {
namespace {

// A validator from a parser that returns the value or the sentence why it is none.
template <typename Parse> CLI::Validator parsed_by(Parse parse, const char* type = "") {
    return CLI::Validator(
        [parse](std::string& text) -> std::string {
            auto parsed = parse(text);
            return parsed ? std::string() : parsed.error();
        },
        type);
}

} // namespace

CLI::Validator seconds_between(double min, double max) {
    return parsed_by([=](const std::string& text) { return text::parse_seconds(text, min, max); },
                     "SECONDS");
}

CLI::Validator mail_domain() {
    return parsed_by(dns::parse_mail_domain);
}

CLI::Validator host_name() {
    return parsed_by([](const std::string& text) -> Expected<std::string> {
        if (auto name = dns::parse_mail_domain(text)) return name; // a domain's rules
        return Error{"'" + text + "' is not a host name"};
    });
}

CLI::Validator helo_name() {
    return parsed_by(dns::parse_helo_name);
}

CLI::Validator severity_rule() {
    return parsed_by(check::parse_severity_rule);
}

CLI::Validator non_empty_path() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return text.empty() ? std::string("an empty path was given") : std::string();
        },
        "");
}

void add_resolver_options(CLI::App& cmd, dns::ResolverChoice& choice, const char* fallback) {
    cmd.add_option("--resolver", choice.resolver,
                   std::string("Who validates DNSSEC (default: ") + fallback +
                       "): auto = the first nameserver in /etc/resolv.conf when it is on this "
                       "host and validates, else embedded; embedded = danemon validates itself "
                       "(libunbound); or a validating resolver ADDR[:PORT]")
        ->type_name("auto|embedded|ADDR")
        ->check(parsed_by(dns::parse_resolver_choice));
    cmd.add_option("--trust-anchor", choice.trust_anchor,
                   "The embedded validator's trust anchor, a DS or DNSKEY file in zone-file "
                   "syntax (default: /usr/share/dns/root.key, tracked by RFC 5011 in the state "
                   "directory)")
        ->type_name("FILE")
        ->check(non_empty_path());
    cmd.add_option("--root-hints", choice.root_hints,
                   "Root hints file of a private root (default: the public root servers)")
        ->type_name("FILE")
        ->check(non_empty_path());
}

void prints(CLI::App& cmd, std::function<int()>& run, std::function<std::string()> text) {
    cmd.callback([&run, text] {
        run = [text] {
            std::cout << text();
            return 0;
        };
    });
}

bool color_output() {
    return isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
}

} // namespace danemon::cli
