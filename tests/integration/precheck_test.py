#!/usr/bin/env python3
"""danemon precheck and danemon hook against the lab: the rollover gate a renewal hook runs.
Time is injected with --now (never slept)."""
import os
import subprocess
import sys
import tempfile
import time

from harness import Failure, expect, lab_env, lab_script_arguments, lab_tool, self_signed_cert




def main():
    args = lab_script_arguments("case")
    lab = lab_tool(args)
    env = lab_env(lab)
    tmp = tempfile.mkdtemp(prefix="danemon-precheck-")
    keys = os.path.join(args.run_dir, "pki", "keys")

    def cert_for(key, host, name):
        return self_signed_cert(os.path.join(tmp, name + ".pem"), host,
                                os.path.join(keys, key + ".pem"))

    def new_cert(host, name):
        return self_signed_cert(os.path.join(tmp, name + ".pem"), host)

    def precheck(cert, now, state="state", extra=()):
        cmd = [args.danemon, "precheck", "--cert", cert, "--resolver", env["LAB_RESOLVER"],
               "--state-dir", os.path.join(tmp, state), "--timeout", "10", "--now", str(now), *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        print("$ " + " ".join(cmd) + f"   # exit {proc.returncode}\n" + proc.stdout + proc.stderr)
        return proc

    now = int(time.time())
    ttl = 60  # the lab's TTL
    try:
        if args.case == "next-and-unrelated":
            # rollover.test publishes current + next: the next certificate may go live
            # once the records are older than 2 x TTL; an unrelated key never.
            nxt = cert_for("rollover-next", "mx.rollover.test", "next")
            first = precheck(nxt, now)
            expect(first.returncode == 2 and "wait until" in first.stdout,
                   "a record seen for the first time must wait 2 x TTL")
            later = precheck(nxt, now + 2 * ttl + 1)
            expect(later.returncode == 0 and later.stdout.startswith("[PASS] mx.rollover.test"),
                   "the staged next key did not pass after 2 x TTL")
            other = precheck(new_cert("mx.rollover.test", "other"), now + 2 * ttl + 1)
            expect(other.returncode == 2 and "Publish _25._tcp.mx.rollover.test. IN TLSA 3 1 1 "
                   in other.stdout, "an unrelated key passed, or the record to publish is missing")
        elif args.case == "just-published":
            # The record for a new key appears now: refused until 2 x TTL later.
            host = "mx.dane-ok.test"
            nxt = cert_for("rollover-next", host, "dane-ok-next")
            try:
                precheck(nxt, now)  # the state store sees the RRset before the change
                lab("set-tlsa", host, "3 1 1 key:modern", "2 1 1 cert:lab-intermediate",
                    "3 1 1 key:rollover-next")
                published = int(time.time())
                seen = precheck(nxt, published)  # danemon sees the new record now
                expect(seen.returncode == 2 and "wait until" in seen.stdout,
                       "a record published this second passed the gate")
                soon = precheck(nxt, published + ttl)
                expect(soon.returncode == 2 and "wait until" in soon.stdout,
                       "a record published one TTL ago passed the gate")
                safe = precheck(nxt, published + 2 * ttl + 1)
                expect(safe.returncode == 0, "the record did not pass after 2 x TTL")
            finally:
                lab("reset-tlsa", host)
        elif args.case == "missing-on-one-server":
            host = "mx.twons.test"
            nxt = cert_for("rollover-next", host, "twons-next")
            try:
                lab("set-tlsa", host, "3 1 1 key:modern", "2 1 1 cert:lab-intermediate",
                    "3 1 1 key:rollover-next", "--only-server", env["LAB_AUTH"])
                result = precheck(nxt, now + 10 * ttl)
                expect(result.returncode == 2, "a record missing on ns2 passed the gate")
                expect("ns2.twons.test" in result.stdout, "the lagging server is not named")
                lab("set-tlsa", host, "3 1 1 key:modern", "2 1 1 cert:lab-intermediate",
                    "3 1 1 key:rollover-next")
                # The record was first seen at the first run: 2 x TTL after that it may pass.
                result = precheck(nxt, now + 12 * ttl + 1)
                expect(result.returncode == 0, "the record on both servers did not pass")
            finally:
                lab("reset-tlsa", host)
        elif args.case == "hook-certbot":
            # certbot's deploy hook environment: --then runs only when the gate passes.
            marker = os.path.join(tmp, "reloaded")
            lineage = os.path.join(tmp, "live", "mx.rollover.test")
            os.makedirs(lineage)
            for cert, expect_pass in ((cert_for("rollover-next", "mx.rollover.test", "n"), True),
                                      (new_cert("mx.rollover.test", "u"), False)):
                os.replace(cert, os.path.join(lineage, "fullchain.pem"))
                env2 = dict(os.environ, RENEWED_LINEAGE=lineage, RENEWED_DOMAINS="mx.rollover.test")
                config = os.path.join(tmp, "alerts.yaml")
                with open(config, "w") as f:
                    f.write(f"domains: [rollover.test]\nalerts:\n  email:\n    enabled: true\n"
                            f"    to: [ops@{env['LAB_MAIL_DOMAIN']}]\n    from: danemon@lab.test\n"
                            f"    server: {env['LAB_MAIL_SERVER']}\n")
                lab("mailbox", "--clear")
                cmd = [args.danemon, "hook", "--config", config, "--then", "touch " + marker, "--resolver",
                       env["LAB_RESOLVER"], "--state-dir", os.path.join(tmp, "hookstate"),
                       "--now", str(now + 2 * ttl + 1)]
                subprocess.run(cmd[:-2] + ["--now", str(now)], env=env2, capture_output=True, timeout=120)
                proc = subprocess.run(cmd, env=env2, capture_output=True, text=True, timeout=120)
                print(proc.stdout + proc.stderr)
                expect((proc.returncode == 0) == expect_pass, f"hook exit {proc.returncode}")
                expect(os.path.exists(marker) == expect_pass, "--then ran when it must not, or not at all")
                if os.path.exists(marker):
                    os.unlink(marker)
                if not expect_pass:
                    # The held-back renewal is announced by mail at once.
                    deadline = time.monotonic() + 20
                    while "renewal-held" not in lab("mailbox") and time.monotonic() < deadline:
                        time.sleep(0.2)
                    expect("Subject: [danemon] CRITICAL mx.rollover.test: renewal-held"
                           in lab("mailbox"), "no mail about the held-back renewal")
        else:
            raise Failure("unknown case " + args.case)
    except Failure as f:
        print("FAILED: " + str(f))
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
