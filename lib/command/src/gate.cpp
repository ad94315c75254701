// Gathering the gate's inputs: see command.hpp. The decision is lib/rollover's.
#include "danemon/rollover/gate.hpp"

#include "danemon/command/command.hpp"
#include "danemon/dane/certificate_file.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/localfile/read.hpp"
#include "danemon/pipeline/pipeline.hpp"
#include "danemon/rollover/publish.hpp"
#include "danemon/scan/scanner.hpp"
#include "danemon/store/store.hpp"
#include "danemon/text/text.hpp"

#include <filesystem>
#include <map>
#include <set>

namespace danemon::command {
namespace {

// The authoritative servers' answers for the gate, each server (and address) by name.
std::map<std::string, rollover::AuthoritativeAnswer>
authoritative_answers(dns::Resolver& resolver, const std::string& owner,
                      std::chrono::milliseconds timeout) {
    const auto asked = dns::ask_authoritative_servers(resolver, owner, timeout);
    std::map<std::string, int> addresses_of;
    for (const auto& a : asked)
        ++addresses_of[a.server];
    std::map<std::string, rollover::AuthoritativeAnswer> answers;
    for (const auto& a : asked) {
        rollover::AuthoritativeAnswer answer;
        answer.records = a.tlsa.records;
        answer.ttl = a.tlsa.ttl;
        if (a.tlsa.failed()) answer.error = a.tlsa.why.empty() ? "no answer" : a.tlsa.why;
        // A name server with several addresses is asked at each: name them apart.
        answers[addresses_of[a.server] > 1 ? a.server + "[" + a.address + "]" : a.server] =
            std::move(answer);
    }
    return answers;
}

void print_decision(const std::string& mx_host, const rollover::GateDecision& decision,
                    std::ostream& out) {
    out << (decision.pass ? "[PASS] " : "[FAIL] ") << mx_host << ": "
        << (decision.pass ? "the new certificate is vouched for by DNS on every server"
                          : "deploying the new certificate now would break DANE delivery")
        << "\n";
    for (const auto& reason : decision.reasons)
        out << "       - " << reason << "\n";
    if (!decision.pass && !decision.record_line.empty())
        out << "       record for the new certificate: " << decision.record_line << "\n";
    if (!decision.pass && decision.earliest_safe_time)
        out << "       earliest safe time: "
            << text::utc_text(*decision.earliest_safe_time, text::UtcStyle::iso8601) << "\n";
}

// The state store: read-write for a real run, which notes what it observes; for a dry run
// (--now) read-only when it exists, else none: a dry run records nothing.
std::unique_ptr<store::Store> open_store(const GateOptions& options, bool dry_run) {
    if (!dry_run) return store::Store::open(options.state_dir);
    std::error_code ec;
    if (!std::filesystem::exists(store::Store::database_path(options.state_dir), ec))
        return nullptr;
    return store::Store::open_read_only(options.state_dir);
}

struct Gate {
    Gate(const GateOptions& o, std::vector<dane::Bytes> chain)
        : options(o)
        , total(static_cast<long>(o.timeout * 1000))
        , new_chain{std::move(chain), {}} {}

    const GateOptions& options;
    std::chrono::milliseconds total;
    dane::ServedChain new_chain;
    std::time_t now = 0;
    bool dry_run = false;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<smtp::Prober> prober = smtp::make_starttls_prober();
    std::set<std::string> configured_mx_hosts;

    std::unique_ptr<dns::Resolver> resolver;

    // One resolver for the whole run (the embedded validator's cache serves every host), its
    // queries within a budget of `total` per lookup round (each host, the configured domains'
    // MX lookups). A dry run gives it no state directory: it records nothing, the RFC 5011
    // state file included.
    void make_resolver(std::size_t rounds) {
        dns::ResolverSetup setup;
        setup.choice = options.resolver;
        setup.state_dir = dry_run ? std::string() : options.state_dir;
        setup.timeout = pipeline::dns_query_timeout(total);
        setup.deadline = std::chrono::steady_clock::now() +
                         total * static_cast<long>(std::max<std::size_t>(1, rounds));
        resolver = dns::make_resolver(setup);
    }
};

std::set<std::string> mx_hosts_of(const Gate& gate) {
    std::set<std::string> hosts;
    for (const auto& domain : gate.options.configured_domains) {
        const auto mx = gate.resolver->lookup_mx(domain);
        for (const auto& record : mx.records)
            hosts.insert(record.host);
        if (mx.status == facts::LookupStatus::nodata) hosts.insert(domain); // the implicit MX
    }
    return hosts;
}

enum class HostOutcome { pass, fail, skipped };

HostOutcome judge_host(Gate& gate, const std::string& host, std::ostream& out) {
    dns::Resolver& resolver = *gate.resolver;
    scan::ScanOptions scan_options;
    if (gate.options.port != 0) scan_options.port = gate.options.port;
    scan_options.limits = smtp::PhaseLimits::within(gate.total);
    // The gate needs the chain of the key being rolled, not the TLS versions or other keys.
    scan_options.probe_legacy = false;
    scan_options.probe_keys = false;
    scan::Scanner scanner(resolver, *gate.prober, scan_options);
    facts::MxHostFacts facts = scanner.scan_host(host);
    const std::string owner = facts::tlsa_owner(facts.tlsa_base);
    const bool no_records = facts.tlsa.status == facts::LookupStatus::nodata ||
                            facts.tlsa.status == facts::LookupStatus::nxdomain;
    if (gate.options.only_dane_hosts && no_records && !gate.configured_mx_hosts.count(host)) {
        out << "[SKIP] " << host << ": no TLSA records at " << owner
            << ", and no MX host of a configured domain: DANE senders do not check its key\n";
        return HostOutcome::skipped;
    }
    // A real run notes the RRset as published now, so that the age of a new record is known
    // on the next run even where no daemon runs.
    if (!gate.dry_run) gate.store->note_tlsa_seen(owner, facts.tlsa, gate.now);

    rollover::GateInput input;
    input.mx_host = facts.mx.host;
    input.tlsa_base = facts.tlsa_base;
    input.new_chain = gate.new_chain;
    for (const auto& endpoint : facts.endpoints)
        if (!endpoint.chain.empty()) {
            input.current_chain = endpoint.chain;
            break;
        }
    input.tlsa = facts.tlsa;
    input.reference_names = facts.reference_names;
    for (const auto& record : facts.tlsa.records)
        if (auto seen = gate.store ? gate.store->tlsa_first_seen(owner, record) : std::nullopt)
            input.first_seen[record] = *seen;
    input.authoritative =
        authoritative_answers(resolver, owner, pipeline::dns_query_timeout(gate.total));
    input.now = gate.now;
    const rollover::GateDecision decision = rollover::decide(input);
    print_decision(facts.mx.host, decision, out);
    return decision.pass ? HostOutcome::pass : HostOutcome::fail;
}

// The renewed chain from its file, or the sentence why it cannot be judged.
Expected<std::vector<dane::Bytes>> read_new_chain(const std::string& cert_file) {
    auto contents = localfile::read_regular_file(cert_file, localfile::certificate_file);
    if (!contents) return Error{contents.error()};
    auto chain = dane::read_server_chain(*contents);
    if (!chain) return Error{cert_file + ": " + chain.error()};
    return chain;
}

} // namespace

int run_gate(const GateOptions& options, const std::string& cert_file,
             std::vector<std::string> hosts, std::ostream& out, std::ostream& err) {
    auto chain = read_new_chain(cert_file);
    if (!chain) {
        err << options.command << ": " << chain.error() << ".\n";
        return 3;
    }
    Gate gate(options, std::move(*chain));
    gate.dry_run = !options.now.empty();
    gate.now = std::time(nullptr);
    if (gate.dry_run) {
        auto parsed = text::parse_utc_time(options.now);
        if (!parsed) {
            err << options.command << ": --now " << parsed.error() << ".\n";
            return 3;
        }
        gate.now = *parsed;
    }
    if (hosts.empty()) hosts = rollover::publishable_host_names(gate.new_chain.der.front()).hosts;
    if (hosts.empty()) {
        err << options.command << ": " << cert_file
            << " names no MX host; give them with --host.\n";
        return 3;
    }
    try {
        // A bad resolver or trust anchor is bad input, before anything is asked.
        gate.make_resolver(hosts.size() + (options.only_dane_hosts ? 1 : 0));
        gate.store = open_store(options, gate.dry_run);
        if (options.only_dane_hosts) gate.configured_mx_hosts = mx_hosts_of(gate);
    } catch (const std::exception& e) {
        err << options.command << ": " << e.what() << "\n";
        return 3;
    }
    if (gate.dry_run)
        out << "Dry run as of " << text::utc_text(gate.now, text::UtcStyle::iso8601)
            << ": judged with the first-seen times stored so far; nothing is recorded.\n";
    bool all_pass = true;
    for (const auto& host : hosts)
        all_pass = judge_host(gate, host, out) != HostOutcome::fail && all_pass;
    return all_pass ? 0 : 2;
}

int run_precheck(const PrecheckRequest& request, std::ostream& out, std::ostream& err) {
    return run_gate(request.gate, request.cert, request.hosts, out, err);
}

} // namespace danemon::command
