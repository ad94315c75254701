// libFuzzer target: the SMTP reply reader fed hostile server bytes, in chunks as they
// arrive from a socket. Invariants: it never reads past its limits, and a complete reply
// has a three-digit code and printable text.
#include "reply.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using danemon::smtp::detail::ReplyReader;
    // The first byte picks a chunk size, so that split CRLFs and split codes are explored.
    std::size_t chunk = size > 0 ? (data[0] % 16) + 1 : 1;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (!bytes.empty()) bytes.remove_prefix(1);
    ReplyReader reader;
    std::size_t used_total = 0;
    while (!bytes.empty() && reader.state() == ReplyReader::State::incomplete) {
        std::string_view piece = bytes.substr(0, chunk);
        std::size_t used = reader.feed(piece);
        if (used > piece.size()) std::abort();
        used_total += used;
        bytes.remove_prefix(used == 0 ? piece.size() : used);
        if (used == 0 && reader.state() == ReplyReader::State::incomplete) std::abort();
    }
    if (reader.state() == ReplyReader::State::complete) {
        const auto& reply = reader.reply();
        if (reply.code < 100 || reply.code > 599) std::abort();
        for (const auto& line : reply.lines)
            for (char c : line)
                if (c < 0x20 || c > 0x7e) std::abort();
        (void)reply.summary();
    }
    (void)used_total;
    return 0;
}
