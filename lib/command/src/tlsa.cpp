// The TLSA record(s) to publish for a certificate or chain file, in zone-file syntax. The
// choice of certificate and the digest live in lib/rollover.
#include "danemon/command/command.hpp"
#include "danemon/dane/certificate_file.hpp"
#include "danemon/facts/facts.hpp"
#include "danemon/localfile/read.hpp"
#include "danemon/rollover/publish.hpp"

namespace danemon::command {
namespace {

int fail(std::ostream& err, const std::string& sentence) {
    err << "danemon tlsa: " << sentence << "\n";
    return 3;
}

} // namespace

int run_tlsa(const TlsaRequest& args, std::ostream& out, std::ostream& err) {
    const auto contents = localfile::read_regular_file(args.cert, localfile::certificate_file);
    if (!contents) return fail(err, contents.error() + ".");
    const auto chain = dane::read_certificate_file(*contents);
    if (!chain) return fail(err, args.cert + ": " + chain.error() + ".");
    const auto record = rollover::record_for_chain(*chain, static_cast<std::uint8_t>(args.usage),
                                                   static_cast<std::uint8_t>(args.selector),
                                                   static_cast<std::uint8_t>(args.matching));
    if (!record) return fail(err, args.cert + ": " + record.error() + ".");

    std::vector<std::string> hosts;
    for (const auto& host : args.hosts)
        hosts.push_back(facts::normalize_name(host)); // checked by the option's validator
    if (hosts.empty()) {
        const auto names = rollover::publishable_host_names(chain->front());
        for (const auto& name : names.not_host_names)
            err << "danemon tlsa: " << args.cert << ": the certificate's name '" << name
                << "' is not a host name: no record is printed for it.\n";
        hosts = names.hosts;
        if (hosts.empty())
            return fail(err, args.cert +
                                 ": the certificate names no host that can own a TLSA record "
                                 "(only wildcards, names that are no host names, or none); "
                                 "give the MX host with --host.");
    }
    for (const auto& host : hosts)
        out << facts::zone_file_line(host, *record) << "\n";
    return 0;
}

} // namespace danemon::command
