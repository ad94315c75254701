// libFuzzer target: the arguments and environment an ACME client hands its hook, split from
// the input at NUL bytes (argv) and a 0x01 byte (environment KEY=VALUE entries after it).
// Invariant: an outcome with a message or certificates, never a crash.
#include "danemon/hook/renewal.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string input(reinterpret_cast<const char*>(data), size);
    auto split = input.find('\x01');
    std::string argv_part = input.substr(0, split);
    std::string env_part = split == std::string::npos ? std::string() : input.substr(split + 1);
    std::vector<std::string> args;
    for (std::size_t start = 0; start <= argv_part.size();) {
        auto end = argv_part.find('\0', start);
        if (end == std::string::npos) end = argv_part.size();
        if (end > start) args.push_back(argv_part.substr(start, end - start));
        start = end + 1;
    }
    std::map<std::string, std::string> env;
    for (std::size_t start = 0; start <= env_part.size();) {
        auto end = env_part.find('\0', start);
        if (end == std::string::npos) end = env_part.size();
        std::string entry = env_part.substr(start, end - start);
        if (auto eq = entry.find('='); eq != std::string::npos)
            env[entry.substr(0, eq)] = entry.substr(eq + 1);
        start = end + 1;
    }
    auto invocation = danemon::hook::parse_hook_invocation(args, env);
    using danemon::hook::HookOutcome;
    if (invocation.outcome == HookOutcome::renewed && invocation.certificates.empty()) std::abort();
    if (invocation.outcome != HookOutcome::renewed && invocation.message.empty()) std::abort();
    return 0;
}
