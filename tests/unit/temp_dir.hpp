// A directory of the test's own under the system's temporary directory, removed with
// everything in it when the test ends; shared by the unit tests that need files.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace danemon::test {

class TempDir {
public:
    // PURPOSE names the directory: danemon-PURPOSE-XXXXXX.
    explicit TempDir(const std::string& purpose) {
        std::string templ =
            (std::filesystem::temp_directory_path() / ("danemon-" + purpose + "-XXXXXX")).string();
        REQUIRE(mkdtemp(templ.data()) != nullptr);
        path = templ;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes TEXT to the file NAME in the directory; its path.
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name) << text;
        return (path / name).string();
    }

    std::filesystem::path path;
};

} // namespace danemon::test
