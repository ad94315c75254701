#!/bin/sh
# The benchmark: danemon check against posttls-finger over a farm of secure
# domains, and danemon through the farm's unbound against its embedded validator (bench/README.md). Root, Debian; needs the packages of scripts/install-deps.sh.
#   bench/run.sh [--sizes 50,200,1000] [--rounds 3] [--no-profile] [--keep-farm]
# Results go to bench/results/; the farm runs under bench/.run/ and is stopped at the end.
set -eu
cd "$(dirname "$0")/.."

sizes=50,200,1000 rounds=3 profile=50 keep=no
while [ $# -gt 0 ]; do
    case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-profile) profile=0; shift ;;
    --keep-farm) keep=yes; shift ;;
    *) echo "usage: bench/run.sh [--sizes 50,200,1000] [--rounds N] [--no-profile] [--keep-farm]" >&2
       exit 2 ;;
    esac
done
largest=$(echo "$sizes" | tr , '\n' | sort -n | tail -1)

# Bench-only packages: gnuplot for the plot, valgrind for the profile, GNU time.
need=""
command -v gnuplot >/dev/null || need="$need gnuplot-nox"
command -v valgrind >/dev/null || need="$need valgrind"
[ -x /usr/bin/time ] || need="$need time"
if [ -n "$need" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi

# Release build (-O3) of danemon; warnings as errors stay with scripts/test.sh, whose build
# is the one CI gates on.
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DDANEMON_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target danemon >/dev/null

python3 bench/farm.py up --size "$largest" --bulk 10000 --max-lifetime 5400
[ "$keep" = yes ] || trap 'python3 bench/farm.py down' EXIT INT TERM
python3 bench/bench.py --danemon build-bench/daemon/danemon --sizes "$sizes" \
    --rounds "$rounds" --bulk 10000 --profile "$profile"
