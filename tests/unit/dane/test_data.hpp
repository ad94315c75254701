// Access to the certificate chains and independently computed digests in tests/data,
// which tests/data/make-chains.sh writes with the openssl tool.
#pragma once

#include "danemon/dane/certificate.hpp"
#include "danemon/dane/tlsa.hpp"

#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>

namespace danemon::dane::test {

// 2025-06-01T00:00:00Z: inside the validity of every chain in tests/data but the expired ones.
inline constexpr std::time_t now_2025 = 1748736000;

// Record data of the right length for MATCHING (64 bytes for SHA-512, else 32) that matches
// no certificate: a stale key's record.
inline Bytes stale_data(std::uint8_t matching) {
    return Bytes(matching == matching_sha512 ? 64 : 32, 0x5A);
}

// The path of tests/data/NAME.
inline std::string data_path(const std::string& name) {
    return std::string(DANEMON_TEST_DATA) + "/" + name;
}

inline std::string read_data_file(const std::string& name) {
    std::ifstream file(data_path(name), std::ios::binary);
    if (!file) throw std::runtime_error("missing test data file " + name);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

inline ServedChain load_chain(const std::string& name) {
    return ServedChain{load_certificates(read_data_file(name)), {}};
}

// Upper-case hex, as TLSA records are written in zone files and reports.
inline std::string upper_hex(const Bytes& bytes) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (const auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

inline Bytes from_hex(const std::string& hex) {
    Bytes bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return bytes;
}

// expected-digests.txt: "<certificate> <selector> <matching type> <hex>", from openssl dgst.
inline Bytes expected_digest(const std::string& certificate, int selector, int matching) {
    static const auto table = [] {
        std::map<std::tuple<std::string, int, int>, Bytes> digests;
        std::istringstream lines(read_data_file("expected-digests.txt"));
        std::string line;
        while (std::getline(lines, line)) {
            if (line.empty() || line.front() == '#') continue;
            std::istringstream fields(line);
            std::string name;
            std::string hex;
            int sel = 0;
            int mat = 0;
            fields >> name >> sel >> mat >> hex;
            digests[{name, sel, mat}] = from_hex(hex);
        }
        return digests;
    }();
    const auto found = table.find({certificate, selector, matching});
    if (found == table.end()) throw std::runtime_error("no expected digest for " + certificate);
    return found->second;
}

} // namespace danemon::dane::test
