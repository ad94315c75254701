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
# m4, libwrap0, libidn12: what the unpacked sendmail (its .cf is built with m4) and Exim need.
lab_pkgs=(nsd unbound postfix ldnsutils openssl swaks python3 iproute2 procps systemd faketime
    util-linux icinga2-bin gnutls-bin m4 libwrap0 libidn12)
# sendmail and Exim conflict with postfix as installed packages: the lab unpacks these .debs
# (dpkg-deb -x) into its run directory and runs them from there. They are fetched with
# `apt-get download` into this cache, once.
mta_debs=(sendmail-bin sendmail-cf sendmail-base exim4-daemon-light)
mta_cache=/var/cache/danemon-lab/debs

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
missing_debs=()
for p in "${mta_debs[@]}"; do
    compgen -G "$mta_cache/${p}_*.deb" >/dev/null || missing_debs+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_debs[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]} ${missing_debs[*]}); run as root to" \
        "install them" >&2
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
if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "install-deps: installed ${missing[*]}"
fi
if [ ${#missing_debs[@]} -gt 0 ]; then
    mkdir -p "$mta_cache"
    # apt's download sandbox user cannot write to a root-only directory: say so and go on.
    (cd "$mta_cache" && apt-get download -q "${missing_debs[@]}" 2>&1 | grep -v "unsandboxed" || true)
    for p in "${missing_debs[@]}"; do
        compgen -G "$mta_cache/${p}_*.deb" >/dev/null || {
            echo "install-deps: could not fetch $p into $mta_cache" >&2
            exit 1
        }
    done
    echo "install-deps: fetched ${missing_debs[*]} into $mta_cache (not installed)"
fi
