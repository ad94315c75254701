#!/usr/bin/env bash
# Installs danemon's build and test dependencies from Debian packages.
# Idempotent: packages already present are not fetched again.
#   scripts/install-deps.sh [--with-sanitizers] [--with-coverage]
# --with-sanitizers adds clang and its sanitizer runtime (the fuzz preset); --with-coverage
# adds gcovr (scripts/coverage.sh).
set -euo pipefail

build_pkgs=(cmake make g++ pkg-config libssl-dev libldns-dev libspdlog-dev libfmt-dev
    libyaml-cpp-dev catch2 libcli11-dev nlohmann-json3-dev libsystemd-dev libsqlite3-dev
    libunbound-dev libevent-dev dns-root-data)
# icinga2-bin: contrib/icinga2/danemon.conf is validated by Icinga 2 itself (tests/contrib).
# gnutls-bin: gnutls-cli, the GnuTLS client that tells which certificate such senders are served.
lab_pkgs=(nsd unbound postfix ldnsutils openssl swaks python3 iproute2 procps systemd faketime
    util-linux icinga2-bin gnutls-bin)

want=("${build_pkgs[@]}" "${lab_pkgs[@]}")
for option in "$@"; do
    case "$option" in
    --with-sanitizers) want+=(clang libclang-rt-14-dev) ;;
    --with-coverage) want+=(gcovr) ;;
    *)
        echo "install-deps: unknown option $option" >&2
        exit 2
        ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# postfix asks how to configure itself; the lab writes its own configuration.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Packaged daemons (nsd, unbound, postfix) must not start system-wide instances on install:
# the lab runs its own on loopback addresses.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: installed ${missing[*]}"
