// Parsing of captured certificates: readable summaries, the association data a TLSA record
// would carry for a certificate (RFC 6698 section 2.1.2/2.1.3), and PEM/DER loading.
#include "danemon/dane/certificate.hpp"

#include "openssl_handles.hpp"

#include <array>
#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string_view>
#include <utility>

namespace danemon::dane {
namespace detail {

X509Ptr parse_der_certificate(const Bytes& der) {
    if (der.empty()) return nullptr;
    const unsigned char* cursor = der.data();
    X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    // Trailing bytes mean the capture is not one certificate; refuse rather than guess.
    if (cursor != der.data() + der.size()) return nullptr;
    return cert;
}

X509Ptr certificate_at(const ServedChain& chain, std::size_t depth) {
    if (depth < chain.parsed.size() && chain.parsed[depth] &&
        X509_up_ref(chain.parsed[depth].get()) == 1) {
        return X509Ptr(chain.parsed[depth].get());
    }
    return parse_der_certificate(chain.der[depth]);
}

std::optional<Bytes> spki_der(const X509& cert) {
    const X509_PUBKEY* key = X509_get_X509_PUBKEY(&cert);
    const int length = i2d_X509_PUBKEY(key, nullptr);
    if (length <= 0) return std::nullopt;
    Bytes der(static_cast<std::size_t>(length));
    unsigned char* cursor = der.data();
    if (i2d_X509_PUBKEY(key, &cursor) != length) return std::nullopt;
    return der;
}

std::optional<Bytes> digest(const Bytes& input, const EVP_MD* type) {
    Bytes output(EVP_MAX_MD_SIZE);
    unsigned length = 0;
    if (EVP_Digest(input.data(), input.size(), output.data(), &length, type, nullptr) != 1) {
        return std::nullopt;
    }
    output.resize(length);
    return output;
}

// RFC 6698 section 2.1.2: the full certificate, or its SubjectPublicKeyInfo.
std::optional<Bytes> selected_data(const X509& cert, const Bytes& der, std::uint8_t selector) {
    if (selector == selector_cert) return der;
    if (selector == selector_spki) return spki_der(cert);
    return std::nullopt;
}

// RFC 6698 section 2.1.3: the selected data itself, or its SHA-256 / SHA-512 digest.
std::optional<Bytes> matched_data(const Bytes& selected, std::uint8_t matching) {
    switch (matching) {
    case matching_full:
        return selected;
    case matching_sha256:
        return digest(selected, EVP_sha256());
    case matching_sha512:
        return digest(selected, EVP_sha512());
    default:
        return std::nullopt;
    }
}

} // namespace detail

namespace {

using detail::BioPtr;
using detail::X509Ptr;

void free_general_names(GENERAL_NAMES* names) {
    GENERAL_NAMES_free(names);
}
using GeneralNamesPtr = OpensslPtr<GENERAL_NAMES, free_general_names>;

void free_openssl_string(unsigned char* text) {
    OPENSSL_free(text);
}
using OpensslStringPtr = OpensslPtr<unsigned char, free_openssl_string>;

std::string drain(BIO* bio) {
    std::string text(BIO_ctrl_pending(bio), '\0');
    if (text.empty()) return text;
    const int read = BIO_read(bio, text.data(), static_cast<int>(text.size()));
    text.resize(read > 0 ? static_cast<std::size_t>(read) : 0U);
    return text;
}

std::string rfc2253(const X509_NAME* name) {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
    return drain(bio.get());
}

std::time_t to_time(const ASN1_TIME* time) {
    std::tm broken_down{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &broken_down) != 1) return 0;
    return timegm(&broken_down);
}

std::string asn1_to_string(const ASN1_STRING* text) {
    return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
            static_cast<std::size_t>(ASN1_STRING_length(text))};
}

std::vector<std::string> dns_names(const X509* cert) {
    std::vector<std::string> names;
    const GeneralNamesPtr alt_names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; alt_names && i < sk_GENERAL_NAME_num(alt_names.get()); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(alt_names.get(), i);
        if (name->type == GEN_DNS) names.push_back(asn1_to_string(name->d.dNSName));
    }
    if (!names.empty()) return names;

    // No DNS subjectAltName: the subject CN is what name checks fall back to.
    const X509_NAME* subject = X509_get_subject_name(cert);
    const int position = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (position < 0) return names;
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(
        &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, position)));
    const OpensslStringPtr owned(utf8);
    if (length >= 0 && owned) {
        names.emplace_back(reinterpret_cast<const char*>(owned.get()),
                           static_cast<std::size_t>(length));
    }
    return names;
}

std::string pem_of(X509* cert) {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
    return drain(bio.get());
}

const char* curve_name(const EVP_PKEY* key) {
    static const std::pair<const char*, const char*> known[] = {
        {"prime256v1", "P-256"}, {"secp384r1", "P-384"}, {"secp521r1", "P-521"}};
    std::array<char, 80> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1) return nullptr;
    for (const auto& [openssl, nist] : known)
        if (std::string_view(group.data(), length) == openssl) return nist;
    return nullptr;
}

KeyType key_type_of(const X509& cert) {
    const EVP_PKEY* key = X509_get0_pubkey(&cert);
    if (key == nullptr) return {KeyFamily::other, "unknown key"};
    const std::string bits = std::to_string(EVP_PKEY_get_bits(key));
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        return {KeyFamily::rsa, "RSA " + bits};
    case EVP_PKEY_RSA_PSS:
        return {KeyFamily::rsa, "RSA-PSS " + bits};
    case EVP_PKEY_EC: {
        const char* curve = curve_name(key);
        return {KeyFamily::ecdsa, curve ? std::string("ECDSA ") + curve : "ECDSA " + bits};
    }
    case EVP_PKEY_ED25519:
        return {KeyFamily::ed25519, "Ed25519"};
    case EVP_PKEY_ED448:
        return {KeyFamily::ed448, "Ed448"};
    default:
        return {KeyFamily::other, "other key"};
    }
}

// CERT is DER parsed: the readable summary of one certificate.
CertificateSummary summary_of(X509& cert, const Bytes& der) {
    CertificateSummary summary;
    summary.subject = rfc2253(X509_get_subject_name(&cert));
    summary.issuer = rfc2253(X509_get_issuer_name(&cert));
    summary.not_before = to_time(X509_get0_notBefore(&cert));
    summary.not_after = to_time(X509_get0_notAfter(&cert));
    summary.names = dns_names(&cert);
    if (const auto spki = detail::spki_der(cert)) {
        if (const auto hash = detail::digest(*spki, EVP_sha256()))
            summary.spki_sha256 = to_hex(*hash);
    }
    if (const auto hash = detail::digest(der, EVP_sha256())) summary.cert_sha256 = to_hex(*hash);
    summary.key = key_type_of(cert);
    summary.pem = pem_of(&cert);
    return summary;
}

} // namespace

const char* to_string(KeyFamily family) {
    switch (family) {
    case KeyFamily::rsa:
        return "RSA";
    case KeyFamily::ecdsa:
        return "ECDSA";
    case KeyFamily::ed25519:
        return "Ed25519";
    case KeyFamily::ed448:
        return "Ed448";
    case KeyFamily::other:
        break;
    }
    return "other";
}

std::optional<KeyType> leaf_key_type(const ServedChain& chain) {
    if (chain.empty()) return std::nullopt;
    const detail::ErrorQueueGuard guard;
    const X509Ptr cert = detail::certificate_at(chain, 0);
    if (!cert) return std::nullopt;
    return key_type_of(*cert);
}

std::shared_ptr<X509> share_certificate(X509* cert) {
    if (cert == nullptr || X509_up_ref(cert) != 1) return nullptr;
    return {cert, X509_free};
}

std::optional<CertificateSummary> summarize(const Bytes& der) {
    const detail::ErrorQueueGuard guard;
    const X509Ptr cert = detail::parse_der_certificate(der);
    if (!cert) return std::nullopt;
    return summary_of(*cert, der);
}

std::optional<CertificateSummary> summarize(const ServedChain& chain, std::size_t depth) {
    const detail::ErrorQueueGuard guard;
    const X509Ptr cert = detail::certificate_at(chain, depth);
    if (!cert) return std::nullopt;
    return summary_of(*cert, chain.der[depth]);
}

std::optional<Bytes> association_data(const Bytes& der, std::uint8_t selector,
                                      std::uint8_t matching) {
    const detail::ErrorQueueGuard guard;
    const X509Ptr cert = detail::parse_der_certificate(der);
    if (!cert) return std::nullopt;
    const auto selected = detail::selected_data(*cert, der, selector);
    if (!selected) return std::nullopt;
    return detail::matched_data(*selected, matching);
}

std::vector<Bytes> load_certificates(const std::string& file_contents) {
    const detail::ErrorQueueGuard guard;
    std::vector<Bytes> certificates;
    if (file_contents.find("-----BEGIN") == std::string::npos) {
        const Bytes der(file_contents.begin(), file_contents.end());
        if (detail::parse_der_certificate(der)) certificates.push_back(der);
        return certificates;
    }

    const BioPtr bio(BIO_new_mem_buf(file_contents.data(), static_cast<int>(file_contents.size())));
    if (!bio) return certificates;
    // PEM_read_bio_X509 skips blocks of other types (keys, parameters) on its way.
    while (const X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        const int length = i2d_X509(cert.get(), nullptr);
        if (length <= 0) continue;
        Bytes der(static_cast<std::size_t>(length));
        unsigned char* cursor = der.data();
        if (i2d_X509(cert.get(), &cursor) == length) certificates.push_back(std::move(der));
    }
    return certificates;
}

} // namespace danemon::dane
