#!/usr/bin/env bash
# README command 2: installs what is needed, builds with warnings as errors, and runs the
# whole test suite (unit + integration against the lab) through ctest.
#   scripts/test.sh               the normal build (build-test/)
#   scripts/test.sh --sanitize    the same suite built with ASan+UBSan (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--sanitize" ]; then
    scripts/install-deps.sh --with-sanitizers
    build_dir=build-asan
    extra=(-DDANEMON_SANITIZE="address;undefined" -DCMAKE_BUILD_TYPE=Debug)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
    scripts/install-deps.sh
    build_dir=build-test
    extra=()
fi
scripts/build.sh "$build_dir" -DDANEMON_WERROR=ON -DDANEMON_BUILD_TESTS=ON "${extra[@]}"
cd "$build_dir"
ctest --output-on-failure --timeout 300 -j 2
