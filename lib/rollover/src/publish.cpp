// Reading certificate files and choosing the certificate a TLSA record names: the leaf for
// DANE-EE(3), the top of the chain for DANE-TA(2) (RFC 7671 sections 5.1 and 5.2).
#include "danemon/rollover/publish.hpp"

#include "danemon/dane/certificate.hpp"
#include "danemon/facts/facts.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>
#include <memory>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace danemon::rollover {
namespace {

struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const dane::Bytes& der) {
    const unsigned char* cursor = der.data();
    return X509Ptr(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
}

bool is_ca_certificate(const dane::Bytes& der) {
    const X509Ptr cert = parse(der);
    return cert && X509_check_ca(cert.get()) > 0;
}

// A server certificate names its host in a DNS subjectAltName; CA certificates do not.
bool names_a_host(const X509* cert) {
    GENERAL_NAMES* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    bool found = false;
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i)
        found = found || sk_GENERAL_NAME_value(names, i)->type == GEN_DNS;
    GENERAL_NAMES_free(names);
    return found;
}

// A CA certificate that is no server's own: `openssl req -x509` marks self-signed server
// certificates as CAs by default, and some internal CAs issue server certificates with
// CA:TRUE, but those name their host. `issuing_only` also leaves out self-signed ones (a
// self-signed certificate without host names may still be a server's own).
bool is_ca_not_server(const dane::Bytes& der, bool issuing_only) {
    const X509Ptr cert = parse(der);
    if (!cert || X509_check_ca(cert.get()) <= 0 || names_a_host(cert.get())) return false;
    return !issuing_only ||
           X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) != 0;
}

bool contains(const std::string& text, const char* what) {
    return text.find(what) != std::string::npos;
}

} // namespace

CertificateFile read_certificate_file(const std::string& contents) {
    CertificateFile file;
    file.chain = dane::load_certificates(contents);
    if (!file.chain.empty()) {
        // A server's file starts with its own certificate, then its issuers (fullchain.pem).
        // A CA first with a server certificate after it is a file in the wrong order, whose
        // first certificate a 3 1 1 record would wrongly name.
        if (is_ca_not_server(file.chain.front(), false)) {
            for (std::size_t i = 1; i < file.chain.size(); ++i) {
                if (!is_ca_certificate(file.chain[i])) {
                    file.error = "the certificates are in the wrong order: certificate " +
                                 std::to_string(i + 1) +
                                 " is the server's own and must come first, followed by its "
                                 "issuers (as in fullchain.pem)";
                    break;
                }
            }
        }
        return file;
    }
    if (contents.find_first_not_of(" \t\r\n") == std::string::npos)
        file.error = "the file is empty";
    else if (contains(contents, "PRIVATE KEY-----"))
        file.error = "the file holds a private key, not a certificate: give the certificate or "
                     "full chain file (fullchain.pem)";
    else if (contains(contents, "-----BEGIN"))
        file.error = "the file holds no PEM certificate (no readable 'BEGIN CERTIFICATE' block)";
    else
        file.error = "the file is neither a PEM nor a DER certificate";
    return file;
}

std::string leaf_problem(const std::vector<dane::Bytes>& chain) {
    if (chain.empty()) return "no certificate was given";
    if (is_ca_not_server(chain.front(), true))
        return "the file holds only CA certificates (a chain.pem?), not the server's own "
               "certificate: give the certificate or the full chain file (cert.pem or "
               "fullchain.pem)";
    return {};
}

RecordChoice record_for_chain(const std::vector<dane::Bytes>& chain, std::uint8_t usage,
                              std::uint8_t selector, std::uint8_t matching) {
    RecordChoice choice;
    if (chain.empty()) {
        choice.error = "no certificate was given";
        return choice;
    }
    if (usage != dane::usage_dane_ee && usage != dane::usage_dane_ta) {
        choice.error = "only usages 3 (DANE-EE) and 2 (DANE-TA) are usable for SMTP (RFC 7672 "
                       "section 3.1.3)";
        return choice;
    }
    if (selector != dane::selector_cert && selector != dane::selector_spki) {
        choice.error = "the selector must be 1 (public key) or 0 (whole certificate)";
        return choice;
    }
    if (matching != dane::matching_sha256 && matching != dane::matching_sha512) {
        choice.error = "the matching type must be 1 (SHA-256) or 2 (SHA-512)";
        return choice;
    }
    const dane::Bytes* named = &chain.front();
    if (usage == dane::usage_dane_ee) {
        choice.error = leaf_problem(chain);
        if (!choice.error.empty()) return choice;
    }
    if (usage == dane::usage_dane_ta) {
        // The issuing CA: the last certificate of the file (a full chain ends with it, a
        // certbot chain.pem holds only it). A leaf alone cannot be a trust anchor.
        named = &chain.back();
        if (!is_ca_certificate(*named)) {
            choice.error = "usage 2 (DANE-TA) names the issuing CA, but the last certificate "
                           "in the file is not a CA certificate: give the full chain file "
                           "(fullchain.pem)";
            return choice;
        }
    }
    auto data = dane::association_data(*named, selector, matching);
    if (!data) {
        choice.error = "the certificate could not be parsed";
        return choice;
    }
    choice.record = dane::TlsaRecord{usage, selector, matching, std::move(*data)};
    return choice;
}

PublishableNames publishable_host_names(const dane::Bytes& leaf_der) {
    PublishableNames names;
    const auto summary = dane::summarize(leaf_der);
    if (!summary) return names;
    for (const auto& name : summary->names) {
        // A TLSA owner cannot be a wildcard: each MX host needs its own record.
        if (name.empty() || name.find('*') != std::string::npos) continue;
        std::string host = facts::normalize_name(name);
        if (!facts::is_host_name(host)) {
            names.not_host_names.push_back(text::printable(name));
            continue;
        }
        if (std::find(names.hosts.begin(), names.hosts.end(), host) == names.hosts.end())
            names.hosts.push_back(std::move(host));
    }
    return names;
}

std::string zone_file_line(const std::string& tlsa_base, const dane::TlsaRecord& record) {
    return facts::tlsa_owner(tlsa_base) + ". IN TLSA " + dane::to_presentation(record);
}

} // namespace danemon::rollover
