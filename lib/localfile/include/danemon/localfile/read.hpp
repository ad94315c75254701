// Reading the files a user names (the configuration, certificate and chain files): each must
// be a regular file, is opened without blocking, so that a FIFO or a device never hangs
// danemon, and is read up to a stated limit, so that /dev/zero or a huge file cannot exhaust
// memory. Every failure is one phrase naming the file.
#pragma once

#include "danemon/expected/expected.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace danemon::localfile {

struct Limit {
    std::size_t bytes;
    const char* what; // "a configuration file": ends the sentence of a file that is too large
};

inline constexpr Limit config_file{std::size_t{4} << 20, "a configuration file"};
inline constexpr Limit certificate_file{std::size_t{1} << 20, "a certificate file"};

// The whole contents, or why not: "cannot read PATH: No such file or directory", "PATH is a
// directory, not a regular file", "PATH is larger than 4 MB, the limit for a configuration
// file".
Expected<std::string> read_regular_file(const std::string& path, Limit limit);

// What PATH is when it exists and is not a regular file ("a directory", "a FIFO", "a
// character device", ...), without opening it; nullopt for a regular file or no file at all.
std::optional<std::string> non_regular_kind(const std::string& path);

} // namespace danemon::localfile
