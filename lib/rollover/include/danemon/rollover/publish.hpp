// The TLSA record to publish for a certificate (or chain) file, in zone-file syntax: what
// `danemon tlsa` prints and what the rollover gate asks for. Pure: parsing and hashing only.
#pragma once

#include "danemon/dane/tlsa.hpp"
#include "danemon/expected/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace danemon::rollover {

// The record for `chain` with these parameters: DANE-EE(3) names the leaf; DANE-TA(2) names
// the top certificate of the chain (the last one in the file, as `ldns-dane -o 0` selects it),
// which must be a CA certificate. Only the digests SHA-256(1) and SHA-512(2) are offered:
// Full(0) records are large and change with every reissue of the certificate.
// The chain is read with dane::read_certificate_file.
Expected<dane::TlsaRecord> record_for_chain(const std::vector<dane::Bytes>& chain,
                                            std::uint8_t usage, std::uint8_t selector,
                                            std::uint8_t matching);

// The DNS names a leaf certificate is valid for (subjectAltName DNS names, else the subject
// CN), lower case, in certificate order: those that can own a TLSA record, and the others as
// printable text. Zone files are input to name servers, so nothing from a certificate gets
// into a record line unchecked: a name with a newline, a NUL or a space is no host name.
// Wildcard names are left out of both (each MX host needs its own record).
struct PublishableNames {
    std::vector<std::string> hosts;
    std::vector<std::string> not_host_names; // text::printable
};
PublishableNames publishable_host_names(const dane::Bytes& leaf_der);

} // namespace danemon::rollover
