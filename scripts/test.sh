#!/usr/bin/env bash
# README command 2: installs what is needed, builds with warnings as errors, and runs the
# whole test suite (unit + integration against the lab) through ctest, twice:
#   1. g++ build (build-test/)
#   2. clang build with AddressSanitizer + UndefinedBehaviorSanitizer and the libFuzzer
#      targets, each fuzzed for a short bounded time (build-fuzz/, the "fuzz" preset)
# Options: --fast (pass 1 only), --sanitize (pass 2 only).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
case "$mode" in all | --fast | --sanitize) ;; *)
    echo "usage: scripts/test.sh [--fast | --sanitize]" >&2
    exit 2
    ;;
esac

scripts/install-deps.sh --with-sanitizers

if [ "$mode" != --sanitize ]; then
    scripts/build.sh build-test -DDANEMON_WERROR=ON -DDANEMON_BUILD_TESTS=ON
    (cd build-test && ctest --output-on-failure --timeout 300 -j 2)
fi
if [ "$mode" != --fast ]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    mkdir -p build-fuzz
    cmake --preset fuzz >build-fuzz/configure.log 2>&1 || { cat build-fuzz/configure.log >&2; exit 1; }
    cmake --build build-fuzz -j "$(nproc)"
    (cd build-fuzz && ctest --output-on-failure --timeout 300 -j 2)
fi
