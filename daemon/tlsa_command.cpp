// danemon tlsa: print the TLSA record(s) to publish for a certificate or chain file, in
// zone-file syntax. The choice of certificate and the digest live in lib/rollover.
#include "cli_checks.hpp"
#include "commands.hpp"
#include "danemon/dane/certificate.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/localfile/read.hpp"
#include "danemon/rollover/publish.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace danemon::cli {
namespace {

struct TlsaArgs {
    std::string cert;
    int usage = 3;
    int selector = 1;
    int matching = 1;
    std::vector<std::string> hosts;
};

int fail(const std::string& sentence) {
    std::cerr << "danemon tlsa: " << sentence << "\n";
    return 3;
}

int run_tlsa(const TlsaArgs& args) {
    const auto contents = localfile::read_regular_file(args.cert, localfile::certificate_file);
    if (!contents) return fail(contents.error() + ".");
    const auto file = rollover::read_certificate_file(*contents);
    if (!file.error.empty()) return fail(args.cert + ": " + file.error + ".");
    const auto choice = rollover::record_for_chain(
        file.chain, static_cast<std::uint8_t>(args.usage), static_cast<std::uint8_t>(args.selector),
        static_cast<std::uint8_t>(args.matching));
    if (!choice.record) return fail(args.cert + ": " + choice.error + ".");

    std::vector<std::string> hosts;
    for (const auto& host : args.hosts)
        hosts.push_back(facts::normalize_name(host)); // checked by the option's validator
    if (hosts.empty()) {
        const auto names = rollover::publishable_host_names(file.chain.front());
        for (const auto& name : names.not_host_names)
            std::cerr << "danemon tlsa: " << args.cert << ": the certificate's name '" << name
                      << "' is not a host name: no record is printed for it.\n";
        hosts = names.hosts;
        if (hosts.empty())
            return fail(args.cert + ": the certificate names no host that can own a TLSA record "
                                    "(only wildcards, names that are no host names, or none); "
                                    "give the MX host with --host.");
    }
    for (const auto& host : hosts)
        std::cout << rollover::zone_file_line(host, *choice.record) << "\n";
    return 0;
}

} // namespace

void add_tlsa_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<TlsaArgs>();
    CLI::App* cmd = app.add_subcommand(
        "tlsa", "Print the TLSA record(s) to publish for a certificate or chain file, in "
                "zone-file syntax (_25._tcp.MXHOST. IN TLSA 3 1 1 HEX).");
    cmd->footer(
        "Without --host, one line is printed for each DNS name of the certificate (its "
        "subjectAltNames, else its CN; wildcards are skipped): keep the lines of your MX "
        "hosts.\nWith --usage 2 the record names the last certificate of the file (the issuing "
        "CA of a full chain), not the leaf.\nExit status: 0 printed, 3 bad input.\n"
        "Example: danemon tlsa --cert /etc/letsencrypt/live/mx.example.org/fullchain.pem "
        "--host mx.example.org");
    cmd->add_option("--cert", args->cert, "Certificate or chain file (PEM, leaf first; or DER)")
        ->required()
        ->type_name("FILE");
    cmd->add_option("--usage", args->usage, "3 = DANE-EE (the server's own key), 2 = DANE-TA")
        ->check(CLI::IsMember({3, 2}))
        ->capture_default_str();
    cmd->add_option("--selector", args->selector,
                    "1 = public key (survives renewal with the "
                    "same key), 0 = whole certificate")
        ->check(CLI::IsMember({1, 0}))
        ->capture_default_str();
    cmd->add_option("--matching", args->matching, "1 = SHA-256, 2 = SHA-512")
        ->check(CLI::IsMember({1, 2}))
        ->capture_default_str();
    cmd->add_option("--host", args->hosts, "MX host name(s) that serve this certificate")
        ->type_name("MXHOST")
        ->check(host_name());
    cmd->callback([&run, args] { run = [args] { return run_tlsa(*args); }; });
}

} // namespace danemon::cli
