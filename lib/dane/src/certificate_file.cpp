// Certificate files as users give them (certificate_file.hpp).
#include "danemon/dane/certificate_file.hpp"

#include "danemon/dane/certificate.hpp"
#include "openssl_handles.hpp"

#include <openssl/x509v3.h>

namespace danemon::dane {
namespace {

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
bool is_ca_not_server(const Bytes& der, bool issuing_only) {
    const detail::ErrorQueueGuard guard;
    const detail::X509Ptr cert = detail::parse_der_certificate(der);
    if (!cert || X509_check_ca(cert.get()) <= 0 || names_a_host(cert.get())) return false;
    return !issuing_only ||
           X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) != 0;
}

bool contains(const std::string& text, const char* what) {
    return text.find(what) != std::string::npos;
}

} // namespace

bool is_ca_certificate(const Bytes& der) {
    const detail::ErrorQueueGuard guard;
    const detail::X509Ptr cert = detail::parse_der_certificate(der);
    return cert && X509_check_ca(cert.get()) > 0;
}

Expected<std::vector<Bytes>> read_certificate_file(const std::string& contents) {
    std::vector<Bytes> chain = load_certificates(contents);
    if (chain.empty()) {
        if (contents.find_first_not_of(" \t\r\n") == std::string::npos)
            return Error{"the file is empty"};
        if (contains(contents, "PRIVATE KEY-----"))
            return Error{"the file holds a private key, not a certificate: give the "
                         "certificate or full chain file (fullchain.pem)"};
        if (contains(contents, "-----BEGIN"))
            return Error{"the file holds no PEM certificate (no readable 'BEGIN CERTIFICATE' "
                         "block)"};
        return Error{"the file is neither a PEM nor a DER certificate"};
    }
    // A server's file starts with its own certificate, then its issuers (fullchain.pem). A CA
    // first with a server certificate after it is a file in the wrong order, whose first
    // certificate a 3 1 1 record would wrongly name.
    if (is_ca_not_server(chain.front(), false)) {
        for (std::size_t i = 1; i < chain.size(); ++i) {
            if (!is_ca_certificate(chain[i]))
                return Error{"the certificates are in the wrong order: certificate " +
                             std::to_string(i + 1) +
                             " is the server's own and must come first, followed by its "
                             "issuers (as in fullchain.pem)"};
        }
    }
    return chain;
}

Expected<void> check_leaf(const std::vector<Bytes>& chain) {
    if (chain.empty()) return Error{"no certificate was given"};
    if (is_ca_not_server(chain.front(), true))
        return Error{"the file holds only CA certificates (a chain.pem?), not the server's own "
                     "certificate: give the certificate or the full chain file (cert.pem or "
                     "fullchain.pem)"};
    return {};
}

Expected<std::vector<Bytes>> read_server_chain(const std::string& contents) {
    auto chain = read_certificate_file(contents);
    if (!chain) return chain;
    if (auto leaf = check_leaf(*chain); !leaf) return Error{leaf.error()};
    return chain;
}

} // namespace danemon::dane
