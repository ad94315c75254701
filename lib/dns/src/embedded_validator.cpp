// The embedded validator: libunbound resolves recursively and validates from its own trust
// anchor, so that no AD bit is taken on trust; ldns reads its answers, as it reads a
// resolver's (answer.hpp), so that CNAME rules and TTLs are one code path.
//
// One libunbound context for the resolver's lifetime, so that answers are cached within
// their TTLs across a daemon cycle and from one cycle to the next. Queries are asynchronous
// (ub_resolve_async, in libunbound's background thread): callers on the scanner's workers
// wait, each for its own answer, and lookups of many domains overlap; a thread of this
// resolver delivers the answers (ub_fd, ub_process). A query that outlives its limit is
// cancelled.
#include "answer.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/text/text.hpp"
#include "ldns_cxx.hpp"
#include "trust_anchor.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <poll.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <thread>
#include <unbound.h>
#include <unistd.h>

namespace danemon::dns {
namespace {

using detail::Answer;

struct ContextFree {
    void operator()(ub_ctx* ctx) const { ub_ctx_delete(ctx); }
};
using ContextPtr = std::unique_ptr<ub_ctx, ContextFree>;

// The caches' bounds (libunbound's defaults but the RRset cache, doubled): at most 17 MB.
constexpr const char* cache_sizes[][2] = {{"msg-cache-size:", "4m"},
                                          {"rrset-cache-size:", "8m"},
                                          {"key-cache-size:", "4m"},
                                          {"neg-cache-size:", "1m"}};

// One question in flight: the callback fills it, the asking thread waits for it.
struct Pending {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    int error = 0;
    ub_result* result = nullptr;
    Pending() = default;
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;
    ~Pending() {
        if (result != nullptr) ub_resolve_free(result);
    }
};

// libunbound's callback, on the delivering thread: `data` is a heap copy of the asker's
// shared pointer, owned from here on.
void deliver(void* data, int error, ub_result* result) {
    const std::unique_ptr<std::shared_ptr<Pending>> handle(
        static_cast<std::shared_ptr<Pending>*>(data));
    Pending& pending = **handle;
    {
        std::lock_guard lock(pending.mutex);
        pending.error = error;
        pending.result = result;
        pending.done = true;
    }
    pending.done_cv.notify_all();
}

// "5 s", "0.5 s".
std::string seconds_text(std::chrono::milliseconds limit) {
    const auto ms = limit.count();
    std::string text = std::to_string(ms / 1000);
    if (ms % 1000 != 0) text += "." + std::to_string(ms % 1000 / 100);
    return text + " s";
}

class EmbeddedValidator final : public Resolver {
public:
    explicit EmbeddedValidator(const ValidatorOptions& options)
        : options_(options)
        , anchor_(detail::prepare_trust_anchor(options)) {
        if (!options.root_hints.empty()) detail::check_root_hints(options.root_hints);
        context_.reset(ub_ctx_create());
        if (!context_)
            throw std::runtime_error("cannot start the embedded validator: out of memory");
        for (const auto& [option, value] : cache_sizes)
            set(option, value);
        if (!options.root_hints.empty()) {
            set("root-hints:", options.root_hints.c_str());
            // A private root (a lab) serves from loopback; the public root never does, so
            // without hints loopback stays refused (a delegation to 127.0.0.1 is not followed).
            set("do-not-query-localhost:", "no");
            // RFC 6761's name for testing, which libunbound answers itself (NXDOMAIN) unless
            // told not to, is what a private root for tests serves.
            set("local-zone:", "test. transparent"); // ("nodefault" is not honoured here)
        }
        const int added = anchor_.tracked
                              ? ub_ctx_add_ta_autr(context_.get(), anchor_.file.c_str())
                              : ub_ctx_add_ta_file(context_.get(), anchor_.file.c_str());
        if (added != 0)
            throw std::runtime_error("cannot use the trust anchor " + anchor_.file + ": " +
                                     ub_strerror(added));
        if (const int threaded = ub_ctx_async(context_.get(), 1); threaded != 0)
            throw std::runtime_error(std::string("cannot start the embedded validator: ") +
                                     ub_strerror(threaded));
        wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake_fd_ < 0)
            throw std::runtime_error(std::string("cannot start the embedded validator: ") +
                                     std::strerror(errno));
        description_ = "embedded validator, " + detail::describe(anchor_);
        if (!options.chosen_because.empty()) description_ += "; " + options.chosen_because;
        delivery_ = std::thread([this] { deliver_answers(); });
    }

    ~EmbeddedValidator() override {
        stopping_ = true;
        const std::uint64_t one = 1;
        (void)!::write(wake_fd_, &one, sizeof one);
        if (delivery_.joinable()) delivery_.join();
        ::close(wake_fd_);
    }
    EmbeddedValidator(const EmbeddedValidator&) = delete;
    EmbeddedValidator& operator=(const EmbeddedValidator&) = delete;

    facts::ResolverCheck check_validation() override {
        facts::ResolverCheck check;
        check.validator = describe();
        // The root zone is signed: its SOA validates from a root trust anchor.
        const Answer answer = ask("", LDNS_RR_TYPE_SOA);
        if (answer.status == facts::LookupStatus::bogus)
            check.why = "the embedded validator cannot validate the root zone with its trust "
                        "anchor (" +
                        answer.why + ")";
        else if (answer.status == facts::LookupStatus::error)
            check.why = "the embedded validator cannot resolve the root zone (" + answer.why +
                        "): this host may not reach the root name servers";
        else if (!answer.authenticated)
            check.why = "the embedded validator's trust anchor (" + detail::describe(anchor_) +
                        ") does not cover the root zone, so no DANE verdict can be trusted";
        check.validating = check.why.empty();
        return check;
    }

    std::string describe() const override { return description_; }

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
    void set(const char* option, const char* value) {
        if (const int rc = ub_ctx_set_option(context_.get(), option, value); rc != 0)
            throw std::runtime_error(std::string("cannot set the embedded validator's ") + option +
                                     " " + value + ": " + ub_strerror(rc));
    }

    // The delivering thread: answers arrive on libunbound's pipe until the resolver stops.
    void deliver_answers() {
        pollfd fds[2] = {{ub_fd(context_.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        while (!stopping_) {
            if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
            if ((fds[0].revents & POLLIN) != 0) ub_process(context_.get());
        }
    }

    // What a query may still take: its limit, or less under the deadline.
    std::chrono::milliseconds query_limit() const {
        if (!options_.deadline) return options_.timeout;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            *options_.deadline - std::chrono::steady_clock::now());
        return std::clamp(left, std::chrono::milliseconds(0), options_.timeout);
    }

    Answer ask(const std::string& name, ldns_rr_type type) {
        Answer answer;
        const auto limit = query_limit();
        if (limit.count() <= 0) {
            answer.why = "not asked: the time budget for DNS (--timeout) was used up by earlier "
                         "queries";
            return answer;
        }
        auto pending = std::make_shared<Pending>();
        auto* handle = new std::shared_ptr<Pending>(pending);
        const std::string absolute = name.empty() ? "." : name + ".";
        int id = 0;
        if (const int rc = ub_resolve_async(context_.get(), absolute.c_str(), type,
                                            LDNS_RR_CLASS_IN, handle, deliver, &id);
            rc != 0) {
            delete handle;
            answer.why = std::string("the embedded validator cannot ask: ") + ub_strerror(rc);
            return answer;
        }
        std::unique_lock lock(pending->mutex);
        if (!pending->done_cv.wait_for(lock, limit, [&] { return pending->done; })) {
            lock.unlock();
            // Cancelled: the callback never runs, the handle is ours. Otherwise the answer
            // is being delivered, and the callback frees it.
            if (ub_cancel(context_.get(), id) == 0) delete handle;
            answer.why = "no answer within " + seconds_text(limit) +
                         ": the name servers asked are slow or silent";
            return answer;
        }
        read_result(*pending, name, type, answer);
        return answer;
    }

    static void read_result(const Pending& pending, const std::string& name, ldns_rr_type type,
                            Answer& answer) {
        if (pending.error != 0 || pending.result == nullptr) {
            answer.why =
                std::string("the embedded validator failed: ") + ub_strerror(pending.error);
            return;
        }
        const ub_result& result = *pending.result;
        if (result.bogus) {
            answer.status = facts::LookupStatus::bogus;
            answer.why = result.why_bogus != nullptr ? text::printable(result.why_bogus)
                                                     : "the embedded validator found it bogus";
            return;
        }
        if (result.rcode == LDNS_RCODE_SERVFAIL) {
            answer.why = "SERVFAIL: the authoritative servers are broken or unreachable";
            return;
        }
        if (result.rcode != LDNS_RCODE_NOERROR && result.rcode != LDNS_RCODE_NXDOMAIN) {
            char* rc = ldns_pkt_rcode2str(static_cast<ldns_pkt_rcode>(result.rcode));
            answer.why =
                std::string("the authoritative servers answered ") + (rc ? rc : "an error");
            free(rc); // NOLINT: ldns allocates with malloc
            return;
        }
        ldns_pkt* raw = nullptr;
        if (result.answer_packet == nullptr ||
            ldns_wire2pkt(&raw, static_cast<const std::uint8_t*>(result.answer_packet),
                          static_cast<std::size_t>(result.answer_len)) != LDNS_STATUS_OK) {
            answer.why = "the embedded validator gave an answer ldns cannot read";
            return;
        }
        detail::read_answer(detail::PktPtr(raw), name, type, result.secure != 0, answer);
    }

    ValidatorOptions options_;
    detail::TrustAnchor anchor_;
    ContextPtr context_;
    std::string description_;
    int wake_fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::thread delivery_;
};

} // namespace

std::unique_ptr<Resolver> make_embedded_validator(const ValidatorOptions& options) {
    return std::make_unique<EmbeddedValidator>(options);
}

} // namespace danemon::dns
