#!/usr/bin/env python3
"""README.md's generated tables match what the binary prints.

The problem-code table must be `danemon codes --markdown` and the settings table
`danemon config reference`, line for line, so that the documentation cannot drift from the
code. With --write, the README's tables are replaced by the binary's output instead.
"""
import argparse
import difflib
import subprocess
import sys

TABLES = [
    ("problem codes", ["codes", "--markdown"], "| code | severity |"),
    ("settings reference", ["config", "reference"], "| Key | Type |"),
]


def table_span(lines, header):
    """(start, end) of the table whose first line starts with header."""
    starts = [i for i, line in enumerate(lines) if line.startswith(header)]
    if len(starts) != 1:
        sys.exit(f"README.md: expected one table starting '{header}', found {len(starts)}")
    start = end = starts[0]
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return start, end


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--danemon", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--write", action="store_true", help="update README.md instead of checking")
    args = ap.parse_args()
    with open(args.readme, encoding="utf-8") as f:
        lines = f.read().split("\n")
    failed = False
    for name, command, header in TABLES:
        out = subprocess.run([args.danemon, *command], capture_output=True, text=True,
                             timeout=30, check=True).stdout
        generated = out.rstrip("\n").split("\n")
        start, end = table_span(lines, header)
        if lines[start:end] == generated:
            print(f"ok: the {name} table matches `danemon {' '.join(command)}`")
            continue
        if args.write:
            lines[start:end] = generated
            print(f"updated the {name} table")
            continue
        failed = True
        print(f"FAIL: README.md's {name} table differs from `danemon {' '.join(command)}`:")
        sys.stdout.writelines(difflib.unified_diff(
            [l + "\n" for l in lines[start:end]], [l + "\n" for l in generated],
            "README.md", "danemon " + " ".join(command)))
        print(f"(tests/docs/readme_tables.py --write updates it)")
    if args.write:
        with open(args.readme, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
