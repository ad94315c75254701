#!/usr/bin/env bash
# README command 1: installs what is needed, builds, and runs `danemon check`.
#   scripts/run.sh                  bring up the local lab (tests/lab) and check its domains
#   scripts/run.sh [OPTIONS] DOMAIN...   check real domains (--resolver auto: a validating
#                                        resolver on this host, else the embedded validator)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DDANEMON_BUILD_TESTS=OFF >/dev/null
danemon=build/daemon/danemon

if [ $# -gt 0 ]; then
    exec "$danemon" check "$@"
fi

cmake --build build --target danemon-lab-hostile-tls >/dev/null # the lab's hostile TLS peer
echo "No domain given: starting the local lab (nsd, unbound, postfix, sendmail and Exim on 127.0.0.0/8) ..."
python3 tests/lab/lab.py up
trap 'python3 tests/lab/lab.py down >/dev/null' EXIT
eval "$(python3 tests/lab/lab.py env)"
mapfile -t domains < <(python3 tests/lab/lab.py domains)
echo "Checking the lab's domains through its validating resolver $LAB_RESOLVER:"
echo
set +e
"$danemon" check --resolver "$LAB_RESOLVER" --timeout 10 "${domains[@]}"
status=$?
set -e
echo
echo "danemon check exited with $status (0 ok, 1 warning, 2 critical, 3 unknown)."
echo "The lab is stopped again; 'python3 tests/lab/lab.py up' keeps it running for your own tries."
