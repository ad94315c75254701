#!/usr/bin/env python3
"""What `danemon check` prints for every lab scenario, text and --json, byte for byte against
tests/integration/golden/. A change to the pipeline, the evaluation or the report that
changes a single byte of what users see fails here, with the difference.

The lab makes new keys on a fresh clone and its relative dates follow the clock, so these
are masked: digests and certificate bytes (as <hexN>, numbered in order of appearance, so
that the same key is still the same label), TTLs (the resolver's cache counts them down),
checked_at, dates within a year of now, and "in N days". A domain whose servers never answer
(the sink scenarios) reaches danemon as a timeout or as SERVFAIL, as the resolver's cache
has it at that moment: both read as one <no answer or SERVFAIL>.

When the output is meant to change: `golden_test.py ... --update`, then review the diff of
tests/integration/golden/ like any other change."""
import datetime
import difflib
import pathlib
import re
import subprocess
import sys

from harness import lab_env, lab_script_arguments, lab_tool

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
TIMEOUT = "10"  # --timeout, as the scenario tests use
SINK_REASON = (r"no answer from the resolver at [^:]+: [^)]*|the resolver answered SERVFAIL, "
               r"also with the CD bit \(broken or unreachable [^)]*\)")


def masker():
    labels = {}

    def label(hex_text):
        key = hex_text.lower()[:16]
        return labels.setdefault(key, f"<hex{len(labels) + 1}>")

    today = datetime.datetime.now(datetime.timezone.utc).date()

    def date(match):
        try:
            day = datetime.date.fromisoformat(match.group(1))
        except ValueError:
            return match.group(0)
        return "<date>" if abs((day - today).days) <= 366 else match.group(0)

    def mask(text):
        text = re.sub(r"\b[0-9a-fA-F]{64,}\b", lambda m: label(m.group(0)), text)
        text = re.sub(r"\b([0-9a-fA-F]{16})\.\.\.", lambda m: label(m.group(1)) + "...", text)
        text = re.sub(r"TTL \d+", "TTL <ttl>", text)
        text = re.sub(r'"(\w*ttl)": \d+', r'"\1": "<ttl>"', text)
        text = re.sub(r'"checked_at": "[^"]*"', '"checked_at": "<time>"', text)
        text = re.sub(r"\b(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}Z)?", date, text)
        text = re.sub(r"\bin \d+ days?\b", "in <n> days", text)
        text = "".join(re.sub(SINK_REASON, "<no answer or SERVFAIL>", line)
                       if "sink.test" in line else line for line in text.splitlines(True))
        return text

    return mask


def main():
    update = "--update" in sys.argv
    if update:
        sys.argv.remove("--update")
    args = lab_script_arguments()
    lab = lab_tool(args)
    resolver = lab_env(lab)["LAB_RESOLVER"]
    domains = lab("domains").split()
    failed = False
    for name, extra in (("check.txt", []), ("check.json", ["--json"])):
        cmd = [args.danemon, "check", *extra, "--resolver", resolver, "--timeout", TIMEOUT,
               *domains]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                              env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
        if proc.returncode not in (0, 1, 2) or proc.stderr:
            print(f"danemon check {' '.join(extra)} exited {proc.returncode}: {proc.stderr}")
            return 1
        got = masker()(proc.stdout)
        path = GOLDEN / name
        if update:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(got)
            print(f"wrote {path} ({len(got.splitlines())} lines)")
            continue
        want = path.read_text()
        if got != want:
            failed = True
            diff = difflib.unified_diff(want.splitlines(), got.splitlines(), f"golden/{name}",
                                        "now", lineterm="")
            print("\n".join(list(diff)[:120]))
        else:
            print(f"{name}: {len(got.splitlines())} lines as in golden/{name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
