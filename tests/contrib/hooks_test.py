#!/usr/bin/env python3
"""Runs each contrib/hooks file the way its ACME client does (the client's environment or
arguments, a clean PATH) with a fake `danemon` first on PATH that records its arguments and
environment, and checks that `danemon hook` receives what it needs: the --then reload
command, the client's variables, dehydrated's arguments, and that the hook's exit status is
danemon's.

Usage: hooks_test.py --hooks DIR   (the repository's contrib/hooks)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAKE_DANEMON = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["FAKE_DANEMON_LOG"], "a") as log:
    log.write(json.dumps({"argv": sys.argv[1:], "env": dict(os.environ)}) + "\\n")
sys.exit(int(os.environ.get("FAKE_DANEMON_EXIT", "0")))
"""

RELOAD = "systemctl reload postfix"

CASES = [
    # (name, hook file, arguments, client environment, expected danemon argv)
    ("certbot deploy hook", "certbot/danemon-deploy-hook.sh", [],
     {"RENEWED_LINEAGE": "/etc/letsencrypt/live/mx.example.org",
      "RENEWED_DOMAINS": "mx.example.org mx2.example.org"},
     ["hook", "--then", RELOAD]),
    ("acme.sh reloadcmd", "acme.sh/danemon-reloadcmd.sh", [],
     {"CERT_PATH": "/root/.acme.sh/mx.example.org_ecc/mx.example.org.cer",
      "CERT_KEY_PATH": "/root/.acme.sh/mx.example.org_ecc/mx.example.org.key",
      "CA_CERT_PATH": "/root/.acme.sh/mx.example.org_ecc/ca.cer",
      "CERT_FULLCHAIN_PATH": "/root/.acme.sh/mx.example.org_ecc/fullchain.cer",
      "Le_Domain": "mx.example.org"},
     ["hook", "--then", RELOAD]),
    ("dehydrated deploy_cert", "dehydrated/hook.sh",
     ["deploy_cert", "mx.example.org", "/var/lib/dehydrated/certs/mx.example.org/privkey.pem",
      "/var/lib/dehydrated/certs/mx.example.org/cert.pem",
      "/var/lib/dehydrated/certs/mx.example.org/fullchain.pem",
      "/var/lib/dehydrated/certs/mx.example.org/chain.pem", "1700000000"],
     {},
     ["hook", "--then", RELOAD, "--", "deploy_cert", "mx.example.org",
      "/var/lib/dehydrated/certs/mx.example.org/privkey.pem",
      "/var/lib/dehydrated/certs/mx.example.org/cert.pem",
      "/var/lib/dehydrated/certs/mx.example.org/fullchain.pem",
      "/var/lib/dehydrated/certs/mx.example.org/chain.pem", "1700000000"]),
    ("lego v4 run hook", "lego/danemon-lego-hook.sh", [],
     {"LEGO_ACCOUNT_EMAIL": "postmaster@example.org", "LEGO_CERT_DOMAIN": "mx.example.org",
      "LEGO_CERT_PATH": "/root/.lego/certificates/mx.example.org.crt",
      "LEGO_CERT_KEY_PATH": "/root/.lego/certificates/mx.example.org.key"},
     ["hook", "--then", RELOAD]),
    ("lego v5 hook", "lego/danemon-lego-hook.sh", [],
     {"LEGO_HOOK_CERT_NAME": "mx.example.org",
      "LEGO_HOOK_CERT_DOMAINS": "mx.example.org,mx2.example.org",
      "LEGO_HOOK_CERT_PATH": "/root/.lego/certificates/mx.example.org.crt",
      "LEGO_HOOK_CERT_KEY_PATH": "/root/.lego/certificates/mx.example.org.key"},
     ["hook", "--then", RELOAD]),
]


def run_hook(hook, args, client_env, bin_dir, log, extra=None):
    env = {"PATH": bin_dir + os.pathsep + "/usr/bin:/bin", "FAKE_DANEMON_LOG": log}
    env.update(client_env)
    env.update(extra or {})
    if os.path.exists(log):
        os.remove(log)
    result = subprocess.run([hook] + args, env=env, capture_output=True, text=True, timeout=30)
    calls = []
    if os.path.exists(log):
        with open(log) as f:
            calls = [json.loads(line) for line in f]
    return result, calls


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hooks", required=True)
    hooks = parser.parse_args().hooks
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "danemon")
        with open(fake, "w") as f:
            f.write(FAKE_DANEMON)
        os.chmod(fake, 0o755)
        log = os.path.join(tmp, "calls.jsonl")

        for name, hook_file, args, client_env, expected in CASES:
            hook = os.path.join(hooks, hook_file)
            if not os.access(hook, os.X_OK):
                failures.append(f"{name}: {hook_file} is not executable")
                continue
            result, calls = run_hook(hook, args, client_env, tmp, log)
            if result.returncode != 0 or len(calls) != 1:
                failures.append(f"{name}: exit {result.returncode}, {len(calls)} call(s), "
                                f"stderr {result.stderr!r}")
                continue
            if calls[0]["argv"] != expected:
                failures.append(f"{name}: argv {calls[0]['argv']} != {expected}")
            for key, value in client_env.items():
                if calls[0]["env"].get(key) != value:
                    failures.append(f"{name}: {key} did not reach danemon")
            # The reload command can be changed; the gate's failure is the hook's failure.
            result, calls = run_hook(hook, args, client_env, tmp, log,
                                     {"DANEMON_RELOAD_COMMAND": "postfix reload",
                                      "FAKE_DANEMON_EXIT": "2"})
            if result.returncode != 2:
                failures.append(f"{name}: exit {result.returncode} when danemon exits 2")
            if not calls or calls[0]["argv"][:3] != ["hook", "--then", "postfix reload"]:
                failures.append(f"{name}: DANEMON_RELOAD_COMMAND not used: {calls}")

        # dehydrated's other hooks: nothing to do, danemon is not called, exit 0.
        hook = os.path.join(hooks, "dehydrated/hook.sh")
        for other in (["deploy_challenge", "mx.example.org", "token", "value"],
                      ["clean_challenge", "mx.example.org", "token", "value"],
                      ["unchanged_cert", "mx.example.org", "k", "c", "f", "ch"],
                      ["this_hookscript_is_broken__dehydrated_is_working_fine__please_ignore_"
                       "unknown_hooks_in_your_script"], []):
            result, calls = run_hook(hook, other, {}, tmp, log)
            if result.returncode != 0 or calls:
                failures.append(f"dehydrated {other[:1]}: exit {result.returncode}, "
                                f"{len(calls)} danemon call(s)")

    for failure in failures:
        print("FAIL", failure)
    print(f"{len(CASES)} hook(s) checked, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
