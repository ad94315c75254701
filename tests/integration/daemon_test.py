#!/usr/bin/env python3
"""The daemon against the lab, as an administrator lives with it: a TLSA record goes stale
(the zone is re-signed, nsd reloads), exactly one alert mail arrives in the lab's mailbox and
one syslog line is written; it is not repeated on the next cycles nor after kill -9 at random
moments and a restart; a broken configuration on SIGHUP keeps the daemon running; the fix brings exactly one
recovery; SIGTERM stops it within 5 seconds."""
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

from harness import (Daemon, DatagramListener, Failure, expect, lab_env, lab_script_arguments,
                     lab_tool, wait_for)

HOST = "mx.dane-ok.test"


def main():
    args = lab_script_arguments()
    lab = lab_tool(args)
    env = lab_env(lab)
    tmp = tempfile.mkdtemp(prefix="danemon-daemon-")
    config = os.path.join(tmp, "danemon.yaml")
    good = f"""domains:
  - dane-ok.test
interval: 1h
jitter: 0s
timeout: 10s
resolver: {env['LAB_RESOLVER']}
state_directory: {tmp}/state
alerts:
  syslog:
    identity: danemon-test
  email:
    enabled: true
    to: [ops@{env['LAB_MAIL_DOMAIN']}]
    from: danemon@lab.test
    server: {env['LAB_MAIL_SERVER']}
"""
    open(config, "w").write(good)
    log = os.path.join(tmp, "daemon.log")
    notify = DatagramListener(os.path.join(tmp, "notify.sock"))
    daemon = Daemon(args.danemon, config, log, notify.path)
    syslog = DatagramListener("/dev/log", only_if_free=True)
    lab("mailbox", "--clear")

    def mails():
        return re.findall(r"^Subject: (.*)$", lab("mailbox"), re.M)

    def syslog_lines(code, event):
        return [l for l in syslog.seen(f"code={code}") if f"event={event}" in l]

    try:
        daemon.start()
        wait_for("the first cycle", lambda: daemon.cycles() >= 1)
        expect(mails() == [], f"alerts for a healthy domain: {mails()}")
        # systemd's view (Type=notify, WatchdogSec): ready, a status per cycle, watchdog pings.
        wait_for("READY=1", lambda: notify.seen("READY=1"))
        wait_for("a cycle STATUS=", lambda: notify.seen("STATUS=1 domains checked"))
        wait_for("WATCHDOG=1 (WatchdogSec=2s)", lambda: len(notify.seen("WATCHDOG=1")) >= 2, timeout=5)

        # The Comcast case: the published key no longer matches the served one.
        lab("set-tlsa", HOST, "3 1 1 key:stale-old", "3 1 1 key:rollover-next")
        daemon.run_cycle()
        subjects = wait_for("the alert mail", mails)
        expect(subjects == [f"[danemon] CRITICAL dane-ok.test: tlsa-mismatch {HOST}"],
               f"expected one tlsa-mismatch mail, got {subjects}")
        mailbox = lab("mailbox")
        expect("Auto-Submitted: auto-generated" in mailbox, "Auto-Submitted header missing")
        expect("Publish _25._tcp.mx.dane-ok.test. IN TLSA 3 1 1 " in mailbox, "the fix is not in the mail")
        if syslog.sock:
            wait_for("the syslog line", lambda: syslog_lines("tlsa-mismatch", "new"))
            expect(len(syslog_lines("tlsa-mismatch", "new")) == 1, "not exactly one syslog line")

        # Not once per cycle, and not again after crashes at random moments of a cycle
        # (every start runs a cycle at once) and a restart.
        daemon.run_cycle()
        rng = random.Random(7)
        for _ in range(5):
            daemon.kill()
            daemon.start()
            time.sleep(rng.uniform(0.0, 0.5))
        daemon.kill()
        starts = open(log).read().count("started config")
        cycles = daemon.cycles()
        daemon.start()
        wait_for("the first cycle after the restart",
                 lambda: open(log).read().count("started config") == starts + 1
                 and daemon.cycles() > cycles)
        time.sleep(1)
        expect(len(mails()) == 1, f"alert repeated: {mails()}")

        # A broken configuration on SIGHUP: refused, the daemon keeps running on the old one.
        open(config, "w").write("domains: [\n")
        daemon.signal(signal.SIGHUP)
        wait_for("the refused reload", lambda: "reload failed" in open(log).read())
        reloads = wait_for("RELOADING=1", lambda: notify.seen("RELOADING=1"), timeout=5)
        expect("MONOTONIC_USEC=" in reloads[-1], f"RELOADING=1 without MONOTONIC_USEC: {reloads}")
        wait_for("READY=1 after the reload", lambda: notify.seen("reload failed, running on the previous"))
        expect(daemon.proc.poll() is None, "the daemon died on a broken configuration")
        daemon.run_cycle()
        open(config, "w").write(good)

        # The fix: exactly one recovery.
        lab("reset-tlsa", HOST)
        daemon.run_cycle()
        subjects = wait_for("the recovery mail", lambda: mails() if len(mails()) == 2 else None)
        expect(subjects[1] == f"[danemon] RECOVERED dane-ok.test: tlsa-mismatch {HOST}",
               f"expected a recovery mail, got {subjects}")
        if syslog.sock:
            wait_for("the recovery syslog line", lambda: syslog_lines("tlsa-mismatch", "recovered"))
        daemon.run_cycle()
        time.sleep(1)
        expect(len(mails()) == 2, f"more mail than one alert and one recovery: {mails()}")

        status = subprocess.run([args.danemon, "status", "--state-dir", f"{tmp}/state"],
                                capture_output=True, text=True, timeout=30)
        expect(status.returncode == 0 and "dane-ok.test  ok" in status.stdout,
               f"danemon status: {status.returncode} {status.stdout}")

        start = time.monotonic()
        daemon.signal(signal.SIGTERM)
        code = daemon.proc.wait(10)
        expect(time.monotonic() - start < 5, "SIGTERM took more than 5 s")
        expect(code == 0, f"exit status {code} after SIGTERM")
        # The datagram was sent before the exit; the listener's thread may not have read it yet.
        wait_for("STOPPING=1", lambda: notify.seen("STOPPING=1"), timeout=2)
        print("syslog checked" if syslog.sock else "syslog not checked: /dev/log belongs to a running syslog")
    except Failure as f:
        print("FAILED: " + str(f))
        print(open(log).read()[-4000:])
        return 1
    finally:
        daemon.kill()
        syslog.close()
        notify.close()
        try:
            lab("reset-tlsa", HOST)
        except subprocess.CalledProcessError:
            pass
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
