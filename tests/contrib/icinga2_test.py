#!/usr/bin/env python3
"""contrib/icinga2/danemon.conf as Icinga 2 reads it: `icinga2 daemon -C` validates it with
the example service rule of its header (two mail domains, a severity array), then
`icinga2 object list` must show the CheckCommand's arguments and both services. Runs in a
private directory; no Icinga 2 instance is started. Exit 77 (skipped) without icinga2."""
import argparse
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

ICINGA2 = "/usr/lib/x86_64-linux-gnu/icinga2/sbin/icinga2"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--conf", required=True, help="contrib/icinga2/danemon.conf")
    args = ap.parse_args()
    binary = ICINGA2 if os.access(ICINGA2, os.X_OK) else shutil.which("icinga2")
    if not binary:
        print("skipped: icinga2 is not installed (scripts/install-deps.sh installs icinga2-bin)")
        return 77
    conf = open(args.conf).read()
    rule = re.search(r"^ \* Example service.*?\n \*\n((?: \*.*\n)+?) \*/", conf, re.M | re.S)
    if not rule:
        print("FAIL: the header's example service rule was not found")
        return 1
    example = "\n".join(line[4:] for line in rule.group(1).splitlines())
    with tempfile.TemporaryDirectory(prefix="danemon-icinga2-") as tmp:
        dirs = {name: os.path.join(tmp, name) for name in
                ("DataDir", "LogDir", "CacheDir", "SpoolDir", "InitRunDir", "ConfigDir")}
        for d in dirs.values():
            os.makedirs(d)
        main_conf = os.path.join(tmp, "icinga2.conf")
        with open(main_conf, "w") as f:
            f.write(f'include <itl>\ninclude "{os.path.abspath(args.conf)}"\n'
                    'object Host "mx.example.org" {\n  check_command = "dummy"\n'
                    '  vars.mail_domains = [ "example.org", "example.net" ]\n}\n'
                    + example + "\n")
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        defines = [f"-D{k}={v}" for k, v in dirs.items()] + [f"-DRunAsUser={user}",
                                                            f"-DRunAsGroup={group}"]
        check = subprocess.run([binary, "daemon", "-C", "-c", main_conf, *defines],
                               capture_output=True, text=True, timeout=60)
        if check.returncode != 0:
            print("FAIL: icinga2 daemon -C refused the configuration:\n" + check.stdout
                  + check.stderr)
            return 1
        listed = subprocess.run([binary, "object", "list", *defines], capture_output=True,
                                text=True, timeout=60).stdout
    want = ["Object 'danemon' of type 'CheckCommand'", '"/usr/bin/danemon", "check", "--nagios"',
            "Object 'mx.example.org!dane example.org' of type 'Service'",
            "Object 'mx.example.org!dane example.net' of type 'Service'",
            'danemon_severity = [ "tls-legacy-enabled=info" ]', "repeat_key = true"]
    missing = [w for w in want if w not in listed]
    if missing:
        print(f"FAIL: icinga2 object list lacks {missing} ({len(listed)} bytes listed)")
        return 1
    print("passed: Icinga 2 validates the CheckCommand and instantiates the example services")
    return 0


if __name__ == "__main__":
    sys.exit(main())
