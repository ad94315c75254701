#!/bin/sh
# Builds the certificate chains the lib/dane unit tests verify offline, with explicit far-future
# dates so they never go stale (the way OpenSSL's DANE test vectors are made). Private keys live
# in a temporary directory that is removed on exit; only certificates are kept.
#
# Usage: tests/data/make-chains.sh   (writes into the directory holding this script)
set -eu

out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

mkdir newcerts
: > index.txt
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = test_ca

[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
default_md = sha256
policy = policy_anything
unique_subject = no
email_in_dn = no
rand_serial = yes

[ policy_anything ]
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = placeholder

[ root_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ intermediate_ext ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ mx_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:mx.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ wrong_name_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# make_key NAME
make_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
}

# issue NAME CN EXTENSIONS ISSUER START END   (ISSUER "self" makes a self-signed certificate)
issue() {
    make_key "$1"
    openssl req -new -config ca.cnf -key "$1.key" -subj "/CN=$2" -out "$1.csr"
    if [ "$4" = self ]; then
        set -- "$@" -selfsign -keyfile "$1.key" -cert /dev/null
    else
        set -- "$@" -keyfile "$4.key" -cert "$4.pem"
    fi
    name=$1 ext=$3 start=$5 end=$6
    shift 6
    openssl ca -batch -notext -config ca.cnf -extfile ca.cnf -extensions "$ext" \
        -startdate "$start" -enddate "$end" -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
}

issue root "danemon Test Root CA" root_ext self 20200101000000Z 21991231235959Z
issue intermediate "danemon Test Intermediate CA" intermediate_ext root \
    20200101000000Z 21991231235959Z
issue leaf "mx.example.test" mx_ext intermediate 20200101000000Z 20991231235959Z
# The next key of the same host, for rollover tests (current + next, RFC 7671 section 8.1).
issue leaf-next "mx.example.test" mx_ext intermediate 20200101000000Z 20991231235959Z
issue leaf-wrong-name "wrong.example.test" wrong_name_ext intermediate \
    20200101000000Z 20991231235959Z
issue leaf-expired "mx.example.test" mx_ext intermediate 20000101000000Z 20010101000000Z
# notBefore after notAfter: this certificate was never valid at any time.
issue leaf-never-valid "mx.example.test" mx_ext intermediate 20300101000000Z 20200101000000Z
issue intermediate-expired "danemon Expired Intermediate CA" intermediate_ext root \
    20000101000000Z 20010101000000Z
issue leaf-under-expired "mx.example.test" mx_ext intermediate-expired \
    20200101000000Z 20991231235959Z

# Served chains, leaf first, as a server would send them.
cat leaf.pem intermediate.pem > "$out/chain.pem"
cat leaf.pem intermediate.pem root.pem > "$out/chain-with-root.pem"
cat leaf-next.pem intermediate.pem > "$out/chain-next.pem"
cat leaf-wrong-name.pem intermediate.pem > "$out/chain-wrong-name.pem"
cat leaf-expired.pem intermediate.pem > "$out/chain-expired-leaf.pem"
cat leaf-never-valid.pem intermediate.pem > "$out/chain-never-valid-leaf.pem"
cat leaf-under-expired.pem intermediate-expired.pem root.pem > "$out/chain-expired-intermediate.pem"

# Association data computed independently with the openssl tool:
# "<certificate> <selector> <matching> <hex>", selector 0 = certificate, 1 = public key.
digests="$out/expected-digests.txt"
echo "# Written by make-chains.sh: <certificate> <selector> <matching type> <hex>" > "$digests"
for name in root intermediate leaf leaf-next leaf-wrong-name leaf-expired leaf-never-valid \
    intermediate-expired leaf-under-expired; do
    openssl x509 -in "$name.pem" -outform DER -out "$name.der"
    openssl x509 -in "$name.pem" -noout -pubkey | openssl pkey -pubin -outform DER -out "$name.spki"
    for sel in 0 1; do
        if [ $sel = 0 ]; then file=$name.der; else file=$name.spki; fi
        echo "$name $sel 1 $(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)" >> "$digests"
        echo "$name $sel 2 $(openssl dgst -sha512 -r "$file" | cut -d' ' -f1)" >> "$digests"
    done
done
