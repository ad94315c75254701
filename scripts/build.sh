#!/usr/bin/env bash
# Configures and builds danemon into BUILD_DIR (default: build) with any extra CMake
# arguments given, e.g. scripts/build.sh build-asan -DDANEMON_SANITIZE="address;undefined"
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$build_dir/configure.log" 2>&1 \
    || { cat "$build_dir/configure.log" >&2; exit 1; }
cmake --build "$build_dir" -j "$(nproc)"
