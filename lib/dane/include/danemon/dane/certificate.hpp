// The certificate chain a server served, kept as DER exactly as captured, and a readable
// summary of each certificate. Pure: parsing only, no I/O.
#pragma once

#include "danemon/dane/tlsa.hpp"

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace danemon::dane {

// Leaf first, in the order the server sent it.
struct ServedChain {
    std::vector<Bytes> der;
    bool empty() const { return der.empty(); }
};

struct CertificateSummary {
    std::string subject; // RFC 2253 form
    std::string issuer;  // RFC 2253 form
    std::time_t not_before = 0;
    std::time_t not_after = 0;
    std::vector<std::string> names; // DNS subjectAltNames, or the subject CN when there are none
    std::string spki_sha256;        // lower-case hex
    std::string cert_sha256;        // lower-case hex
    std::string pem;
};

// nullopt when the bytes are not a DER certificate.
std::optional<CertificateSummary> summarize(const Bytes& der);

// The record data a TLSA record with this selector and matching type would carry for the
// certificate. nullopt for unknown selector/matching values or an unparsable certificate.
std::optional<Bytes> association_data(const Bytes& der, std::uint8_t selector,
                                      std::uint8_t matching);

// Reads certificates from PEM text (or a single DER certificate). Empty when none found.
std::vector<Bytes> load_certificates(const std::string& file_contents);

} // namespace danemon::dane
