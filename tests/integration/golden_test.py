#!/usr/bin/env python3
"""What `danemon check` prints for every lab scenario, text and --json, byte for byte against
tests/integration/golden/. A change to the pipeline, the evaluation or the report that
changes a single byte of what users see fails here, with the difference.

The lab makes new keys on every `up` and its relative dates follow the clock, so these are
masked: a digest or the bytes of a key or certificate of the lab's PKI by its name there
(`lab.py digests`: <key:modern 1 1> is the SHA-256 of key modern's SPKI), any other long hex
as <hexN> in order of appearance, TTLs (the resolver's cache counts them down), checked_at,
dates within a year of now, and "in N days". Records of one RRset come in canonical order,
which follows the random key bytes, so the TLSA records of one RRset are compared as a set:
sorted after masking (danemon's own order is a unit test's matter). A domain whose servers
never answer (the sink scenarios) reaches danemon as a timeout or as SERVFAIL, as the
resolver's cache has it at that moment: both read as one <no answer or SERVFAIL>.

When the output is meant to change: `golden_test.py ... --update`, then review the diff of
tests/integration/golden/ like any other change."""
import datetime
import difflib
import json
import pathlib
import re
import subprocess
import sys

from harness import lab_env, lab_script_arguments, lab_tool

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
TIMEOUT = "10"  # --timeout, as the scenario tests use
SINK_REASON = (r"no answer from the resolver at [^:]+: [^)]*|the resolver answered SERVFAIL, "
               r"also with the CD bit \(broken or unreachable [^)]*\)")


def masker(names):
    """NAMES: lower-case hex -> the lab's name for it (from `lab.py digests`)."""
    prefixes = {hex_text[:16]: name for hex_text, name in names.items()}
    labels = {}

    def label(hex_text, table):
        key = hex_text.lower()
        if key in table:
            return f"<{table[key]}>"
        return labels.setdefault(key[:16], f"<hex{len(labels) + 1}>")

    today = datetime.datetime.now(datetime.timezone.utc).date()

    def date(match):
        try:
            day = datetime.date.fromisoformat(match.group(1))
        except ValueError:
            return match.group(0)
        return "<date>" if abs((day - today).days) <= 366 else match.group(0)

    def mask(text):
        text = re.sub(r"\b[0-9a-fA-F]{64,}\b", lambda m: label(m.group(0), names), text)
        text = re.sub(r"\b([0-9a-fA-F]{16})\.\.\.",
                      lambda m: label(m.group(1), prefixes) + "...", text)
        text = re.sub(r"TTL \d+", "TTL <ttl>", text)
        text = re.sub(r'"(\w*ttl)": \d+', r'"\1": "<ttl>"', text)
        text = re.sub(r'"checked_at": "[^"]*"', '"checked_at": "<time>"', text)
        text = re.sub(r"\b(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}Z)?", date, text)
        text = re.sub(r"\bin \d+ days?\b", "in <n> days", text)
        text = "".join(re.sub(SINK_REASON, "<no answer or SERVFAIL>", line)
                       if "sink.test" in line else line for line in text.splitlines(True))
        return text

    return mask


def lab_names(lab):
    names = {}
    for line in lab("digests").splitlines():
        hex_text, name = line.split(" ", 1)
        names.setdefault(hex_text, name)
    return names


def sort_text_rrsets(text):
    """Sorts each run of TLSA record lines ('         TLSA 3 1 1 <...>')."""
    out, run = [], []
    for line in text.splitlines(True):
        if re.match(r"\s+TLSA \d+ \d+ \d+ ", line):
            run.append(line)
            continue
        out += sorted(run) + [line]
        run = []
    return "".join(out + sorted(run))


def sort_json_rrsets(value):
    if isinstance(value, dict):
        for key, item in value.items():
            sort_json_rrsets(item)
            if key == "tlsa" and isinstance(item, list):
                item.sort(key=lambda record: json.dumps(record, sort_keys=True))
    elif isinstance(value, list):
        for item in value:
            sort_json_rrsets(item)
    return value


def normalized(name, stdout, mask):
    """STDOUT as compared; None (and a message) when --json printed what json cannot re-read
    byte for byte, so that the golden file still pins danemon's formatting."""
    text = mask(stdout)
    if name.endswith(".txt"):
        return sort_text_rrsets(text)
    value = json.loads(text)
    again = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    if again != text:
        where = next(i for i, (a, b) in enumerate(zip(again, text)) if a != b)
        print(f"check --json is not formatted as json.dumps(indent=2) formats it, near: "
              f"{text[max(0, where - 80):where + 80]!r}")
        return None
    return json.dumps(sort_json_rrsets(value), indent=2, ensure_ascii=False) + "\n"


def main():
    update = "--update" in sys.argv
    if update:
        sys.argv.remove("--update")
    args = lab_script_arguments()
    lab = lab_tool(args)
    resolver = lab_env(lab)["LAB_RESOLVER"]
    domains = lab("domains").split()
    names = lab_names(lab)
    failed = False
    for name, extra in (("check.txt", []), ("check.json", ["--json"])):
        cmd = [args.danemon, "check", *extra, "--resolver", resolver, "--timeout", TIMEOUT,
               *domains]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                              env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
        if proc.returncode not in (0, 1, 2) or proc.stderr:
            print(f"danemon check {' '.join(extra)} exited {proc.returncode}: {proc.stderr}")
            return 1
        got = normalized(name, proc.stdout, masker(names))
        if got is None:
            failed = True
            continue
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
