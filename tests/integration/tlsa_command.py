#!/usr/bin/env python3
"""danemon tlsa against ldns-dane: for each chain in tests/data and each of 3 1 1, 3 0 1,
3 1 2 and 2 1 1, `danemon tlsa` must print the record `ldns-dane -c CHAIN create` prints
(owner, usage, selector, matching type, data), and bad input must exit 3 with one sentence.
No lab needed. Exit 77 (skipped) when ldns-dane is not installed.

Usage: tlsa_command.py --danemon PATH --data DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

COMBINATIONS = [(3, 1, 1), (3, 0, 1), (3, 1, 2), (2, 1, 1)]
HOST = "mx.example.test"
CHAINS = ["chain.pem", "chain-next.pem", "chain-with-root.pem", "chain-wrong-name.pem"]


def records(text):
    """(owner, usage, selector, matching, hex) of every TLSA line, normalized."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if "TLSA" not in fields:
            continue
        at = fields.index("TLSA")
        usage, selector, matching = (int(f) for f in fields[at + 1:at + 4])
        data = "".join(fields[at + 4:]).lower()
        found.append((fields[0].lower(), usage, selector, matching, data))
    return found


def run(command):
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--danemon", required=True)
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    ldns_dane = shutil.which("ldns-dane")
    if ldns_dane is None:
        print("ldns-dane is not installed: skipped")
        return 77

    failures = []
    for chain in CHAINS:
        path = os.path.join(args.data, chain)
        for usage, selector, matching in COMBINATIONS:
            ours = run([args.danemon, "tlsa", "--cert", path, "--usage", str(usage),
                        "--selector", str(selector), "--matching", str(matching),
                        "--host", HOST])
            # -o 0: the last certificate of the chain file, which danemon names for usage 2
            offset = ["-o", "0"] if usage == 2 else []
            # -n: danemon prints the record for any --host, as ldns-dane does without its name check
            theirs = run([ldns_dane, "-n", "-c", path] + offset +
                         ["create", HOST, "25", str(usage), str(selector), str(matching)])
            label = f"{chain} {usage} {selector} {matching}"
            if ours.returncode != 0 or theirs.returncode != 0:
                failures.append(f"{label}: exit {ours.returncode} ({ours.stderr.strip()}), "
                                f"ldns-dane exit {theirs.returncode} ({theirs.stderr.strip()})")
                continue
            if records(ours.stdout) != records(theirs.stdout) or len(records(ours.stdout)) != 1:
                failures.append(f"{label}: danemon {ours.stdout.strip()!r} != ldns-dane "
                                f"{theirs.stdout.strip()!r}")

    # Without --host the owner comes from the certificate's names.
    default = run([args.danemon, "tlsa", "--cert", os.path.join(args.data, "chain.pem")])
    expected = run([ldns_dane, "-c", os.path.join(args.data, "chain.pem"), "create", HOST, "25"])
    if records(default.stdout) != records(expected.stdout):
        failures.append(f"no --host: {default.stdout!r} != {expected.stdout!r}")

    with tempfile.TemporaryDirectory() as tmp:
        def write(name, data):
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(data)
            return path

        with open(os.path.join(args.data, "chain.pem"), "rb") as f:
            first_pem = f.read().split(b"-----END CERTIFICATE-----")[0]
        key = run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                   "ec_paramgen_curve:P-256"]).stdout.encode()
        bad = {
            "missing file": os.path.join(tmp, "absent.pem"),
            "empty file": write("empty.pem", b""),
            "private key": write("key.pem", key),
            "garbage": write("garbage.bin", bytes(range(256)) * 3),
            "truncated PEM": write("truncated.pem", first_pem[:200]),
        }
        for label, path in bad.items():
            result = run([args.danemon, "tlsa", "--cert", path])
            lines = result.stderr.strip().splitlines()
            if result.returncode != 3 or result.stdout or len(lines) != 1:
                failures.append(f"{label}: exit {result.returncode}, stdout {result.stdout!r}, "
                                f"stderr {result.stderr!r}")
        # DER is accepted.
        der = run(["openssl", "x509", "-in", os.path.join(args.data, "chain.pem"), "-outform",
                   "DER", "-out", os.path.join(tmp, "leaf.der")])
        result = run([args.danemon, "tlsa", "--cert", os.path.join(tmp, "leaf.der"), "--host",
                      HOST])
        if der.returncode != 0 or records(result.stdout) != records(expected.stdout):
            failures.append(f"DER: exit {result.returncode}, {result.stdout!r} {result.stderr!r}")

    for failure in failures:
        print("FAIL", failure)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
