#!/usr/bin/env python3
"""Asserts that systemd-analyze rates a unit's exposure at or below a limit."""
import re
import subprocess
import sys

unit, limit = sys.argv[1], float(sys.argv[2])
proc = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", unit],
                      capture_output=True, text=True, timeout=50)
match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", proc.stdout + proc.stderr)
if not match:
    print("systemd-analyze gave no exposure level:\n" + proc.stdout + proc.stderr)
    sys.exit(1)
score = float(match.group(1))
print(f"{unit}: exposure {score} (limit {limit})")
sys.exit(0 if score <= limit else 1)
