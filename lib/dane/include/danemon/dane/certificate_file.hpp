// A certificate or chain file as users name it (fullchain.pem, cert.pem, chain.pem, a DER
// file): its certificates, leaf first, or the one sentence why they cannot be used, without
// the file name. Used by `danemon tlsa`, the rollover gate and the local_certs check.
#pragma once

#include "danemon/dane/tlsa.hpp"
#include "danemon/expected/expected.hpp"

#include <string>
#include <vector>

namespace danemon::dane {

// The certificates of a PEM (or single DER) file, leaf first; why not: "the file holds a
// private key, not a certificate: ...", "the certificates are in the wrong order: ...", ...
Expected<std::vector<Bytes>> read_certificate_file(const std::string& contents);

// Succeeds when the chain starts with a server's own (non-CA) certificate; else the sentence
// why a record for "the leaf" cannot be made from it.
Expected<void> check_leaf(const std::vector<Bytes>& chain);

// read_certificate_file, then check_leaf: the chain a server serves.
Expected<std::vector<Bytes>> read_server_chain(const std::string& contents);

// Whether the DER certificate is a CA certificate (OpenSSL's X509_check_ca).
bool is_ca_certificate(const Bytes& der);

} // namespace danemon::dane
