// --save-chain: the served chains as PEM files, the copy of "the certificate senders
// reject" that an administrator otherwise needs a packet capture for.
#include "danemon/report/report.hpp"

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

} // namespace

std::vector<std::string> save_chains(const std::vector<check::DomainVerdict>& verdicts,
                                     const std::string& directory) {
    std::vector<std::string> written;
    std::set<std::string> done;
    for (const auto& v : verdicts)
        for (const auto& m : v.mx)
            for (const auto& e : m.endpoints) {
                if (e.chain.empty()) continue;
                std::string path = directory + "/" + file_part(m.host) + "_" +
                                   file_part(e.probe.endpoint.address) + "_" +
                                   std::to_string(e.probe.endpoint.port) + ".pem";
                if (!done.insert(path).second) continue;
                std::ofstream out(path, std::ios::trunc);
                for (const auto& cert : e.chain)
                    out << cert.pem;
                out.close();
                if (!out) throw std::runtime_error("cannot write " + path);
                written.push_back(path);
            }
    return written;
}

} // namespace danemon::report
