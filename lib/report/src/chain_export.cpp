// --save-chain: the served chains as PEM files, the copy of "the certificate senders
// reject" that an administrator otherwise needs a packet capture for.
#include "danemon/report/report.hpp"

#include <cctype>
#include <fstream>
#include <set>
#include <stdexcept>

namespace danemon::report {
namespace {

// File names from DNS names and addresses: keep [A-Za-z0-9.-], map the rest to '_'.
std::string file_part(const std::string& text) {
    std::string out;
    for (char c : text) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
        out += keep ? c : '_';
    }
    while (!out.empty() && out.front() == '.')
        out.front() = '_';
    return out.empty() ? "_" : out;
}

// "RSA 2048" -> "rsa-2048", "ECDSA P-256" -> "ecdsa-p-256".
std::string key_part(const std::string& type) {
    std::string out;
    for (char c : file_part(type))
        out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

void save(const std::string& path, const std::vector<dane::CertificateSummary>& chain,
          std::set<std::string>& done, std::vector<std::string>& written) {
    if (!done.insert(path).second) return;
    std::ofstream out(path, std::ios::trunc);
    for (const auto& cert : chain)
        out << cert.pem;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path);
    written.push_back(path);
}

} // namespace

std::vector<std::string> save_chains(const std::vector<check::DomainVerdict>& verdicts,
                                     const std::string& directory) {
    std::vector<std::string> written;
    std::set<std::string> done;
    for (const auto& v : verdicts)
        for (const auto& m : v.mx)
            for (const auto& e : m.endpoints) {
                if (e.chain.empty()) continue;
                const std::string stem = directory + "/" + file_part(m.host) + "_" +
                                         file_part(e.probe.endpoint.address) + "_" +
                                         std::to_string(e.probe.endpoint.port);
                save(stem + ".pem", e.chain, done, written);
                // The other keys' chains beside it: "..._25.rsa-2048.pem".
                for (const auto& k : e.other_keys)
                    save(stem + "." + key_part(k.type) + ".pem", k.chain, done, written);
            }
    return written;
}

} // namespace danemon::report
