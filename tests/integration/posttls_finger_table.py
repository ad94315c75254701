#!/usr/bin/env python3
"""The table "danemon beside posttls-finger" of tests/lab/README.md stays true.

For every row: posttls-finger -l dane, run against the lab (in a mount namespace of its own
whose /etc/resolv.conf names the lab resolver, with a main.cf of its own), must print each
part of the row's quoted line (the parts between "..."), and danemon check must give the
row's status and problem code.

Usage: posttls_finger_table.py --danemon PATH --lab LAB --run-dir DIR --readme README
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failure, expect, lab_env, lab_tool, with_resolv_conf  # noqa: E402

POSTTLS_FINGER = "/usr/sbin/posttls-finger"
HEADING = "## danemon beside posttls-finger"


def table_rows(readme):
    """[(domain, [parts of the posttls-finger line], status, code)] of the README's table."""
    text = open(readme, encoding="utf-8").read()
    section = text[text.index(HEADING):]
    section = section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`") or cells[0] == "`scenario`":
            continue
        domain = cells[0].strip("`")
        said = re.search(r"`([^`]+)`", cells[1]).group(1)
        verdict = re.match(r"(ok|warning|critical)(?: `([a-z0-9-]+)`)?", cells[2])
        rows.append((domain, [p.strip() for p in said.split("...") if p.strip()],
                     verdict.group(1), verdict.group(2)))
    return rows


def posttls_finger(domains, resolver, tmp):
    """posttls-finger's output for each domain, with the lab resolver as the system's."""
    conf = os.path.join(tmp, "conf")
    os.makedirs(conf)
    with open(os.path.join(conf, "main.cf"), "w") as f:
        f.write("compatibility_level = 3.6\nmyhostname = ptf.lab.test\ninet_protocols = ipv4\n"
                "smtp_dns_support_level = dnssec\nsmtp_host_lookup = dns\n")
    prefix = with_resolv_conf(resolver, tmp, options="trust-ad")
    out = {}
    for domain in domains:
        proc = subprocess.run(
            prefix + [POSTTLS_FINGER, "-c", "-l", "dane", "-L", "summary", domain],
            env=dict(os.environ, MAIL_CONFIG=conf), capture_output=True, text=True, timeout=30)
        out[domain] = proc.stdout + proc.stderr
        print(f"$ posttls-finger -c -l dane -L summary {domain}\n{out[domain].rstrip()}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    for option in ("--danemon", "--lab", "--run-dir", "--readme"):
        ap.add_argument(option, required=True)
    args = ap.parse_args()
    resolver = lab_env(lab_tool(args))["LAB_RESOLVER"]
    rows = table_rows(args.readme)
    try:
        expect(len(rows) >= 3, f"the README's table has {len(rows)} rows")
        with tempfile.TemporaryDirectory() as tmp:
            said = posttls_finger([r[0] for r in rows], resolver, tmp)
        for domain, parts, status, code in rows:
            for part in parts:
                expect(part in said[domain],
                       f"{domain}: posttls-finger did not say '{part}' (README table)")
            proc = subprocess.run([args.danemon, "check", "--json", "--resolver", resolver,
                                   "--timeout", "10", domain], capture_output=True, text=True,
                                  timeout=60)
            d = json.loads(proc.stdout)["domains"][0]
            codes = {p["code"] for p in d["problems"]}
            for mx in d["mx"]:
                codes |= {p["code"] for p in mx["problems"]}
                for e in mx["endpoints"]:
                    codes |= {p["code"] for p in e["problems"]}
            expect(d["status"] == status, f"{domain}: danemon says {d['status']}, the table {status}")
            expect(code is None or code in codes, f"{domain}: danemon gave {sorted(codes)}, "
                                                  f"the table {code}")
            print(f"{domain}: posttls-finger and danemon as the table says")
    except Failure as f:
        print("FAILED: " + str(f))
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
