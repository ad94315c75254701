// The real Resolver: ldns queries to one validating recursive resolver. DNSSEC status is
// taken from the AD bit (the resolver validates, danemon trusts the path to it, as Postfix
// does); SERVFAIL is re-asked with CD to tell bogus data from a broken server. Safe for
// concurrent callers: each query leases its own ldns handle.
#include "answer.hpp"
#include "danemon/dns/resolver.hpp"
#include "ldns_cxx.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace danemon::dns {
namespace {

struct LdnsResolverFree {
    void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct LdnsRdfFree {
    void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using ResolverPtr = std::unique_ptr<ldns_resolver, LdnsResolverFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsRdfFree>;
using detail::Answer;
using detail::PktPtr;

// One ldns_resolver per concurrent caller: ldns handles are not thread-safe, so callers
// lease an idle handle (or a new one) and give it back; the handles are kept for reuse.
class LdnsResolver final : public Resolver {
public:
    explicit LdnsResolver(const ResolverOptions& options)
        : options_(options)
        , server_text_(to_string(options.server)) {
        idle_.push_back(make_handle()); // bad addresses are reported here, not on first use
    }

    facts::ResolverCheck check_validation() override {
        facts::ResolverCheck check;
        check.validator = describe();
        check.remote = !is_loopback(options_.server);
        // The root zone is signed; a validating resolver sets AD on its SOA.
        Answer answer = ask("", LDNS_RR_TYPE_SOA);
        if (answer.status == facts::LookupStatus::error ||
            answer.status == facts::LookupStatus::bogus)
            check.why = "the resolver at " + server_text_ +
                        " did not answer a query for the root zone (" + answer.why + ")";
        else if (!answer.authenticated)
            check.why = "the resolver at " + server_text_ +
                        " does not validate DNSSEC (no AD bit on the signed root zone), so no "
                        "DANE verdict can be trusted";
        check.validating = check.why.empty();
        return check;
    }

    std::string describe() const override { return "resolver " + server_text_ + " (AD bit)"; }

    facts::Lookup<facts::MxRecord> lookup_mx(const std::string& domain) override {
        return detail::to_mx(ask(domain, LDNS_RR_TYPE_MX));
    }

    facts::Lookup<std::string> lookup_addresses(const std::string& host,
                                                facts::AddressFamily family) override {
        return detail::to_addresses(
            ask(host, family == facts::AddressFamily::ipv4 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA));
    }

    facts::Lookup<dane::TlsaRecord> lookup_tlsa(const std::string& owner) override {
        return detail::to_tlsa(ask(owner, LDNS_RR_TYPE_TLSA));
    }

    facts::Lookup<std::string> lookup_ns(const std::string& name) override {
        return detail::to_names(ask(name, LDNS_RR_TYPE_NS));
    }

private:
    ResolverPtr make_handle() const {
        ResolverPtr resolver(ldns_resolver_new());
        if (!resolver) throw std::runtime_error("out of memory creating a DNS resolver");
        bool v6 = options_.server.address.find(':') != std::string::npos;
        RdfPtr ns(ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
                                       options_.server.address.c_str()));
        if (!ns) throw std::invalid_argument("not an IP address: " + options_.server.address);
        if (ldns_resolver_push_nameserver(resolver.get(), ns.get()) != LDNS_STATUS_OK)
            throw std::runtime_error("cannot use resolver address " + options_.server.address);
        ldns_resolver_set_port(resolver.get(), options_.server.port);
        ldns_resolver_set_recursive(resolver.get(), options_.recursion_desired);
        ldns_resolver_set_dnssec(resolver.get(), true);   // DO: ask for the AD bit
        ldns_resolver_set_fallback(resolver.get(), true); // TCP when truncated
        ldns_resolver_set_edns_udp_size(resolver.get(), 1232);
        ldns_resolver_set_defnames(resolver.get(), false);
        ldns_resolver_set_dnsrch(resolver.get(), false);
        ldns_resolver_set_random(resolver.get(), false);
        set_timing(resolver.get(), options_.timeout);
        return resolver;
    }

    // One copy of a query waits at most `limit`; copies sent again are send_within's.
    static void set_timing(ldns_resolver* resolver, std::chrono::milliseconds limit) {
        const auto ms = std::max<long>(1, static_cast<long>(limit.count()));
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(ms / 1000);
        tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
        ldns_resolver_set_timeout(resolver, tv);
        ldns_resolver_set_retrans(resolver, 1);
        ldns_resolver_set_retry(resolver, 1);
    }

    // One question within `limit`: a first copy, and when it gets no answer (a lost datagram,
    // a resolver restarting) the copies options_.retries allows, with what is left, as stub
    // resolvers retransmit (RFC 1035 section 4.2.1). The first waits at most 1 s.
    PktPtr send_within(ldns_resolver* resolver, const std::string& name, ldns_rr_type type,
                       bool checking_disabled, std::chrono::milliseconds limit,
                       ldns_status& status) const {
        using std::chrono::milliseconds;
        const auto start = std::chrono::steady_clock::now();
        const int copies = 1 + std::clamp(options_.retries, 0, 4);
        PktPtr packet;
        for (int copy = 0; copy < copies; ++copy) {
            const auto left = limit - std::chrono::duration_cast<milliseconds>(
                                          std::chrono::steady_clock::now() - start);
            if (copy > 0 && left < milliseconds(50)) break;
            const auto wait = copy + 1 < copies ? std::min(left / 2, milliseconds(1000)) : left;
            set_timing(resolver, wait);
            packet =
                send(resolver, name, type, checking_disabled, options_.recursion_desired, status);
            if (status == LDNS_STATUS_OK && packet) break;
        }
        return packet;
    }

    // What a query may still take: its limit, or less under the deadline; zero when the
    // budget is used up.
    std::chrono::milliseconds query_limit() const {
        if (!options_.deadline) return options_.timeout;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            *options_.deadline - std::chrono::steady_clock::now());
        return std::clamp(left, std::chrono::milliseconds(0), options_.timeout);
    }

    // An ldns handle owned by one caller until the lease ends.
    class Lease {
    public:
        explicit Lease(LdnsResolver& owner)
            : owner_(owner) {
            {
                std::lock_guard lock(owner_.mutex_);
                if (!owner_.idle_.empty()) {
                    handle_ = std::move(owner_.idle_.back());
                    owner_.idle_.pop_back();
                }
            }
            if (!handle_) handle_ = owner_.make_handle();
        }
        ~Lease() {
            std::lock_guard lock(owner_.mutex_);
            owner_.idle_.push_back(std::move(handle_));
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ldns_resolver* get() const { return handle_.get(); }

    private:
        LdnsResolver& owner_;
        ResolverPtr handle_;
    };

    static PktPtr send(ldns_resolver* resolver, const std::string& name, ldns_rr_type type,
                       bool checking_disabled, bool recursion_desired, ldns_status& status) {
        std::string absolute = name.empty() ? "." : name + ".";
        RdfPtr qname(ldns_dname_new_frm_str(absolute.c_str()));
        if (!qname) {
            status = LDNS_STATUS_DOMAINNAME_OVERFLOW;
            return nullptr;
        }
        ldns_resolver_set_dnssec_cd(resolver, checking_disabled);
        // ldns marks a server that timed out as unreachable (RTT infinite) and from then on
        // fails every query on this handle at once ("No (valid) nameservers defined"). Handles
        // are reused across lookups, so one slow answer would fail the rest of the run: every
        // query starts with the server reachable again.
        ldns_resolver_set_nameserver_rtt(resolver, 0, LDNS_RESOLV_RTT_MIN);
        ldns_pkt* raw = nullptr;
        status = ldns_resolver_query_status(&raw, resolver, qname.get(), type, LDNS_RR_CLASS_IN,
                                            recursion_desired ? LDNS_RD : 0);
        ldns_resolver_set_dnssec_cd(resolver, false);
        return PktPtr(raw);
    }

    Answer ask(const std::string& name, ldns_rr_type type) {
        Answer answer;
        const auto limit = query_limit();
        if (limit.count() <= 0) {
            answer.why = "not asked: the time budget for DNS (--timeout) was used up by earlier "
                         "queries to " +
                         server_text_;
            return answer;
        }
        const Lease lease(*this);
        ldns_status status = LDNS_STATUS_OK;
        PktPtr packet = send_within(lease.get(), name, type, false, limit, status);
        if (status != LDNS_STATUS_OK || !packet) {
            answer.why = "no answer from the resolver at " + server_text_ + ": " +
                         ldns_get_errorstr_by_id(status);
            return answer;
        }
        ldns_pkt_rcode rcode = ldns_pkt_get_rcode(packet.get());
        if (rcode == LDNS_RCODE_SERVFAIL) {
            // RFC 4035 section 3.2.2: with CD set the resolver skips validation. Data that
            // appears only then failed validation: bogus. Otherwise the servers are broken.
            ldns_status cd_status = LDNS_STATUS_OK;
            PktPtr unchecked = send_within(lease.get(), name, type, true, query_limit(), cd_status);
            if (cd_status == LDNS_STATUS_OK && unchecked) {
                ldns_pkt_rcode cd_rcode = ldns_pkt_get_rcode(unchecked.get());
                if (cd_rcode == LDNS_RCODE_NOERROR || cd_rcode == LDNS_RCODE_NXDOMAIN) {
                    answer.status = facts::LookupStatus::bogus;
                    answer.why = "SERVFAIL from the resolver, but an answer with the CD bit";
                    return answer;
                }
            }
            answer.why =
                "the resolver answered SERVFAIL, also with the CD bit (broken or unreachable "
                "authoritative servers)";
            return answer;
        }
        if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
            char* rc = ldns_pkt_rcode2str(rcode);
            answer.why = std::string("the resolver answered ") + (rc ? rc : "an error");
            free(rc); // NOLINT: ldns allocates with malloc
            return answer;
        }
        const bool authenticated = ldns_pkt_ad(packet.get());
        detail::read_answer(std::move(packet), name, type, authenticated, answer);
        return answer;
    }

    ResolverOptions options_;
    std::string server_text_;
    std::mutex mutex_;
    std::vector<ResolverPtr> idle_; // guarded by mutex_
};

} // namespace

std::unique_ptr<Resolver> make_ldns_resolver(const ResolverOptions& options) {
    return std::make_unique<LdnsResolver>(options);
}

} // namespace danemon::dns
