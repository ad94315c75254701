#!/usr/bin/env python3
"""danemon precheck and danemon hook against the lab: the rollover gate a renewal hook runs.
Real runs note when each record was first seen; later times are judged with --now, a dry
run that records nothing (never slept). Where a real run must pass, the stored first-seen
time is moved back, as if a daemon had seen the record earlier."""
import os
import socket
import sqlite3
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

    embedded = ["--resolver", "embedded", "--trust-anchor", env["LAB_TRUST_ANCHOR"],
                "--root-hints", env["LAB_ROOT_HINTS"]]

    def precheck(cert, now=None, state="state", extra=(), resolver=None):
        """A dry run at NOW, or a real run (which records) when NOW is None; through the lab's
        unbound unless RESOLVER gives other options."""
        when = [] if now is None else ["--now", str(now)]
        resolver = resolver or ["--resolver", env["LAB_RESOLVER"]]
        cmd = [args.danemon, "precheck", "--cert", cert, *resolver,
               "--state-dir", os.path.join(tmp, state), "--timeout", "10", *when, *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        print("$ " + " ".join(cmd) + f"   # exit {proc.returncode}\n" + proc.stdout + proc.stderr)
        return proc

    def first_seen(state="state"):
        """The stored first-seen times, as {(owner, usage, selector, matching): time}."""
        db = sqlite3.connect(os.path.join(tmp, state, "danemon.db"))
        try:
            return {(o, u, s, m, d): t for o, u, s, m, d, t in db.execute(
                "SELECT owner, usage, selector, matching, hex(data), first_seen FROM tlsa_seen")}
        finally:
            db.close()

    def backdate(seconds, state="state"):
        """As if every stored record had been seen SECONDS earlier (a daemon saw it then)."""
        db = sqlite3.connect(os.path.join(tmp, state, "danemon.db"))
        try:
            db.execute("UPDATE tlsa_seen SET first_seen = first_seen - ?", (seconds,))
            db.commit()
        finally:
            db.close()

    now = int(time.time())
    ttl = 60  # the lab's TTL
    try:
        if args.case == "next-and-unrelated":
            # rollover.test publishes current + next: the next certificate may go live
            # once the records are older than 2 x TTL; an unrelated key never.
            nxt = cert_for("rollover-next", "mx.rollover.test", "next")
            first = precheck(nxt)
            expect(first.returncode == 2 and "wait until" in first.stdout,
                   "a record seen for the first time must wait 2 x TTL")
            seen = int(time.time())
            later = precheck(nxt, seen + 2 * ttl + 1)
            expect(later.returncode == 0 and "[PASS] mx.rollover.test" in later.stdout
                   and "Dry run as of " in later.stdout,
                   "the staged next key did not pass after 2 x TTL, or no dry-run notice")
            other = precheck(new_cert("mx.rollover.test", "other"), seen + 2 * ttl + 1)
            expect(other.returncode == 2 and "Publish _25._tcp.mx.rollover.test. IN TLSA 3 1 1 "
                   in other.stdout, "an unrelated key passed, or the record to publish is missing")
        elif args.case == "embedded-validator":
            # The gate's lookups through the embedded validator (the lab's root key and hints):
            # the verdicts of next-and-unrelated.
            nxt = cert_for("rollover-next", "mx.rollover.test", "next")
            first = precheck(nxt, resolver=embedded)
            expect(first.returncode == 2 and "wait until" in first.stdout,
                   "a record seen for the first time must wait 2 x TTL")
            later = precheck(nxt, int(time.time()) + 2 * ttl + 1, resolver=embedded)
            expect(later.returncode == 0 and "[PASS] mx.rollover.test" in later.stdout,
                   "the staged next key did not pass after 2 x TTL")
            other = precheck(new_cert("mx.rollover.test", "other"), int(time.time()) + 2 * ttl + 1,
                             resolver=embedded)
            expect(other.returncode == 2 and "Publish _25._tcp.mx.rollover.test. IN TLSA 3 1 1 "
                   in other.stdout, "an unrelated key passed, or the record to publish is missing")
            missing = os.path.join(tmp, "missing.ds")
            bad = precheck(nxt, resolver=["--resolver", "embedded", "--trust-anchor", missing])
            expect(bad.returncode == 3 and bad.stdout == "" and bad.stderr ==
                   f"danemon precheck: cannot read {missing}: No such file or directory "
                   "(the trust anchor)\n", "a missing trust anchor is not one sentence, exit 3")
        elif args.case == "dry-run-records-nothing":
            # A dry run dated yesterday must not back-date the first sighting: the real run
            # that follows still waits 2 x TTL from its own time.
            nxt = cert_for("rollover-next", "mx.rollover.test", "next")
            dry = precheck(nxt, now - 86400)
            expect(dry.returncode == 2 and "nothing is recorded" in dry.stdout,
                   "a dry run did not say so")
            expect(not os.path.exists(os.path.join(tmp, "state", "danemon.db")),
                   "a dry run on a fresh state directory created the state database")
            before = int(time.time())
            real = precheck(nxt)
            expect(real.returncode == 2 and "wait until" in real.stdout,
                   "a real run after a back-dated dry run passed at once")
            times = first_seen().values()
            expect(times and all(t >= before for t in times),
                   f"first-seen times {sorted(times)} are older than the real run at {before}")
            expect(precheck(nxt, before + ttl).returncode == 2, "passed after one TTL")
            expect(precheck(nxt, before + 2 * ttl + 2).returncode == 0,
                   "did not pass 2 x TTL after the first real observation")
            expect(first_seen() == dict(zip(first_seen().keys(), times)),
                   "a dry run changed the stored first-seen times")
        elif args.case == "just-published":
            # The record for a new key appears now: refused until 2 x TTL later.
            host = "mx.dane-ok.test"
            nxt = cert_for("rollover-next", host, "dane-ok-next")
            try:
                precheck(nxt)  # the state store sees the RRset before the change
                lab("set-tlsa", host, "3 1 1 key:modern", "2 1 1 cert:lab-intermediate",
                    "3 1 1 key:rollover-next")
                published = int(time.time())
                seen = precheck(nxt)  # danemon sees the new record now
                expect(seen.returncode == 2 and "wait until" in seen.stdout,
                       "a record published this second passed the gate")
                soon = precheck(nxt, published + ttl)
                expect(soon.returncode == 2 and "wait until" in soon.stdout,
                       "a record published one TTL ago passed the gate")
                safe = precheck(nxt, int(time.time()) + 2 * ttl + 1)
                expect(safe.returncode == 0, "the record did not pass after 2 x TTL")
            finally:
                lab("reset-tlsa", host)
        elif args.case == "missing-on-one-server":
            host = "mx.twons.test"
            nxt = cert_for("rollover-next", host, "twons-next")
            try:
                lab("set-tlsa", host, "3 1 1 key:modern", "2 1 1 cert:lab-intermediate",
                    "3 1 1 key:rollover-next", "--only-server", env["LAB_AUTH"])
                precheck(nxt)  # a real sighting, whichever server the resolver asked
                result = precheck(nxt, now + 10 * ttl)
                expect(result.returncode == 2, "a record missing on ns2 passed the gate")
                expect("ns2.twons.test" in result.stdout, "the lagging server is not named")
                lab("set-tlsa", host, "3 1 1 key:modern", "2 1 1 cert:lab-intermediate",
                    "3 1 1 key:rollover-next")
                precheck(nxt)
                # 2 x TTL after the first real sighting on both servers it may pass.
                result = precheck(nxt, int(time.time()) + 2 * ttl + 1)
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
                # certbot names every name of the certificate; imap. is no MX host and has no
                # TLSA records: it is skipped, not held back forever.
                env2 = dict(os.environ, RENEWED_LINEAGE=lineage,
                            RENEWED_DOMAINS="mx.rollover.test imap.rollover.test")
                config = os.path.join(tmp, "alerts.yaml")
                with open(config, "w") as f:
                    # No alerts.email.from: the sender is danemon@<this host's name>.
                    f.write(f"domains: [rollover.test]\nalerts:\n  email:\n    enabled: true\n"
                            f"    to: [ops@{env['LAB_MAIL_DOMAIN']}]\n"
                            f"    server: {env['LAB_MAIL_SERVER']}\n")
                lab("mailbox", "--clear")
                cmd = [args.danemon, "hook", "--config", config, "--then", "touch " + marker,
                       "--resolver", env["LAB_RESOLVER"], "--state-dir",
                       os.path.join(tmp, "hookstate")]
                precheck(os.path.join(lineage, "fullchain.pem"), state="hookstate")
                # A dry run that would pass neither runs --then nor alerts.
                dry = subprocess.run(cmd + ["--now", str(int(time.time()) + 2 * ttl + 1)],
                                     env=env2, capture_output=True, text=True, timeout=120)
                print(dry.stdout + dry.stderr)
                expect(dry.returncode == (0 if expect_pass else 2) and not os.path.exists(marker),
                       f"dry-run hook exit {dry.returncode}, or it ran --then")
                backdate(3 * ttl, state="hookstate")
                proc = subprocess.run(cmd, env=env2, capture_output=True, text=True, timeout=120)
                print(proc.stdout + proc.stderr)
                expect((proc.returncode == 0) == expect_pass, f"hook exit {proc.returncode}")
                expect("[SKIP] imap.rollover.test: no TLSA records at _25._tcp.imap.rollover.test"
                       in proc.stdout, "the name without DANE was not skipped with its reason")
                expect(os.path.exists(marker) == expect_pass, "--then ran when it must not, or not at all")
                if os.path.exists(marker):
                    os.unlink(marker)
                mailbox = lab("mailbox")
                if expect_pass:
                    expect("renewal-held" not in mailbox, "a held-back mail for a passing gate")
                else:
                    # The held-back renewal is announced by mail at once (the dry run sent none).
                    deadline = time.monotonic() + 20
                    while "renewal-held" not in lab("mailbox") and time.monotonic() < deadline:
                        time.sleep(0.2)
                    mailbox = lab("mailbox")
                    expect(mailbox.count("Subject: [danemon] CRITICAL mx.rollover.test: "
                                         "renewal-held") == 1,
                           "not exactly one mail about the held-back renewal")
                    host = socket.gethostname()
                    expect(f"From: danemon <danemon@{host}>" in mailbox
                           and f".danemon@{host}>" in mailbox,
                           f"the held-back mail is not from danemon@{host}:\n{mailbox}")
        elif args.case == "dead-resolver":
            # A resolver that never answers: the gate fails within its budget (--timeout per
            # MX host for DNS), not after every query's own timeout in turn.
            nxt = cert_for("rollover-next", "mx.rollover.test", "next")
            cmd = [args.danemon, "precheck", "--cert", nxt, "--resolver", "127.0.53.10",
                   "--state-dir", os.path.join(tmp, "state"), "--timeout", "3"]
            start = time.monotonic()
            dead = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            elapsed = time.monotonic() - start
            print("$ " + " ".join(cmd) + f"   # exit {dead.returncode}, {elapsed:.1f} s\n"
                  + dead.stdout + dead.stderr)
            expect(dead.returncode == 2 and "TLSA lookup" in dead.stdout,
                   f"exit {dead.returncode}: the failed lookups are not the reason")
            expect(elapsed < 8, f"took {elapsed:.1f} s with --timeout 3 and a dead resolver")
        else:
            raise Failure("unknown case " + args.case)
    except Failure as f:
        print("FAILED: " + str(f))
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
