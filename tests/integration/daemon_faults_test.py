#!/usr/bin/env python3
"""The daemon under faults a mail host really has, against the lab: each case starts its own
daemon (its own state directory and configuration) and asserts what the administrator sees
(mail in the lab's mailbox, the log, what systemd is told) and its time bound.

  reload-during-failing-cycle  SIGHUP while a cycle fails (the state database is locked by
                               another process): the daemon keeps running, the new
                               configuration applies at once, WATCHDOG=1 keeps coming.
  unreachable-keeps-mismatch   an MX address with a tlsa-mismatch becomes unreachable: no
                               "recovered" mail; one mx-unreachable alert however long it
                               lasts; back, the mismatch was never forgotten.
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import (Daemon, DatagramListener, Failure, expect, lab_env, lab_script_arguments,
                     lab_tool, wait_for)

HOST = "mx.dane-ok.test"


def write_config(path, env, tmp, domains, port=None, extra=""):
    entries = "".join(f"  - name: {d}\n" + (f"    port: {port}\n" if port else "") for d in domains)
    with open(path, "w") as f:
        f.write(f"""domains:
{entries}interval: 1h
jitter: 0s
timeout: 5s
resolver: {env['LAB_RESOLVER']}
state_directory: {tmp}/state
alerts:
  syslog:
    enabled: false
  email:
    enabled: true
    to: [faults-{os.getpid()}@{env['LAB_MAIL_DOMAIN']}]
    from: danemon@lab.test
    server: {env['LAB_MAIL_SERVER']}
{extra}""")


def case_reload_during_failing_cycle(args, lab, env, tmp, daemon, notify):
    config = daemon.config
    daemon.start()
    wait_for("the first cycle", lambda: daemon.cycles() >= 1)
    db = sqlite3.connect(os.path.join(tmp, "state", "danemon.db"), isolation_level=None, timeout=0)
    db.execute("BEGIN EXCLUSIVE")  # the cycle's commit waits 5 s for this lock, then fails
    start = time.monotonic()
    try:
        daemon.signal(signal.SIGUSR1)
        time.sleep(1.0)
        write_config(config, env, tmp, ["dane-ok.test", "stale.test"])
        daemon.signal(signal.SIGHUP)
        wait_for("the reload", lambda: "reloaded config=" in daemon.text(), timeout=2)
        expect(time.monotonic() - start < 3, "the reload waited for the running cycle")
        wait_for("READY=1 after the reload", lambda: notify.seen("configuration reloaded"),
                 timeout=2)
        wait_for("the failed cycle", lambda: "cycle failed" in daemon.text(), timeout=15)
        end = time.monotonic()
    finally:
        db.close()
    gap = notify.largest_gap("WATCHDOG=1", start, end)
    expect(gap < 1.6, f"no WATCHDOG=1 for {gap:.1f} s while the cycle failed (WatchdogSec=2s)")
    expect(daemon.proc.poll() is None, f"the daemon exited with {daemon.proc.poll()}")
    expect("domains=2" in daemon.text(), "the new configuration was not applied")
    # The failed domain is retried and the new one checked; both are stored.
    daemon.signal(signal.SIGUSR1)

    def stored():
        proc = subprocess.run([args.danemon, "status", "--json", "--state-dir",
                               os.path.join(tmp, "state")], capture_output=True, text=True,
                              timeout=30)
        return proc.returncode != 3 and sorted(
            d["domain"] for d in json.loads(proc.stdout)["domains"]) == ["dane-ok.test",
                                                                          "stale.test"]
    wait_for("both domains stored", stored)
    daemon.signal(signal.SIGTERM)
    expect(daemon.proc.wait(10) == 0, "exit status after SIGTERM")


def case_unreachable_keeps_mismatch(args, lab, env, tmp, daemon, notify):
    recipient = f"faults-{os.getpid()}@{env['LAB_MAIL_DOMAIN']}"


    def mails():
        text = lab("mailbox")
        messages = [m for m in re.split(r"^From .*\n", text, flags=re.M) if recipient in m]
        return [re.search(r"^Subject: (.*)$", m, re.M).group(1) for m in messages]

    daemon.start()
    wait_for("the first cycle", lambda: daemon.cycles() >= 1)
    try:
        lab("set-tlsa", HOST, "3 1 1 key:stale-old", "3 1 1 key:rollover-next")
        daemon.run_cycle()
        mismatch = f"[danemon] CRITICAL dane-ok.test: tlsa-mismatch {HOST}"
        wait_for("the mismatch mail", lambda: mails() == [mismatch])
        # The MX address stops answering (nothing listens on port 2599).
        write_config(daemon.config, env, tmp, ["dane-ok.test"], port=2599)
        daemon.signal(signal.SIGHUP)
        wait_for("the reload", lambda: "reloaded config=" in daemon.text())
        daemon.run_cycle()
        unreachable = f"[danemon] CRITICAL dane-ok.test: mx-unreachable {HOST}"
        wait_for("the unreachable mail", lambda: len(mails()) >= 2)
        for _ in range(2):
            daemon.run_cycle()
        time.sleep(1)
        expect(mails() == [mismatch, unreachable],
               f"expected the mismatch and one unreachable mail, no recovery: {mails()}")
        # Back: the unreachable recovers; the mismatch is still there and was never gone.
        write_config(daemon.config, env, tmp, ["dane-ok.test"])
        daemon.signal(signal.SIGHUP)
        wait_for("the second reload", lambda: daemon.text().count("reloaded config=") == 2)
        daemon.run_cycle()
        recovered = f"[danemon] RECOVERED dane-ok.test: mx-unreachable {HOST}"
        wait_for("the unreachable recovery", lambda: len(mails()) >= 3)
        time.sleep(1)
        expect(mails() == [mismatch, unreachable, recovered], f"mails {mails()}")
    finally:
        lab("reset-tlsa", HOST)
    daemon.run_cycle()
    wait_for("the mismatch recovery", lambda: len(mails()) >= 4)
    expect(mails()[3] == f"[danemon] RECOVERED dane-ok.test: tlsa-mismatch {HOST}",
           f"mails {mails()}")


def main():
    args = lab_script_arguments("case")
    lab = lab_tool(args)
    env = lab_env(lab)
    tmp = tempfile.mkdtemp(prefix="danemon-faults-")
    config = os.path.join(tmp, "danemon.yaml")
    write_config(config, env, tmp, ["dane-ok.test"])
    log = os.path.join(tmp, "daemon.log")
    notify = DatagramListener(os.path.join(tmp, "notify.sock"))
    daemon = Daemon(args.danemon, config, log, notify.path)
    try:
        globals()["case_" + args.case.replace("-", "_")](args, lab, env, tmp, daemon, notify)
    except Failure as f:
        print("FAILED: " + str(f))
        if os.path.exists(log):
            print(open(log).read()[-4000:])
        return 1
    finally:
        daemon.kill()
        notify.close()
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
