// libFuzzer target: TLSA records in presentation form ("3 1 1 HEX") as a user or a zone
// file writes them. Invariant: whatever parses prints back to text that parses to the same
// record, and usability is always decided with a reason when unusable.
#include "danemon/dane/tlsa.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace danemon::dane;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto record = parse_presentation(text);
    if (!record) return 0;
    auto again = parse_presentation(to_presentation(*record));
    if (!again || !(*again == *record)) std::abort();
    auto usability = assess_for_smtp(*record);
    if (!usability.usable && usability.why.empty()) std::abort();
    return 0;
}
