#!/usr/bin/env python3
"""danemon verify end to end, through the command line as a user runs it.

vectors: every vector of tests/data/dane-vectors.txt (the table tests/unit/dane/vectors_test.cpp
  runs against the library) as a `danemon verify --json` run: the chain file written as the
  vector serves it, each record's data computed here with the openssl tool, the names as
  --name and the time as --at. The outcome must show in the report as a user reads it: the
  endpoint's "dane" state, the matched record and depth, the problem code of the failure, the
  records' usability; and where the command line cannot state the vector's input (no
  reference name, an empty one, no records, no certificate), exit 3 with one sentence. A
  record of no data at all has no presentation form, so the command line cannot give it: it
  is left out of that run (the vectors mark every such record unusable). No lab needed.

saved-chains: the lab's scenarios checked in one run with --save-chain, then every saved
  chain of a host with a DNSSEC-secure TLSA RRset verified offline with the records, names
  and time of that check: the endpoint's DANE state, match and DANE problems (codes,
  severities, messages with "in FILE" for "at ADDRESS:PORT") must be the live check's; for a
  server with several certificates, each key's chain (its own file) gets that key's state and
  match, and a failure exactly when that key failed.

Usage: verify_command.py vectors --danemon PATH --data DIR
       verify_command.py saved-chains --danemon PATH --lab LAB --run-dir DIR
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failure, expect, lab_env, lab_tool  # noqa: E402

TIMES = {"2025": "2025-06-01T00:00:00Z", "after-leaf-expiry": "2100-03-01T00:00:00Z"}
# What a failure reason of the vectors is called in the report: the endpoint's problem code.
# RFC 7671 section 9 gives a stale stronger digest its own code (tlsa-digest-stale) in place
# of tlsa-mismatch; a chain whose signatures fail matches no record either.
FAILURE_CODES = {"no-match": {"tlsa-mismatch", "tlsa-digest-stale"},
                 "chain-invalid": {"tlsa-mismatch"},
                 "expired": {"cert-expired"},
                 "name-mismatch": {"tlsa-name-mismatch"}}
# The endpoint problems that come of the DANE evaluation of a chain, not of the session.
DANE_CODES = {"tlsa-mismatch", "tlsa-digest-stale", "tlsa-name-mismatch", "cert-expired",
              "cert-expiring", "check-incomplete"}
# The MX host's problems that come of its records and its chain alone.
HOST_DANE_CODES = {"tlsa-unusable", "tlsa-rollover-missing"}
EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}


def run(command, timeout=60):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def read_vectors(path):
    """[(line, {key: [values]})], blocks separated by blank lines, as the file's header says."""
    vectors = []
    current = None
    for number, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        if line.startswith("#"):
            continue
        if not line.strip():
            current = None
            continue
        key, _, value = line.partition(":")
        if current is None:
            current = (number, {})
            vectors.append(current)
        current[1].setdefault(key.strip(), []).append(value.strip())
    return vectors


def certificates(pem_text):
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", pem_text,
                      re.S)


def openssl(args, data):
    proc = subprocess.run(["openssl", *args], input=data, capture_output=True, timeout=30)
    expect(proc.returncode == 0, f"openssl {' '.join(args)}: {proc.stderr.decode()}")
    return proc.stdout


def pem_of(der):
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def association_data(pem, selector, matching):
    """The data of a TLSA record for one certificate, by the openssl tool, in hex."""
    der = openssl(["x509", "-outform", "DER"], pem.encode())
    if selector == 1:
        key = openssl(["x509", "-noout", "-pubkey"], pem.encode())
        der = openssl(["pkey", "-pubin", "-outform", "DER"], key)
    if matching == 0:
        return der.hex().upper()
    digest = {1: "-sha256", 2: "-sha512"}[matching]
    return openssl(["dgst", digest, "-r"], der).split()[0].decode().upper()


def vector_run(fields, data_dir, tmp, index):
    """The command line for one vector, and what cannot be stated on it (or None)."""
    chain_words = fields["chain"][0].split()
    chain = certificates(open(os.path.join(data_dir, chain_words[0])).read())
    served = list(chain)
    for option, n in zip(chain_words[1::2], chain_words[2::2]):
        n = int(n)
        if option == "served":
            served = served[:n]
        elif option == "corrupt":  # flip the last byte of certificate N: its signature
            der = bytearray(openssl(["x509", "-outform", "DER"], served[n].encode()))
            der[-1] ^= 0x01
            served[n] = pem_of(bytes(der))
    path = os.path.join(tmp, f"vector-{index}.pem")
    with open(path, "w") as out:
        out.write("".join(served))
    records = []  # (presentation or None when it has none, usage, selector, matching)
    for text in fields.get("record", []):
        w = text.split()
        usage, selector, matching = (int(x) for x in w[:3])
        if w[3] == "cert":
            data = association_data(chain[int(w[4])], selector, matching)
        elif w[3] == "stale":
            data = "5A" * (64 if matching == 2 else 32)
        else:  # bytes N
            data = "5A" * int(w[4])
        records.append(f"{usage} {selector} {matching} {data}" if data else None)
    names = fields.get("names", ["mx.example.test"])[0].split()
    names = ["" if n == '""' else n for n in names]
    command = ["verify", "--json", "--chain", path,
               "--at", TIMES[fields.get("time", ["2025"])[0]]]
    for name in names:
        command += ["--name", name]
    for record in records:
        if record is not None:
            command += ["--tlsa", record]
    unstated = None
    if not names:
        unstated = "no reference name"
    elif "" in names:
        unstated = "an empty reference name"
    elif not any(r is not None for r in records):
        unstated = "no records"
    elif not served:
        unstated = "no certificate"
    return command, records, unstated


def endpoint_codes(endpoint):
    return {p["code"] for p in endpoint["problems"] if p["code"] in DANE_CODES}


def judge_vector(fields, proc, records, unstated):
    outcome = fields["outcome"][0].split()
    if unstated:
        expect(proc.returncode == 3, f"{unstated}: exit {proc.returncode}, expected 3")
        expect(proc.stdout == "", f"{unstated}: a report on standard output:\n{proc.stdout}")
        first = proc.stderr.splitlines()[0] if proc.stderr else ""
        expect(first.startswith("danemon"), f"{unstated}: no sentence on stderr: {proc.stderr!r}")
        return
    expect(proc.returncode in (0, 1, 2), f"exit {proc.returncode}: {proc.stderr}")
    doc = json.loads(proc.stdout)
    mx = doc["domains"][0]["mx"][0]
    endpoint = mx["endpoints"][0]
    codes = endpoint_codes(endpoint)
    host_codes = {p["code"] for p in mx["problems"]}
    if outcome[0] == "pass":
        expect(endpoint["dane"] == "pass", f"dane {endpoint['dane']}, expected pass")
        expect(not codes & {"tlsa-mismatch", "tlsa-digest-stale", "tlsa-name-mismatch"},
               f"a pass with DANE problems {codes}")
    elif outcome[0] == "fail":
        expect(endpoint["dane"] == "fail", f"dane {endpoint['dane']}, expected fail")
        wanted = FAILURE_CODES[outcome[1]]
        critical = {p["code"] for p in endpoint["problems"] if p["severity"] == "critical"}
        expect(len(critical & wanted) == 1, f"{outcome[1]}: expected one of {sorted(wanted)} "
               f"critical, got {endpoint['problems']}")
        expect(proc.returncode == 2, f"a DANE failure exits {proc.returncode}, not 2")
    elif outcome[0] == "no-usable-records":
        expect(endpoint["dane"] == "not-applicable", f"dane {endpoint['dane']}")
        expect("tlsa-unusable" in host_codes, f"no tlsa-unusable, got {host_codes}")
    elif outcome[0] == "internal-error":
        expect("check-incomplete" in codes, f"no check-incomplete, got {codes}")
    for match in fields.get("match", []):
        if match == "none":
            expect(endpoint["match"] is None, f"a match {endpoint['match']}, expected none")
        else:
            index, depth = (int(x) for x in match.split())
            expect(endpoint["match"] == {"record": records[index], "depth": depth},
                   f"match {endpoint['match']}, expected {records[index]} at depth {depth}")
    for usable in fields.get("usable", []):
        listed = {f"{t['usage']} {t['selector']} {t['matching']} {t['data'].upper()}": t["usable"]
                  for t in mx["tlsa"]}
        for record, want in zip(records, usable.split()):
            if record is not None:
                expect(listed.get(record) == (want == "1"),
                       f"{record}: usable {listed.get(record)}, expected {want == '1'}")


def vectors(args):
    vector_list = read_vectors(os.path.join(args.data, "dane-vectors.txt"))
    failures = []
    stated = 0
    with tempfile.TemporaryDirectory(prefix="danemon-verify-") as tmp:
        for index, (line, fields) in enumerate(vector_list):
            name = fields["vector"][0]
            try:
                command, records, unstated = vector_run(fields, args.data, tmp, index)
                proc = run([args.danemon, *command])
                judge_vector(fields, proc, records, unstated)
                stated += unstated is None
            except Failure as e:
                failures.append(f"dane-vectors.txt:{line}: {name}: {e}")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(vector_list)} vectors, {stated} judged through the report, "
          f"{len(vector_list) - stated} refused as the command line cannot state them; "
          f"{len(failures)} failed")
    expect(len(vector_list) >= 40 and stated >= 35, "the vector table is missing or truncated")
    return 1 if failures else 0


def file_part(text):
    """What --save-chain makes of a host name or an address in a file name."""
    out = re.sub(r"[^A-Za-z0-9.-]", "_", text)
    return ("_" + out[1:] if out.startswith(".") else out) or "_"


def dane_problems(problems, codes, where_live, where_saved):
    """(code, severity, message) of the DANE problems, messages with the chain's place
    written as verify writes it."""
    return sorted((p["code"], p["severity"], p["message"].replace(where_live, where_saved))
                  for p in problems if p["code"] in codes)


def key_part(key_type):
    """As check --save-chain names another key's chain file: "RSA 2048" -> "rsa-2048"."""
    return file_part(key_type).replace("_", "-").lower()


def verify_saved(args, chains, mx, e, index, names, at, leaves):
    """The saved chain of key INDEX of endpoint E (0: the main handshake's), verified
    offline with the records, names and time of the check, judged as the check judged it."""
    key = e["keys"][index]
    stem = os.path.join(chains, f"{file_part(mx['host'])}_{file_part(e['address'])}_{e['port']}")
    path = stem + (f".{key_part(key['type'])}" if index else "") + ".pem"
    expect(os.path.exists(path), f"check --save-chain wrote no {path}")
    command = [args.danemon, "verify", "--json", "--chain", path, "--at", at]
    for n in names:
        command += ["--name", n]
    for t in mx["tlsa"]:
        command += ["--tlsa", f"{t['usage']} {t['selector']} {t['matching']} {t['data']}"]
    proc = run(command)
    expect(proc.returncode in (0, 1, 2), f"verify exit {proc.returncode}: {proc.stderr}")
    offline = json.loads(proc.stdout)["domains"][0]["mx"][0]
    saved = offline["endpoints"][0]
    for field in ("dane", "match", "chain"):
        expect(saved[field] == key[field], f"{field}: live {key[field]}, offline {saved[field]}")
    if len(e["keys"]) > 1:
        # The live endpoint's problems speak for all its keys at once (one per code): here
        # the offline verdict of this key's chain must name a failure exactly when it failed.
        failed = {c for c, _, _ in dane_problems(saved["problems"], DANE_CODES, "", "")}
        expect(bool(failed & {"tlsa-mismatch", "tlsa-name-mismatch", "cert-expired"}) ==
               (key["dane"] == "fail"), f"offline problems {sorted(failed)}, live {key['dane']}")
        return
    ep = e["address"] if ":" not in e["address"] else f"[{e['address']}]"
    want = dane_problems(e["problems"], DANE_CODES, f"{mx['host']} at {ep}:{e['port']}",
                         f"{mx['host']} in {path}")
    got = dane_problems(saved["problems"], DANE_CODES, "", "")
    expect(got == want, f"DANE problems: live {want}, offline {got}")
    if len(leaves) == 1:  # the host's own problems are this chain's
        want = dane_problems(mx["problems"], HOST_DANE_CODES, "", "")
        got = dane_problems(offline["problems"], HOST_DANE_CODES, "", "")
        expect(got == want, f"host problems: live {want}, offline {got}")


def saved_chains(args):
    domains = run([sys.executable, args.lab, "domains", "--run-dir", args.run_dir]).stdout.split()
    expect(len(domains) >= 20, f"the lab lists {len(domains)} domains")
    resolver = lab_env(lab_tool(args))["LAB_RESOLVER"]
    failures = []
    compared = 0
    states = {}  # DANE state -> how many chains had it
    with tempfile.TemporaryDirectory(prefix="danemon-saved-") as tmp:
        chains = os.path.join(tmp, "chains")
        live = run([args.danemon, "check", "--json", "--resolver", resolver, "--timeout", "10",
                    "--save-chain", chains, *domains], timeout=300)
        expect(live.returncode in (0, 1, 2, 3), f"check exit {live.returncode}: {live.stderr}")
        report = json.loads(live.stdout)
        at = report["checked_at"]
        for domain in report["domains"]:
            for mx in domain["mx"]:
                if mx["tlsa_dnssec"] != "secure" or not mx["tlsa"]:
                    continue
                base = mx["tlsa_name"].removeprefix("_25._tcp.")
                names = [base] + ([mx["host"]] if mx["host"] != base else [])
                leaves = {e["chain"][0]["cert_sha256"] for e in mx["endpoints"] if e["chain"]}
                for e in mx["endpoints"]:
                    if not e["chain"]:
                        continue
                    # the main handshake's certificate (the endpoint's own), then the others
                    e["keys"] = [{"type": e["chain"][0]["key"], "dane": e["dane"],
                                  "match": e["match"], "chain": e["chain"]}] + e["keys"]
                    for index, key in enumerate(e["keys"]):
                        what = (f"{domain['domain']}: {mx['host']} at {e['address']}:{e['port']}"
                                f" ({key['type']})")
                        try:
                            verify_saved(args, chains, mx, e, index, names, at, leaves)
                            compared += 1
                            states[key["dane"]] = states.get(key["dane"], 0) + 1
                            print(f"{what}: {key['dane']} as live")
                        except Failure as f:
                            failures.append(f"{what}: {f}")
    for f in failures:
        print("FAIL " + f)
    print(f"{compared} saved chains verified offline as checked live ({states}); "
          f"{len(failures)} failed")
    expect(compared >= 10 and states.get("pass", 0) and states.get("fail", 0),
           f"{compared} chains to compare, {states}: the lab's scenarios changed?")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["vectors", "saved-chains"])
    parser.add_argument("--danemon", required=True)
    parser.add_argument("--data")
    parser.add_argument("--lab")
    parser.add_argument("--run-dir")
    args = parser.parse_args()
    try:
        return vectors(args) if args.mode == "vectors" else saved_chains(args)
    except Failure as e:
        print("FAIL " + str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
