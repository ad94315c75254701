// The I/O around lib/rollover's pure gate, shared by `danemon precheck` and `danemon hook`:
// the TLSA RRset through the validating resolver, each authoritative server asked directly,
// the chain served now, and first-seen times from the state store.
#pragma once

#include <CLI/CLI.hpp>
#include <ctime>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace danemon::cli {

struct GateOptions {
    std::string resolver; // "" = /etc/resolv.conf
    std::string state_dir = "/var/lib/danemon";
    // "" = the clock, a real run that records what it observes; else a dry run at this time
    // (RFC 3339 UTC or Unix seconds) that records nothing.
    std::string now;
    double timeout = 15;    // per MX address probe, and the DNS budget of each MX host
    std::uint16_t port = 0; // 0 = 25
    // For a renewal hook, whose certificate may name hosts that are no MX hosts (imap., www.):
    // gate only names that have TLSA records or are MX hosts of these domains; skip the
    // others, saying why.
    bool only_dane_hosts = false;
    std::vector<std::string> configured_domains;
};

// Registers --resolver, --state-dir, --now, --timeout and --port on cmd.
void add_gate_options(CLI::App& cmd, GateOptions& options);

// Exit code: 0 every MX host passes (or is skipped), 2 one fails (reasons on out), 3 bad
// input (one sentence on err). hosts empty: the certificate's DNS names. DNS queries of one
// host wait at most min(timeout, 5 s) each and timeout in all; its probes at most timeout.
int run_gate(const GateOptions& options, const std::string& cert_file,
             std::vector<std::string> hosts, std::ostream& out, std::ostream& err);

} // namespace danemon::cli
