// libFuzzer target: a TLSA response in wire format as a hostile or broken DNS server might
// send it, read exactly as the resolver reads answers (ldns_wire2pkt, CNAME chain, RRset).
#include "answer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto lookup =
        danemon::dns::detail::decode_tlsa_response(data, size, "_25._tcp.mx.example.test");
    if (lookup.cname_chain.size() > 16) std::abort();
    if (!lookup.records.empty() && !lookup.found()) std::abort();
    return 0;
}
