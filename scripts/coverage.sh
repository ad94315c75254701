#!/usr/bin/env bash
# Line and branch coverage of the unit tests for the pure core: lib/check, lib/dane,
# lib/alert and lib/rollover. Builds with --coverage in build-coverage/ (the `coverage`
# preset), runs `ctest -L unit` (no network, no root), and prints one line per library.
# Needs gcovr (Debian package; scripts/install-deps.sh --with-coverage installs it).
#
#   scripts/coverage.sh            # the figures
#   scripts/coverage.sh --html     # also build-coverage/coverage/index.html, line by line
#
# Branches are counted without the ones gcc adds for exceptions and those it proves
# unreachable (--exclude-throw-branches, --exclude-unreachable-branches). The preset counts
# with -fprofile-update=atomic: the scanner and the fake servers run threads, and counters
# they raise at once would otherwise disagree (gcov then reports "branch taken -1").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-coverage"
libs=(check dane alert rollover)
html=0
[ "${1:-}" = "--html" ] && html=1

command -v gcovr >/dev/null || {
    echo "coverage: gcovr is missing; run scripts/install-deps.sh --with-coverage (root)" >&2
    exit 1
}

cd "$root"
cmake --preset coverage >/dev/null
# Counters from an earlier run would add to this one (the build lists each unit test
# executable's cases, which counts too): removed before and after the build.
[ -d "$build" ] && find "$build" -name '*.gcda' -delete
cmake --build "$build" -j "$(nproc)" >/dev/null
find "$build" -name '*.gcda' -delete
(cd "$build" && ctest -L unit -j "$(nproc)" --output-on-failure >/dev/null) || {
    echo "coverage: unit tests failed; run (cd $build && ctest -L unit --output-on-failure)" >&2
    exit 1
}

filters=()
for lib in "${libs[@]}"; do filters+=(--filter "lib/$lib/"); done
gcovr_common=(--root "$root" --object-directory "$build" --exclude-directories "$build/CMakeFiles"
    --exclude-throw-branches --exclude-unreachable-branches)
gcovr "${gcovr_common[@]}" "${filters[@]}" --json "$build/coverage.json"
if [ $html -eq 1 ]; then
    mkdir -p "$build/coverage"
    gcovr --add-tracefile "$build/coverage.json" --root "$root" \
        --html-details "$build/coverage/index.html"
fi

printf '%-14s %22s %22s\n' library lines branches
for lib in "${libs[@]}"; do
    summary=$(gcovr --add-tracefile "$build/coverage.json" --root "$root" --filter "lib/$lib/" \
        --print-summary --output /dev/null)
    lines=$(sed -n 's/^lines: *\(.*\)$/\1/p' <<<"$summary")
    branches=$(sed -n 's/^branches: *\(.*\)$/\1/p' <<<"$summary")
    printf '%-14s %22s %22s\n' "lib/$lib" "$lines" "$branches"
done
[ $html -eq 1 ] && echo "coverage: build-coverage/coverage/index.html"
exit 0
