# Every dependency is a Debian package (scripts/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
pkg_check_modules(LDNS REQUIRED IMPORTED_TARGET ldns)
# The embedded validator (lib/dns); its .pc file requires libevent's.
pkg_check_modules(UNBOUND REQUIRED IMPORTED_TARGET libunbound)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
