#!/usr/bin/env python3
"""The daemon under faults a mail host really has, against the lab: each case starts its own
daemon (its own state directory and configuration) and asserts what the administrator sees
(mail in the lab's mailbox, the log, what systemd is told) and its time bound.

  reload-during-failing-cycle  SIGHUP while a cycle cannot store (the state database is
                               locked by another process): the daemon keeps running, the new
                               configuration applies at once, WATCHDOG=1 keeps coming.
  unreachable-keeps-mismatch   an MX address with a tlsa-mismatch becomes unreachable: no
                               "recovered" mail; one mx-unreachable alert however long it
                               lasts; back, the mismatch was never forgotten.
  two-daemons                  a second daemon on the same state directory refuses to run.
  store-full                   the state directory's file system (a tmpfs of 1 MB) fills up
                               and is freed again; then a daemon on it mounted read-only.
  clock-step-back              the wall clock steps back 30 days (libfaketime).
  failing-channel              the mail server does not answer: log, status, metrics.
  kill-during-slow-quit        kill -9 while the mail server holds back its 221, or its 250.
  sigterm-during-slow-cycle    SIGTERM while a cycle waits on a silent MX host.
  reload-bad-file              SIGHUP with the configuration swapped for a FIFO or /dev/zero.
"""
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import (Daemon, DatagramListener, Failure, MailSink, TcpForwarder, expect,
                     lab_env, lab_script_arguments, lab_tool, wait_for)

HOST = "mx.dane-ok.test"


def write_config(path, env, tmp, domains, port=None, extra="", mail=None, interval="1h",
                 timeout="5s", state=None, confirm_delay="0s"):
    """A configuration for DOMAINS (PORT for the first); alert mail to the lab's mailbox, or
    to MAIL = (server, port), or none when MAIL is False. Transient problems are alerted at
    once (confirm_delay 0s) unless the case is about their confirmation."""
    entries = "".join(f"  - name: {d}\n" + (f"    port: {port}\n" if port and i == 0 else "")
                      for i, d in enumerate(domains))
    if mail is False:
        email = "    enabled: false\n"
    else:
        server, mail_port = mail or (env['LAB_MAIL_SERVER'], 25)
        email = (f"    enabled: true\n    to: [faults-{os.getpid()}@{env['LAB_MAIL_DOMAIN']}]\n"
                 f"    from: danemon@lab.test\n    server: {server}\n    port: {mail_port}\n")
    with open(path, "w") as f:
        f.write(f"""domains:
{entries}interval: {interval}
confirm_delay: {confirm_delay}
jitter: 0s
timeout: {timeout}
resolver: {env['LAB_RESOLVER']}
state_directory: {state or tmp + "/state"}
alerts:
  syslog:
    enabled: false
  email:
{email}{extra}""")


def lab_mails(lab, env):
    """Subjects of the mail this test's daemons sent to the lab's mailbox, in order."""
    recipient = f"faults-{os.getpid()}@{env['LAB_MAIL_DOMAIN']}"
    messages = [m for m in re.split(r"^From .*\n", lab("mailbox"), flags=re.M) if recipient in m]
    return [re.search(r"^Subject: (.*)$", m, re.M).group(1) for m in messages]


def status_json(args, tmp):
    proc = subprocess.run([args.danemon, "status", "--json", "--state-dir",
                           os.path.join(tmp, "state")], capture_output=True, text=True, timeout=30)
    return json.loads(proc.stdout) if proc.returncode != 3 else None


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
        wait_for("the failing store", lambda: "state store failing" in daemon.text(), timeout=15)
        wait_for("the end of the cycle", lambda: daemon.cycles() >= 2, timeout=15)
        end = time.monotonic()
    finally:
        db.close()
    gap = notify.largest_gap("WATCHDOG=1", start, end)
    expect(gap < 1.6, f"no WATCHDOG=1 for {gap:.1f} s while the cycle failed (WatchdogSec=2s)")
    expect(daemon.proc.poll() is None, f"the daemon exited with {daemon.proc.poll()}")
    expect("domains=2" in daemon.text(), "the new configuration was not applied")
    # Both domains are checked, and stored once the lock is gone.
    daemon.signal(signal.SIGUSR1)

    def stored():
        doc = status_json(args, tmp)
        return doc and sorted(d["domain"] for d in doc["domains"]) == ["dane-ok.test", "stale.test"]
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


def case_two_daemons(args, lab, env, tmp, daemon, notify):
    # A second daemon on the same state directory would mail every alert twice: it refuses,
    # naming the first one's PID, and the first runs on.
    daemon.start()
    wait_for("the first cycle", lambda: daemon.cycles() >= 1)
    second = subprocess.run([args.danemon, "daemon", "--config", daemon.config],
                            capture_output=True, text=True, timeout=10)
    lines = [l for l in second.stderr.splitlines() if l.strip()]
    expect(second.returncode == 3 and len(lines) == 1
           and f"another danemon daemon (PID {daemon.proc.pid}) is using the state directory"
           in lines[0], f"the second daemon: exit {second.returncode}, {second.stderr!r}")
    expect(daemon.proc.poll() is None, "the first daemon stopped")
    # status, precheck and check --config need no lock.
    status = subprocess.run([args.danemon, "status", "--state-dir", f"{tmp}/state"],
                            capture_output=True, text=True, timeout=10)
    check = subprocess.run([args.danemon, "check", "--config", daemon.config],
                           capture_output=True, text=True, timeout=30)
    expect(status.returncode == 0 and check.returncode == 0,
           f"status {status.returncode} {status.stderr!r}, check {check.returncode} {check.stderr!r}")


def case_store_full(args, lab, env, tmp, daemon, notify):
    # The state directory on a 1 MB file system that fills up, then becomes read-only: the
    # failing store is announced once, the new problem is still mailed (once), recovery is
    # announced, and nothing is mailed twice. A daemon does not start on a read-only one.
    state = os.path.join(tmp, "state")
    os.makedirs(state)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "danemon-test-state", state],
                   check=True, timeout=10)
    host = socket.gethostname()
    failing = f"[danemon] CRITICAL {host}: state-store-failing"
    mismatch = f"[danemon] CRITICAL dane-ok.test: tlsa-mismatch {HOST}"
    try:
        daemon.start()
        wait_for("the first cycle", lambda: daemon.cycles() >= 1)
        with open(os.path.join(state, "filler"), "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        lab("set-tlsa", HOST, "3 1 1 key:stale-old", "3 1 1 key:rollover-next")
        daemon.run_cycle()
        wait_for("the two alert mails", lambda: len(lab_mails(lab, env)) >= 2)
        expect(sorted(lab_mails(lab, env)) == sorted([failing, mismatch]),
               f"mails while the disk is full: {lab_mails(lab, env)}")
        expect("state store failing error=" in daemon.text(), "no error line in the log")
        expect(notify.seen("STATUS=") and "state store failing" in notify.seen("STATUS=")[-1],
               f"systemd was not told: {notify.seen('STATUS=')[-1:]}")
        daemon.run_cycle()
        time.sleep(1)
        expect(len(lab_mails(lab, env)) == 2, f"mailed again: {lab_mails(lab, env)}")
        os.unlink(os.path.join(state, "filler"))
        daemon.run_cycle()
        recovered = f"[danemon] RECOVERED {host}: state-store-failing"
        wait_for("the recovery mail", lambda: recovered in lab_mails(lab, env))
        time.sleep(1)
        expect(len(lab_mails(lab, env)) == 3, f"mails after the recovery: {lab_mails(lab, env)}")
        doc = status_json(args, tmp)
        expect(doc and doc["domains"][0]["status"] == "critical",
               "the mismatch was not stored once the store worked again")
        wal = os.path.join(state, "danemon.db-wal")
        expect(not os.path.exists(wal) or os.path.getsize(wal) == 0,
               f"the WAL was not truncated after the cycle: {os.path.getsize(wal)} bytes")

        # Read-only (a bind mount): a daemon refuses to start there, in one sentence.
        daemon.kill()
        subprocess.run(["mount", "--bind", state, state], check=True, timeout=10)
        subprocess.run(["mount", "-o", "remount,ro,bind", state], check=True, timeout=10)
        again = subprocess.run([args.danemon, "daemon", "--config", daemon.config],
                               capture_output=True, text=True, timeout=20)
        lines = [l for l in again.stderr.splitlines() if l.strip()]
        expect(again.returncode == 3 and len(lines) == 1 and state in lines[0],
               f"a daemon on a read-only state directory: exit {again.returncode}, {again.stderr!r}")
    finally:
        daemon.kill()
        lab("reset-tlsa", HOST)
        for _ in range(2):  # the read-only bind mount, then the tmpfs
            subprocess.run(["umount", "-l", state], timeout=10, capture_output=True)


def case_clock_step_back(args, lab, env, tmp, daemon, notify):
    # The wall clock steps back 30 days (a wrong RTC corrected, NTP): checking goes on at its
    # interval, because the schedule runs on the monotonic clock.
    preload = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
    expect(os.path.exists(preload), f"{preload} is missing (Debian package libfaketime)")
    clock = os.path.join(tmp, "clock")
    with open(clock, "w") as f:
        f.write("+0\n")
    write_config(daemon.config, env, tmp, ["dane-ok.test"], mail=False, interval="1m")
    daemon.env.update(LD_PRELOAD=preload, FAKETIME_TIMESTAMP_FILE=clock, FAKETIME_NO_CACHE="1",
                      FAKETIME_DONT_FAKE_MONOTONIC="1")
    daemon.start()
    wait_for("the first cycle", lambda: daemon.cycles() >= 1)
    with open(clock, "w") as f:
        f.write("-30d\n")
    stepped = time.time()
    wait_for("a cycle after the step back", lambda: daemon.cycles() >= 2, timeout=75)
    doc = status_json(args, tmp)
    checked = doc["domains"][0]["checked_at"]
    expect(checked.startswith(time.strftime("%Y-%m-%d", time.gmtime(stepped - 30 * 86400))),
           f"the stored time {checked} is not the stepped wall clock")


def case_failing_channel(args, lab, env, tmp, daemon, notify):
    # The mail server does not answer: each failed delivery is in the log (once per channel
    # per 10 minutes), in danemon status with its last error, and in the metrics.
    textfile = os.path.join(tmp, "danemon.prom")
    write_config(daemon.config, env, tmp, ["stale.test"], mail=("127.0.0.1", 1),
                 extra=f"metrics:\n  textfile: {textfile}\n")
    daemon.start()
    wait_for("the first cycle", lambda: daemon.cycles() >= 1)
    daemon.run_cycle()
    lines = [l for l in daemon.text().splitlines() if "alert delivery failed channel=email" in l]
    expect(len(lines) == 1 and "cannot connect to 127.0.0.1:1" in lines[0],
           f"log lines of the failed delivery: {lines}")
    status = subprocess.run([args.danemon, "status", "--state-dir", f"{tmp}/state"],
                            capture_output=True, text=True, timeout=10)
    pending = int(re.search(r"^Alerts waiting for delivery: (\d+)$", status.stdout, re.M).group(1))
    expect(pending >= 1 and "last error: mail to the MTA at 127.0.0.1 failed: cannot connect"
           in status.stdout, f"status does not show the pending alerts:\n{status.stdout}")
    metrics = open(textfile).read()
    expect(re.search(rf"^danemon_alerts_pending {pending}$", metrics, re.M)
           and re.search(rf'^danemon_alert_delivery_failures_total{{channel="email"}} {pending}$',
                         metrics, re.M)
           and re.search(r"^danemon_state_store_failing 0$", metrics, re.M),
           f"metrics:\n{metrics[-800:]}")


def case_kill_during_slow_quit(args, lab, env, tmp, daemon, notify):
    # Killed while the mail server holds back its reply to QUIT, danemon sends no alert twice:
    # it records a mail as sent at the server's 250. Killed before that 250, it sends the
    # alert again, with the same Message-ID (the window README names).
    rng = random.Random(13)

    def nothing_pending(state):
        out = subprocess.run([args.danemon, "status", "--state-dir", state],
                             capture_output=True, text=True, timeout=10).stdout
        return "Alerts waiting for delivery" not in out

    for attempt in range(3):
        sink = MailSink(quit_delay=4)
        state = os.path.join(tmp, f"state{attempt}")
        write_config(daemon.config, env, tmp, ["stale.test"], mail=("127.0.0.1", sink.port),
                     state=state)
        try:
            daemon.start()
            wait_for("the first mail", lambda: sink.state == "quit-wait")
            time.sleep(rng.uniform(0.1, 3.0))
            daemon.kill()
            cycles = daemon.cycles()
            daemon.start()
            wait_for("the restart's cycle", lambda: daemon.cycles() > cycles, timeout=60)
            wait_for("every alert delivered", lambda: nothing_pending(state), timeout=60)
            subjects = sink.subjects()
            expect(subjects and len(subjects) == len(set(subjects))
                   and len(set(sink.message_ids())) == len(subjects),
                   f"attempt {attempt}: an alert was sent twice: {subjects}")
        finally:
            daemon.kill()
            sink.close()
    # Before the 250: the copy sent after the restart has the same Message-ID.
    sink = MailSink(data_delay=3)
    write_config(daemon.config, env, tmp, ["stale.test"], mail=("127.0.0.1", sink.port),
                 state=os.path.join(tmp, "state-data"))
    try:
        daemon.start()
        wait_for("the first message", lambda: sink.state == "data-wait")
        first = sink.message_ids()[0]
        daemon.kill()
        wait_for("the sink to be idle", lambda: sink.state == "idle", timeout=10)
        sink.data_delay = 0
        daemon.start()
        wait_for("the resent copy", lambda: sink.message_ids().count(first) == 2, timeout=60)
    finally:
        daemon.kill()
        sink.close()


def case_sigterm_during_slow_cycle(args, lab, env, tmp, daemon, notify):
    # A cycle stuck on a silent MX host for 30 s, and a reload meanwhile: SIGTERM still stops
    # the daemon within 5 s (systemd waits 10), and the watchdog kept coming until then.
    write_config(daemon.config, env, tmp, ["silent.test"], mail=False, timeout="30s")
    daemon.start()
    wait_for("the cycle to start", lambda: "started config=" in daemon.text())
    time.sleep(1)
    daemon.signal(signal.SIGHUP)
    time.sleep(1)
    start = time.monotonic()
    daemon.signal(signal.SIGTERM)
    code = daemon.proc.wait(10)
    stopped = time.monotonic()
    expect(stopped - start < 5, f"SIGTERM took {stopped - start:.1f} s during a slow cycle")
    expect(code == 0, f"exit status {code}")
    gap = notify.largest_gap("WATCHDOG=1", start - 2, start)
    expect(gap < 1.6, f"no WATCHDOG=1 for {gap:.1f} s during the slow cycle")


def case_reload_bad_file(args, lab, env, tmp, daemon, notify):
    # The configuration swapped for a FIFO, or for /dev/zero: a SIGHUP is refused within a
    # second and the daemon runs on with the old one.
    daemon.start()
    wait_for("the first cycle", lambda: daemon.cycles() >= 1)
    good = open(daemon.config).read()
    for bad in ("fifo", "zero"):
        os.unlink(daemon.config)
        if bad == "fifo":
            os.mkfifo(daemon.config)
        else:
            os.symlink("/dev/zero", daemon.config)
        before = daemon.text().count("reload failed")
        start = time.monotonic()
        daemon.signal(signal.SIGHUP)
        wait_for(f"the refused reload ({bad})",
                 lambda: daemon.text().count("reload failed") > before, timeout=2)
        expect(time.monotonic() - start < 1, f"the refused reload ({bad}) took more than 1 s")
        expect(daemon.proc.poll() is None, f"the daemon stopped on a {bad}")
    os.unlink(daemon.config)
    with open(daemon.config, "w") as f:
        f.write(good)
    daemon.signal(signal.SIGHUP)
    wait_for("the good reload", lambda: "reloaded config=" in daemon.text())
    daemon.run_cycle()


# Confirmation (confirm_delay 5s): dane-ok.test's MX host reached through a TcpForwarder to
# the lab's postfix, on a port of its own per case, which the case stops and starts.
CONFIRM_DELAY = 5


def confirm_setup(env, tmp, daemon, port, domains=("dane-ok.test",), delay=CONFIRM_DELAY):
    modern = (env["LAB_MAIL_SERVER"], 25)  # the lab's modern listener serves mx.dane-ok.test
    forwarder = TcpForwarder((modern[0], port), modern)
    forwarder.start()
    sink = MailSink()
    write_config(daemon.config, env, tmp, list(domains), port=port,
                 mail=("127.0.0.1", sink.port), confirm_delay=f"{delay}s")
    return forwarder, sink


def pending_codes(args, tmp):
    doc = status_json(args, tmp)
    if doc is None:
        return []
    return sorted(p["code"] for d in doc["domains"] for p in d["problems"] if p.get("pending"))


def case_confirm_blip(args, lab, env, tmp, daemon, notify):
    # The MX listener is down for one check and back before the confirming re-check: the
    # problem is pending for a while, then dropped without a mail.
    forwarder, sink = confirm_setup(env, tmp, daemon, 2531)
    try:
        daemon.start()
        wait_for("the first cycle", lambda: daemon.cycles() >= 1)
        forwarder.stop()
        daemon.run_cycle()
        expect("alert pending confirmation domain=dane-ok.test" in daemon.text(),
               "no pending confirmation logged")
        expect(pending_codes(args, tmp) == ["mx-unreachable"],
               f"status does not show the pending problem: {status_json(args, tmp)}")
        forwarder.start()
        cycles = daemon.cycles()
        wait_for("the confirming re-check", lambda: daemon.cycles() > cycles,
                 timeout=CONFIRM_DELAY + 15)
        time.sleep(2)
        expect(sink.subjects() == [], f"a blip was alerted: {sink.subjects()}")
        expect(pending_codes(args, tmp) == [], "still pending after the re-check")
    finally:
        forwarder.stop()
        sink.close()


def case_confirm_persistent(args, lab, env, tmp, daemon, notify):
    # Down through the re-check: exactly one alert, and one recovery when it is back. A
    # tlsa-mismatch (stale.test) is a finding, not a fault: alerted on the first cycle.
    forwarder, sink = confirm_setup(env, tmp, daemon, 2532, ("dane-ok.test", "stale.test"))
    mismatch = "[danemon] CRITICAL stale.test: tlsa-mismatch mx.stale.test"
    unreachable = f"[danemon] CRITICAL dane-ok.test: mx-unreachable {HOST}"
    try:
        daemon.start()
        wait_for("the first cycle", lambda: daemon.cycles() >= 1)
        wait_for("the mismatch mail", lambda: sink.subjects() == [mismatch])
        forwarder.stop()
        daemon.run_cycle()
        expect(sink.subjects() == [mismatch], f"alerted before confirmation: {sink.subjects()}")
        wait_for("the confirmed alert", lambda: len(sink.subjects()) >= 2,
                 timeout=CONFIRM_DELAY + 15)
        daemon.run_cycle()
        time.sleep(1)
        expect(sink.subjects() == [mismatch, unreachable], f"mails {sink.subjects()}")
        forwarder.start()
        daemon.run_cycle()
        wait_for("the recovery", lambda: len(sink.subjects()) >= 3)
        expect(sink.subjects()[2] == f"[danemon] RECOVERED dane-ok.test: mx-unreachable {HOST}",
               f"mails {sink.subjects()}")
    finally:
        forwarder.stop()
        sink.close()


def case_confirm_kill(args, lab, env, tmp, daemon, notify):
    # kill -9 between the first sighting and the confirmation: the pending state is stored,
    # so the restarted daemon confirms it and alerts once; nothing lost, nothing twice. A
    # longer delay, so that the restart surely falls within it.
    delay = 2 * CONFIRM_DELAY
    forwarder, sink = confirm_setup(env, tmp, daemon, 2533, delay=delay)
    try:
        daemon.start()
        wait_for("the first cycle", lambda: daemon.cycles() >= 1)
        forwarder.stop()
        daemon.run_cycle()
        expect(pending_codes(args, tmp) == ["mx-unreachable"], "not stored as pending")
        daemon.kill()
        restarted_at = len(daemon.text())
        daemon.start()
        wait_for("the confirmed alert", lambda: len(sink.subjects()) >= 1, timeout=delay + 20)
        daemon.run_cycle()
        time.sleep(1)
        expect(sink.subjects() == [f"[danemon] CRITICAL dane-ok.test: mx-unreachable {HOST}"],
               f"mails {sink.subjects()}")
        # The restarted daemon read the stored pending state and waited for the re-check; it
        # did not take the problem for one already announced, nor alert on starting.
        expect("alert pending confirmation domain=dane-ok.test" in daemon.text()[restarted_at:],
               "the restarted daemon did not wait for the confirmation")
    finally:
        forwarder.stop()
        sink.close()


def case_severity_policy(args, lab, env, tmp, daemon, notify):
    # The configuration's severity map in the daemon: tls-legacy-enabled off (no alert, not
    # in the metrics, the domain ok), tlsa-mismatch lowered to warning (alerted as such).
    sink = MailSink()
    textfile = os.path.join(tmp, "danemon.prom")
    write_config(daemon.config, env, tmp, ["legacy-enabled.test", "stale.test"],
                 mail=("127.0.0.1", sink.port),
                 extra=f"metrics:\n  textfile: {textfile}\nseverity:\n"
                       f"  tls-legacy-enabled: off\n  tlsa-mismatch: warning\n")
    try:
        daemon.start()
        wait_for("the first cycle", lambda: daemon.cycles() >= 1)
        wait_for("the mismatch mail", lambda: len(sink.subjects()) >= 1)
        daemon.run_cycle()
        time.sleep(1)
        expect(sink.subjects() == ["[danemon] WARNING stale.test: tlsa-mismatch mx.stale.test"],
               f"mails {sink.subjects()}")
        metrics = open(textfile).read()
        expect('danemon_problems{domain="stale.test",code="tlsa-mismatch",severity="warning"} 1'
               in metrics, "the lowered mismatch is not in the metrics:\n" + metrics)
        expect("tls-legacy-enabled" not in metrics, "a code turned off is in the metrics")
        expect('danemon_domain_status{domain="legacy-enabled.test"} 0' in metrics,
               "legacy-enabled.test is not ok in the metrics:\n" + metrics)
        text = subprocess.run([args.danemon, "status", "--state-dir", os.path.join(tmp, "state")],
                              capture_output=True, text=True, timeout=30).stdout
        expect("tls-legacy-enabled" not in text, f"status shows a code turned off:\n{text}")
        # --json keeps it, marked off, as check --json does.
        doc = status_json(args, tmp)
        levels = {p["code"]: p["severity"] for d in doc["domains"] for p in d["problems"]}
        expect(levels.get("tls-legacy-enabled") == "off" and levels["tlsa-mismatch"] == "warning",
               f"status --json: {levels}")
    finally:
        sink.close()


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
    except (Failure, subprocess.TimeoutExpired) as f:
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
