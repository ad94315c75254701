// What danemon's one-shot subcommands do once their arguments are parsed: check, verify,
// tlsa, precheck and hook (the pre-rotation gate), status. Each takes a plain request, writes its
// report to `out` and one sentence per error to `err`, and returns the exit code; the
// executable only parses arguments into these requests.
#pragma once

#include "danemon/dns/resolver.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace danemon::command {

enum class ReportFormat { text, json, nagios };

struct CheckRequest {
    std::vector<std::string> domains; // none: the configuration's
    std::string config;               // "" = no configuration file
    dns::ResolverChoice resolver;     // each "" = the configuration's, else auto / Debian's
    std::string state_dir; // the RFC 5011 root key; "" = the configuration's, else /var/lib/danemon
    std::uint16_t port = 0; // 0 = the configured port, else 25
    ReportFormat format = ReportFormat::text;
    bool color = false;
    bool show_chain = false;
    std::string save_chain;                  // "" = none; else the directory for PEM files
    std::vector<std::string> severity_rules; // CODE=LEVEL, already checked
    bool probe_legacy = true;
    bool probe_keys = true;
    // Settings that win over the configuration's; unset: the configuration's, or without
    // one the pipeline's defaults.
    std::optional<std::chrono::milliseconds> timeout;
    std::optional<std::string> helo_name;
    std::optional<std::size_t> concurrency;
    std::optional<int> expiry_warning_days;
};

// Resolves, probes and evaluates once (lib/pipeline, as the daemon does) and prints the
// report. Exit code: the worst domain's (0 ok, 1 warning, 2 critical, 3 unknown), 3 for bad
// input.
int run_check(const CheckRequest& request, std::ostream& out, std::ostream& err);

struct VerifyRequest {
    std::string chain;             // PEM, leaf first (as --save-chain writes it), or one DER
    std::vector<std::string> tlsa; // "U S M HEX" each, as published
    bool tlsa_from_dns = false;    // instead: the RRset at _25._tcp.<names[0]>, looked up
    // The names a DANE-TA leaf may carry: [0] the TLSA base domain, then the MX host and its
    // CNAME expansion; at least one.
    std::vector<std::string> names;
    std::string at;                           // "" = now; else RFC 3339 UTC or Unix seconds
    ReportFormat format = ReportFormat::text; // text or json
    bool color = false;
    std::string config;           // "" = none; else its resolver, state_directory and policy
    dns::ResolverChoice resolver; // as CheckRequest's, for --tlsa-from-dns
    std::string state_dir;
    std::vector<std::string> severity_rules; // CODE=LEVEL, already checked
    std::optional<int> expiry_warning_days;
};

// Judges a saved chain against TLSA records offline, with check's evaluation (one endpoint
// without an address), and prints the same report. Exit code as check's; 3 for bad input,
// and when the DNS has no TLSA records to judge against.
int run_verify(const VerifyRequest& request, std::ostream& out, std::ostream& err);

struct TlsaRequest {
    std::string cert;
    int usage = 3; // each checked by the caller: 3 or 2, 1 or 0, 1 or 2
    int selector = 1;
    int matching = 1;
    std::vector<std::string> hosts; // none: the certificate's host names
};

// The TLSA record(s) to publish for a certificate file, in zone-file syntax. 0 or 3.
int run_tlsa(const TlsaRequest& request, std::ostream& out, std::ostream& err);

struct GateOptions {
    dns::ResolverChoice resolver;
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
    std::string command = "danemon precheck"; // begins each bad-input sentence
};

// The pre-rotation gate around lib/rollover's pure decision: the TLSA RRset through the
// validating resolver, each authoritative server asked directly, the chain served now, and
// first-seen times from the state store. Exit code: 0 every MX host passes (or is skipped),
// 2 one fails (reasons on out), 3 bad input (one sentence on err). hosts empty: the
// certificate's DNS names. DNS queries of one host wait at most min(timeout, 5 s) each and
// timeout in all; its probes at most timeout.
int run_gate(const GateOptions& options, const std::string& cert_file,
             std::vector<std::string> hosts, std::ostream& out, std::ostream& err);

struct PrecheckRequest {
    std::string cert;               // the renewed certificate or full chain
    std::vector<std::string> hosts; // none: the certificate's DNS names
    GateOptions gate;
};

// `danemon precheck`: run_gate on the request's certificate and hosts.
int run_precheck(const PrecheckRequest& request, std::ostream& out, std::ostream& err);

struct HookRequest {
    std::string then;   // run when every gate passes; "" = nothing
    std::string config; // alert channels (email, exec) besides syslog
    std::vector<std::string> client_args;
    GateOptions gate;
};

// The gate for an ACME client's hook: the renewed certificate from the client's arguments or
// this process's environment; a held-back renewal is alerted on syslog and the configured
// channels. 0 passed (or --then's status), 2 held back, 3 bad input.
int run_hook(const HookRequest& request, std::ostream& out, std::ostream& err);

// The latest stored result of every domain, read only. The worst domain's exit code; 3 when
// nothing is stored or the database cannot be read.
struct StatusRequest {
    std::string state_dir = "/var/lib/danemon";
    bool json = false;  // else text
    bool color = false; // of the text
};
int run_status(const StatusRequest& request, std::ostream& out, std::ostream& err);

// Loads and validates a configuration file: "FILE: ok (N domains)" and 0, or its first
// problem and 3.
int run_config_check(const std::string& file, std::ostream& out, std::ostream& err);

} // namespace danemon::command
