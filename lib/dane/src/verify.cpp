// DANE verification of a captured chain with OpenSSL's own DANE code, run offline on an
// unconnected SSL object as Postfix does, so the verdict is the one a sender reaches
// (RFC 7672 section 3). Our own comparisons only add diagnostics around that verdict.
#include "danemon/dane/verify.hpp"

#include "openssl_handles.hpp"

#include <algorithm>
#include <mutex>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace danemon::dane {
namespace {

using detail::SslCtxPtr;
using detail::SslPtr;
using detail::X509Ptr;
using detail::X509StackPtr;
using detail::X509StoreCtxPtr;
using detail::X509StorePtr;

// RFC 7671 section 9: among digests for one usage and selector, only the strongest present
// is used. These are OpenSSL's default ordinals; they are set explicitly so the rule cannot
// silently change with a library default.
constexpr std::uint8_t sha256_ordinal = 1;
constexpr std::uint8_t sha512_ordinal = 2;

std::uint8_t digest_ordinal(std::uint8_t matching) {
    if (matching == matching_sha256) return sha256_ordinal;
    if (matching == matching_sha512) return sha512_ordinal;
    return 0;
}

std::string label(const TlsaRecord& record) {
    return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
           std::to_string(record.matching);
}

// The captured chain, each certificate parsed once (or not at all when the handshake
// already did): OpenSSL 3 decodes the public key on every parse, which costs more than the
// rest of a verification together.
struct ParsedChain {
    const ServedChain& served;
    std::vector<X509Ptr> certs; // null where the element is not one DER certificate

    explicit ParsedChain(const ServedChain& chain)
        : served(chain) {
        for (std::size_t depth = 0; depth < chain.der.size(); ++depth)
            certs.push_back(detail::certificate_at(chain, depth));
    }

    std::optional<Bytes> association_data(std::size_t depth, std::uint8_t selector,
                                          std::uint8_t matching) const {
        if (!certs[depth]) return std::nullopt;
        const auto selected = detail::selected_data(*certs[depth], served.der[depth], selector);
        if (!selected) return std::nullopt;
        return detail::matched_data(*selected, matching);
    }
};

std::optional<int> matched_depth(const TlsaRecord& record, const ParsedChain& chain) {
    for (std::size_t depth = 0; depth < chain.certs.size(); ++depth) {
        const auto data = chain.association_data(depth, record.selector, record.matching);
        if (data && *data == record.data) return static_cast<int>(depth);
    }
    return std::nullopt;
}

// Marks digest records that a stronger digest of the same usage and selector hides.
void mark_agility(std::vector<RecordDiagnostic>& diagnostics,
                  const std::vector<TlsaRecord>& records) {
    for (auto& diagnostic : diagnostics) {
        const TlsaRecord& record = records[diagnostic.index];
        if (!diagnostic.usability.usable || digest_ordinal(record.matching) == 0) continue;
        diagnostic.hidden_by_agility =
            std::any_of(diagnostics.begin(), diagnostics.end(), [&](const RecordDiagnostic& other) {
                const TlsaRecord& stronger = records[other.index];
                return other.usability.usable && stronger.usage == record.usage &&
                       stronger.selector == record.selector &&
                       digest_ordinal(stronger.matching) > digest_ordinal(record.matching);
            });
    }
}

std::vector<TlsaRecord> suggest(const ParsedChain& chain) {
    std::vector<TlsaRecord> suggested;
    if (chain.certs.empty()) return suggested;
    // RFC 7671 section 5.1 and RFC 7672 section 3.1: 3 1 1 first, 2 1 1 of the issuing CA next.
    if (auto leaf = chain.association_data(0, selector_spki, matching_sha256)) {
        suggested.push_back({usage_dane_ee, selector_spki, matching_sha256, std::move(*leaf)});
    }
    if (chain.certs.size() > 1) {
        const std::size_t top_depth = chain.certs.size() - 1;
        if (auto top = chain.association_data(top_depth, selector_spki, matching_sha256)) {
            suggested.push_back({usage_dane_ta, selector_spki, matching_sha256, std::move(*top)});
        }
    }
    return suggested;
}

DaneVerdict& conclude(DaneVerdict& verdict, DaneOutcome outcome, DaneFailure failure,
                      std::string detail) {
    verdict.outcome = outcome;
    verdict.failure = failure;
    verdict.detail = std::move(detail);
    return verdict;
}

DaneFailure failure_of(int error) {
    switch (error) {
    case X509_V_ERR_DANE_NO_MATCH:
        return DaneFailure::no_match;
    case X509_V_ERR_HOSTNAME_MISMATCH:
        return DaneFailure::name_mismatch;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return DaneFailure::expired;
    default:
        return DaneFailure::chain_invalid;
    }
}

std::string describe(DaneFailure failure) {
    switch (failure) {
    case DaneFailure::no_match:
        return "No usable TLSA record matches the served chain";
    case DaneFailure::name_mismatch:
        return "A DANE-TA(2) record matches, but the leaf certificate carries none of the "
               "reference names";
    case DaneFailure::expired:
        return "A DANE-TA(2) record matches, but a certificate in the chain is expired or not "
               "yet valid";
    default:
        return "A DANE-TA(2) record matches, but the chain does not verify to it";
    }
}

// One context for every verification: building an SSL_CTX costs OpenSSL 3 more than the
// verification itself. Only SSL_new reads it afterwards, which is thread-safe. Null when the
// set-up fails (out of memory); the next call tries again.
SSL_CTX* dane_context() {
    static std::mutex mutex;
    static SslCtxPtr context;
    const std::lock_guard lock(mutex);
    if (!context) {
        SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
        if (ctx && SSL_CTX_dane_enable(ctx.get()) > 0 &&
            SSL_CTX_dane_mtype_set(ctx.get(), EVP_sha256(), matching_sha256, sha256_ordinal) > 0 &&
            SSL_CTX_dane_mtype_set(ctx.get(), EVP_sha512(), matching_sha512, sha512_ordinal) > 0) {
            context = std::move(ctx);
        }
    }
    return context.get();
}

// RFC 7672 section 3.2.2: the TLSA base domain is the primary reference identifier; the MX
// host name and its CNAME expansion are accepted too. What failed, or null.
const char* set_reference_names(SSL* ssl, const DaneInput& input) {
    if (SSL_dane_enable(ssl, input.reference_names.front().c_str()) <= 0) {
        return "set the TLSA base domain";
    }
    for (std::size_t i = 1; i < input.reference_names.size(); ++i) {
        const std::string& name = input.reference_names[i];
        if (!name.empty() && SSL_add1_host(ssl, name.c_str()) != 1) return "add a reference name";
    }
    // RFC 7672 section 3.2.3: a wildcard stands only for a whole left-most label.
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // RFC 7672 section 3.1.1: no name checks for DANE-EE(3).
    SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
    return nullptr;
}

// Hands the usable records to OpenSSL: how many it accepted, -1 when it failed.
int add_records(SSL* ssl, DaneVerdict& verdict, const DaneInput& input) {
    int accepted = 0;
    for (auto& diagnostic : verdict.records) {
        if (!diagnostic.usability.usable) continue;
        const TlsaRecord& record = input.records[diagnostic.index];
        const int added = SSL_dane_tlsa_add(ssl, record.usage, record.selector, record.matching,
                                            record.data.data(), record.data.size());
        if (added < 0) return -1;
        if (added == 0) {
            // assess_for_smtp should have caught this; follow OpenSSL, which ignores it.
            diagnostic.usability = {false, "OpenSSL's DANE code rejects the record as malformed."};
            diagnostic.hidden_by_agility = false;
            continue;
        }
        ++accepted;
    }
    mark_agility(verdict.records, input.records);
    return accepted;
}

struct ChainCheck {
    const char* failed = nullptr; // what OpenSSL failed to do, or null
    int verified = 0;             // X509_verify_cert's result
    int error = X509_V_OK;
    int error_depth = 0;
};

// Verifies CHAIN under SSL's DANE state and parameters at INPUT's time.
ChainCheck verify_chain(SSL* ssl, const DaneInput& input, const std::vector<X509Ptr>& chain) {
    const X509StorePtr store(X509_STORE_new());
    const X509StackPtr untrusted(sk_X509_new_null());
    const X509StoreCtxPtr store_ctx(X509_STORE_CTX_new());
    if (!store || !untrusted || !store_ctx) return {"allocate a verification context"};
    for (std::size_t depth = 1; depth < chain.size(); ++depth) {
        if (sk_X509_push(untrusted.get(), chain[depth].get()) <= 0) {
            return {"build the untrusted chain"};
        }
    }
    if (X509_STORE_CTX_init(store_ctx.get(), store.get(), chain.front().get(), untrusted.get()) !=
            1 ||
        X509_STORE_CTX_set_default(store_ctx.get(), "ssl_server") != 1) {
        return {"initialise chain verification"};
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(store_ctx.get());
    if (X509_VERIFY_PARAM_set1(param, SSL_get0_param(ssl)) != 1) {
        return {"copy the verification parameters"};
    }
    X509_VERIFY_PARAM_set_time(param, input.now);
    X509_STORE_CTX_set0_dane(store_ctx.get(), SSL_get0_dane(ssl));
    ChainCheck check;
    check.verified = X509_verify_cert(store_ctx.get());
    if (check.verified < 0) check.failed = "verify the chain";
    check.error = X509_STORE_CTX_get_error(store_ctx.get());
    check.error_depth = X509_STORE_CTX_get_error_depth(store_ctx.get());
    return check;
}

// The record OpenSSL matched, once the SSL object holds a successful result; false when it
// reports none.
bool report_match(DaneVerdict& verdict, SSL* ssl, const DaneInput& input) {
    SSL_set_verify_result(ssl, X509_V_OK);
    std::uint8_t usage = 0;
    std::uint8_t selector = 0;
    std::uint8_t matching = 0;
    const unsigned char* data = nullptr;
    std::size_t length = 0;
    const int depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &matching, &data, &length);
    if (depth < 0 || data == nullptr) return false;
    const TlsaRecord matched{usage, selector, matching, Bytes(data, data + length)};
    for (const auto& diagnostic : verdict.records) {
        if (diagnostic.usability.usable && input.records[diagnostic.index] == matched) {
            verdict.match_index = diagnostic.index;
            break;
        }
    }
    verdict.match_depth = depth;

    // A DANE-TA(2) bare public key that the server did not send as a certificate is reported
    // by OpenSSL at the depth of the certificate it signed.
    X509* anchor_cert = nullptr;
    EVP_PKEY* anchor_key = nullptr;
    SSL_get0_dane_authority(ssl, &anchor_cert, &anchor_key);
    const std::string how =
        anchor_cert == nullptr && anchor_key != nullptr
            ? "The public key in the " + label(matched) + " record signed the certificate at depth "
            : "The " + label(matched) + " record authenticates the certificate at depth ";
    conclude(verdict, DaneOutcome::pass, DaneFailure::none, how + std::to_string(depth) + ".");
    return true;
}

// What OpenSSL's DANE code decides for the chain (RFC 7672 section 3.1 and 3.2).
DaneVerdict& run_openssl(DaneVerdict& verdict, const DaneInput& input,
                         const std::vector<X509Ptr>& chain) {
    const auto internal = [&](const char* what) -> DaneVerdict& {
        return conclude(verdict, DaneOutcome::internal_error, DaneFailure::none,
                        std::string("OpenSSL failed to ") + what + ".");
    };
    SSL_CTX* ssl_ctx = dane_context();
    if (ssl_ctx == nullptr) return internal("set up DANE (context, digest agility order)");
    const SslPtr ssl(SSL_new(ssl_ctx));
    if (!ssl) return internal("create an SSL object");
    if (const char* failed = set_reference_names(ssl.get(), input)) return internal(failed);

    const int accepted = add_records(ssl.get(), verdict, input);
    if (accepted < 0) return internal("load a TLSA record");
    if (accepted == 0) {
        return conclude(verdict, DaneOutcome::no_usable_records, DaneFailure::none,
                        "No TLSA record is usable, so senders require TLS without "
                        "authentication (RFC 7672 section 2.2).");
    }
    const ChainCheck check = verify_chain(ssl.get(), input, chain);
    if (check.failed != nullptr) return internal(check.failed);
    if (check.verified == 0) {
        const DaneFailure failure = failure_of(check.error);
        return conclude(verdict, DaneOutcome::fail, failure,
                        describe(failure) +
                            " (OpenSSL: " + X509_verify_cert_error_string(check.error) +
                            " at depth " + std::to_string(check.error_depth) + ").");
    }
    if (!report_match(verdict, ssl.get(), input)) return internal("report the matched TLSA record");
    return verdict;
}

} // namespace

DaneVerdict verify(const DaneInput& input) {
    const detail::ErrorQueueGuard guard;
    DaneVerdict verdict;
    ParsedChain parsed(input.chain);
    verdict.suggested = suggest(parsed);

    bool any_usable = false;
    for (std::size_t i = 0; i < input.records.size(); ++i) {
        RecordDiagnostic diagnostic;
        diagnostic.index = i;
        diagnostic.usability = assess_for_smtp(input.records[i]);
        diagnostic.matched_depth = matched_depth(input.records[i], parsed);
        any_usable = any_usable || diagnostic.usability.usable;
        verdict.records.push_back(std::move(diagnostic));
    }
    mark_agility(verdict.records, input.records);

    // RFC 7672 section 2.2: with no usable record, TLS is still required but not authenticated.
    if (!any_usable) {
        return conclude(verdict, DaneOutcome::no_usable_records, DaneFailure::none,
                        input.records.empty()
                            ? "No TLSA records were given."
                            : "No TLSA record is usable, so senders require TLS without "
                              "authentication (RFC 7672 section 2.2).");
    }
    // RFC 7672 section 3.2.2: a DANE-TA(2) match needs a reference name to check the leaf
    // against; without one the check must fail rather than be skipped.
    if (input.reference_names.empty() || input.reference_names.front().empty()) {
        return conclude(verdict, DaneOutcome::internal_error, DaneFailure::none,
                        "No TLSA base domain was given, so the chain cannot be checked against "
                        "the reference names.");
    }
    if (input.chain.empty()) {
        return conclude(verdict, DaneOutcome::fail, DaneFailure::empty_chain,
                        "The server presented no certificate.");
    }
    for (std::size_t depth = 0; depth < parsed.certs.size(); ++depth) {
        if (!parsed.certs[depth]) {
            return conclude(verdict, DaneOutcome::internal_error, DaneFailure::none,
                            "The certificate at depth " + std::to_string(depth) +
                                " of the captured chain is not valid DER.");
        }
    }
    return run_openssl(verdict, input, parsed.certs);
}

} // namespace danemon::dane
