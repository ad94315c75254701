// danemon verify: a saved chain judged against TLSA records offline, by the evaluation that
// judges a live chain (lib/check), as one endpoint without an address; the same report.
#include "danemon/check/codes.hpp"
#include "danemon/check/evaluate.hpp"
#include "danemon/command/command.hpp"
#include "danemon/config/config.hpp"
#include "danemon/dane/certificate_file.hpp"
#include "danemon/localfile/read.hpp"
#include "danemon/pipeline/pipeline.hpp"
#include "danemon/report/report.hpp"
#include "danemon/text/text.hpp"
#include "options.hpp"

#include <algorithm>
#include <ctime>
#include <optional>

namespace danemon::command {
namespace {

int fail(std::ostream& err, const std::string& sentence) {
    err << "danemon verify: " << sentence << "\n";
    return 3;
}

// What the configuration (if any) and the command line say besides the chain and records.
struct Judging {
    check::Policy policy;
    dns::ResolverSetup resolver;
};

Judging judging_of(const VerifyRequest& request, const std::optional<config::Config>& configured) {
    Judging j;
    j.resolver.state_dir = "/var/lib/danemon";
    if (configured) {
        j.policy = pipeline::settings_of(*configured).policy;
        j.resolver.choice = {configured->resolver, configured->trust_anchor,
                             configured->root_hints};
        j.resolver.state_dir = configured->state_directory;
    }
    if (request.expiry_warning_days) j.policy.expiry_warning_days = *request.expiry_warning_days;
    detail::add_severity_rules(j.policy, request.severity_rules);
    detail::override_resolver(j.resolver.choice, j.resolver.state_dir, request.resolver,
                              request.state_dir);
    return j;
}

// The facts a live check would have gathered for one MX host serving this chain, with the
// lookups that are not part of the question (MX, addresses) taken as secure, so that the
// evaluation judges exactly the chain against the records.
facts::DomainFacts offline_facts(const VerifyRequest& request, dane::ServedChain chain,
                                 facts::Lookup<dane::TlsaRecord> tlsa) {
    std::vector<std::string> names;
    for (const auto& name : request.names)
        if (auto n = facts::normalize_name(name);
            std::find(names.begin(), names.end(), n) == names.end())
            names.push_back(std::move(n));
    const std::string host =
        facts::normalize_name(request.names.size() > 1 ? request.names[1] : request.names[0]);
    facts::DomainFacts f;
    f.domain = host;
    f.resolver.validating = true;
    f.mx = {facts::LookupStatus::secure, true, 0, {facts::MxRecord{0, host}}, {}, {}};
    facts::MxHostFacts h;
    h.mx = f.mx.records.front();
    h.ipv4 = {facts::LookupStatus::secure, true, 0, {}, {}, {}};
    h.ipv6 = {facts::LookupStatus::nodata, true, 0, {}, {}, {}};
    h.tlsa_base = names.front();
    h.tlsa = std::move(tlsa);
    h.reference_names = names;
    facts::ProbeResult probe;
    probe.endpoint = {host, "", 0, request.chain};
    probe.chain = std::move(chain);
    probe.modern_tls = true; // not the question here: no TLS version rule applies
    h.endpoints.push_back(std::move(probe));
    f.hosts.push_back(std::move(h));
    return f;
}

// The records given with --tlsa, as a secure RRset; or why one is none.
Expected<facts::Lookup<dane::TlsaRecord>> given_records(const std::vector<std::string>& texts) {
    facts::Lookup<dane::TlsaRecord> tlsa{facts::LookupStatus::secure, true, 0, {}, {}, {}};
    for (const auto& text : texts) {
        auto record = dane::parse_presentation(text);
        if (!record)
            return Error{"--tlsa '" + text::printable(text) +
                         "' is not a TLSA record in presentation format: USAGE SELECTOR "
                         "MATCHING HEX, e.g. '3 1 1' and 64 hex digits"};
        tlsa.records.push_back(std::move(*record));
    }
    std::sort(tlsa.records.begin(), tlsa.records.end()); // an RRset has no order of its own
    tlsa.records.erase(std::unique(tlsa.records.begin(), tlsa.records.end()), tlsa.records.end());
    return tlsa;
}

} // namespace

int run_verify(const VerifyRequest& request, std::ostream& out, std::ostream& err) {
    if (request.names.empty())
        return fail(err, "give the MX host with --name (the TLSA base domain first, then the MX "
                         "host and its CNAME target, if they differ).");
    if (request.tlsa.empty() == !request.tlsa_from_dns)
        return fail(err, "give the records with --tlsa (repeatable), or --tlsa-from-dns to look "
                         "them up; not both.");
    std::time_t now = std::time(nullptr);
    if (!request.at.empty()) {
        auto at = text::parse_utc_time(request.at);
        if (!at) return fail(err, "--at " + at.error() + ".");
        now = *at;
    }
    const auto contents = localfile::read_regular_file(request.chain, localfile::certificate_file);
    if (!contents) return fail(err, contents.error() + ".");
    auto certificates = dane::read_certificate_file(*contents);
    if (!certificates) return fail(err, request.chain + ": " + certificates.error() + ".");
    const auto configured = detail::load_optional_config(request.config);
    if (!configured) return fail(err, configured.error());
    const Judging judging = judging_of(request, *configured);

    facts::ResolverCheck resolver_check{true, {}, {}, false};
    facts::Lookup<dane::TlsaRecord> tlsa;
    const std::string owner = facts::tlsa_owner(facts::normalize_name(request.names.front()));
    if (request.tlsa_from_dns) {
        std::unique_ptr<dns::Resolver> resolver;
        try {
            resolver = dns::make_resolver(judging.resolver);
        } catch (const std::exception& e) {
            return fail(err, e.what());
        }
        resolver_check = resolver->check_validation();
        tlsa = resolver->lookup_tlsa(owner);
        if (resolver_check.validating && !tlsa.found() && !tlsa.failed())
            return fail(err, owner + " has no TLSA records (" + facts::to_string(tlsa.status) +
                                 (tlsa.authenticated ? ", DNSSEC-validated" : "") +
                                 "): there is nothing to verify the chain against.");
    } else {
        auto given = given_records(request.tlsa);
        if (!given) return fail(err, given.error() + ".");
        tlsa = std::move(*given);
    }

    facts::DomainFacts f =
        offline_facts(request, dane::ServedChain{std::move(*certificates), {}}, std::move(tlsa));
    f.resolver = resolver_check;
    check::DomainVerdict verdict = check::evaluate(f, judging.policy, now);
    verdict.mx_dnssec.clear(); // no MX was looked up
    if (!request.tlsa_from_dns)
        for (auto& m : verdict.mx)
            m.tlsa_dnssec = check::tlsa_given;
    if (request.format == ReportFormat::json) {
        out << report::render_json({verdict}, now);
    } else {
        report::TextOptions text;
        text.color = request.color;
        out << report::render_text({verdict}, text);
    }
    return check::exit_code(verdict.status);
}

} // namespace danemon::command
