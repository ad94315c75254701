// libFuzzer target: configuration files as an administrator (or a mistake) writes them.
// Invariant: parse_config either returns a configuration or throws ConfigError with a
// one-line message; nothing else escapes.
#include "danemon/config/config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view yaml(reinterpret_cast<const char*>(data), size);
    try {
        auto config = danemon::config::parse_config(yaml, "fuzz.yaml");
        if (config.domains.empty()) std::abort(); // the loader requires at least one
    } catch (const danemon::config::ConfigError& e) {
        std::string_view message = e.what();
        if (message.empty() || message.find('\n') != std::string_view::npos) std::abort();
    }
    return 0;
}
