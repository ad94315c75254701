#!/usr/bin/env python3
"""The daemon's alert channels against the lab's bad-names leaf (subject and DNS names with CR,
LF, ESC sequences, NUL, invalid UTF-8 and shell syntax) and MX targets with odd bytes from
DNS: one cycle over badnames.test (tlsa-mismatch), badnames-ta.test (tlsa-name-mismatch,
whose message lists the names) and mx-odd-bytes.test (mx-invalid-name for four MX hosts whose
names hold NUL, a newline, a space and an escape sequence).
The mail has no injected header line, the exec hook gets exactly its configured argv and
PATH and the event only as JSON on stdin (no shell: no /tmp/danemon-pwned-* file), syslog
gets one printable line per event.

syslog(3) writes to /dev/log: the daemon runs in a private mount namespace (unshare -m) whose
/dev is a tmpfs with /dev/null, /dev/urandom, ... bound from the real one and /dev/log bound to
this test's socket, so no syslog of the machine (or of another test) is touched. Needs root."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from harness import (HOSTILE_DNS_NAMES, DatagramListener, Failure, PWNED_FILES, expect, lab_env,
                     lab_script_arguments, lab_tool, printable, wait_for)

DOMAINS = {"badnames.test": "tlsa-mismatch", "badnames-ta.test": "tlsa-name-mismatch",
           "mx-odd-bytes.test": "mx-invalid-name"}
# (domain, code, MX host as shown: DNS presentation form, odd bytes escaped) of every alert
EVENTS = sorted([("badnames.test", "tlsa-mismatch", "mx.badnames.test"),
                 ("badnames-ta.test", "tlsa-name-mismatch", "mx.badnames-ta.test")]
                + [("mx-odd-bytes.test", "mx-invalid-name", f"{label}.mx-odd-bytes.test")
                   for label in ("nul\\000byte", "new\\010line", "sp\\032ace", "\\027[31mred")])
# Header fields the alert mail may carry: danemon's own and what postfix adds on delivery.
ALLOWED_HEADERS = {"return-path", "x-original-to", "delivered-to", "received", "from", "to",
                   "subject", "date", "message-id", "auto-submitted", "mime-version",
                   "content-type", "content-transfer-encoding", "x-danemon-event"}
# Runs the daemon with a private /dev whose log is $1 (the test's socket); $2... = command.
PRIVATE_DEV_LOG = r"""
set -e
sock=$1; shift
orig=$(mktemp -d)
mount --bind /dev "$orig"
mount -t tmpfs -o mode=755,size=1m danemon-test-dev /dev
for n in null zero full random urandom; do touch /dev/$n; mount --bind "$orig/$n" /dev/$n; done
ln -s /proc/self/fd /dev/fd
touch /dev/log
mount --bind "$sock" /dev/log
if [ -d /run/systemd/journal ]; then mount -t tmpfs danemon-test-journal /run/systemd/journal; fi
exec "$@"
"""

HOOK = r"""#!/usr/bin/python3
# Records how it was called: argv, the environment it got from execve, stdin.
import json, sys
environ = open("/proc/self/environ", "rb").read().split(b"\0")
record = {"argv": sys.argv, "env": [e.decode(errors="replace") for e in environ if e],
          "stdin": sys.stdin.buffer.read().decode("latin-1")}
with open(sys.argv[0] + ".log", "a") as f:
    f.write(json.dumps(record) + "\n")
"""


def mbox_messages(text, recipient):
    """The messages of an mbox addressed to RECIPIENT, as lists of lines."""
    messages = [m for m in re.split(r"^From .*\n", text, flags=re.M) if m.strip()]
    return [m.split("\n") for m in messages
            if re.search(rf"^To: .*{re.escape(recipient)}", m, re.M)]


def check_mail(lines):
    """Every header line well-formed, only known fields, no line that a name injected."""
    end = lines.index("")
    names = []
    for line in lines[:end]:
        if line[:1] in (" ", "\t"):
            expect(names and names[-1] == "received", f"a continuation line outside Received: {line!r}")
            continue
        m = re.match(r"^([!-9;-~]+): ", line)
        expect(m, f"malformed header line {line!r}")
        names.append(m.group(1).lower())
    expect(set(names) <= ALLOWED_HEADERS, f"unexpected header fields {set(names) - ALLOWED_HEADERS}")
    for field in ("from", "to", "subject", "x-danemon-event", "auto-submitted"):
        expect(names.count(field) == 1, f"{field} appears {names.count(field)} times")
    for i, line in enumerate(lines):
        text = line[1:] if i < end and line[:1] == "\t" else line  # a folded Received line
        expect(all(0x20 <= ord(c) < 0x7F for c in text), f"a raw control byte in {line!r}")
        expect(not re.match(r"\s*(X-Injected|Bcc):", line), f"an injected line {line!r}")
    return [l for l in lines[:end] if l.startswith("Subject: ")][0][len("Subject: "):]


def main():
    args = lab_script_arguments()
    lab = lab_tool(args)
    env = lab_env(lab)
    tmp = tempfile.mkdtemp(prefix="danemon-hostile-alerts-")
    os.chmod(tmp, 0o755)
    for path in PWNED_FILES:
        if os.path.exists(path):
            os.unlink(path)
    hook = os.path.join(tmp, "hook.py")
    with open(hook, "w") as f:
        f.write(HOOK)
    os.chmod(hook, 0o755)
    recipient = f"hostile-{os.getpid()}@{env['LAB_MAIL_DOMAIN']}"
    config = os.path.join(tmp, "danemon.yaml")
    with open(config, "w") as f:
        f.write(f"""domains: [{', '.join(DOMAINS)}]
interval: 1h
jitter: 0s
timeout: 5s
resolver: {env['LAB_RESOLVER']}
state_directory: {tmp}/state
alerts:
  syslog:
    identity: danemon-hostile
  email:
    enabled: true
    to: [{recipient}]
    from: danemon@lab.test
    server: {env['LAB_MAIL_SERVER']}
    min_severity: critical
  exec:
    enabled: true
    command: [{hook}, "--fixed-argument", "$(touch /tmp/danemon-pwned-cn)"]
    timeout: 10s
""")
    syslog = DatagramListener(os.path.join(tmp, "log.sock"))
    log = os.path.join(tmp, "daemon.log")
    logfile = open(log, "w")
    start = time.monotonic()
    daemon = subprocess.Popen(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", PRIVATE_DEV_LOG, "sh",
         syslog.path, args.danemon, "daemon", "--config", config],
        stdout=logfile, stderr=logfile, stdin=subprocess.DEVNULL)

    def mails():
        found = mbox_messages(lab("mailbox"), recipient)
        return found if len(found) >= len(EVENTS) else None

    def hook_calls():
        try:
            calls = [json.loads(l) for l in open(hook + ".log")]
        except FileNotFoundError:
            return None
        return calls if len(calls) >= len(EVENTS) else None

    def alert_lines():
        lines = [m for m in syslog.raw if b"alert event=" in m]
        return lines if len(lines) >= len(EVENTS) else None

    try:
        wait_for("the first cycle", lambda: "cycle done" in open(log).read(), timeout=30)
        messages = wait_for("every alert mail", mails, timeout=30)
        calls = wait_for("every exec hook call", hook_calls, timeout=30)
        lines = wait_for("every syslog alert line", alert_lines, timeout=30)
        elapsed = time.monotonic() - start
        time.sleep(1)  # nothing more may come
        expect(elapsed < 20, f"the cycle and its alerts took {elapsed:.1f} s (bound 20 s)")

        # Mail: one per problem, headers intact.
        messages = mbox_messages(lab("mailbox"), recipient)
        subjects = sorted(check_mail(m) for m in messages)
        want = sorted(f"[danemon] CRITICAL {d}: {c} {mx}" for d, c, mx in EVENTS)
        expect(subjects == want, f"mail subjects {subjects}, expected {want}")
        body = "\n".join(line for m in messages for line in m)
        expect("touch /tmp/danemon-pwned-1" in body, "the certificate's names are not in the mail")

        # Exec: the configured argv, only PATH, the event as one JSON line on stdin.
        calls = [json.loads(l) for l in open(hook + ".log")]
        expect(len(calls) == len(EVENTS), f"{len(calls)} hook calls, expected {len(EVENTS)}")
        codes = []
        for call in calls:
            expect(call["argv"] == [hook, "--fixed-argument", "$(touch /tmp/danemon-pwned-cn)"],
                   f"the hook's argv is {call['argv']}")
            expect([e.split("=")[0] for e in call["env"]] == ["PATH"], f"environment {call['env']}")
            expect(call["stdin"].endswith("\n") and call["stdin"].count("\n") == 1,
                   f"stdin is not one line: {call['stdin']!r}")
            expect(all(0x20 <= ord(c) < 0x7F for c in call["stdin"][:-1]),
                   f"raw bytes in the hook's input {call['stdin']!r}")
            event = json.loads(call["stdin"])
            expect(json.loads(json.dumps(event)) == event, "the event does not round-trip")
            codes.append(event["code"])
            if event["code"] == "tlsa-name-mismatch":
                expect("$(touch /tmp/danemon-pwned-1).test" in event["message"],
                       f"the names are not in the event: {event['message']}")
        expect(sorted(codes) == sorted(c for _, c, _ in EVENTS), f"hook events {codes}")
        pwned = [p for p in PWNED_FILES if os.path.exists(p)]
        expect(not pwned, f"a shell interpreted a hostile name: {pwned} exist")

        # Syslog: one datagram, one line, printable, per event.
        lines = [m for m in syslog.raw if b"alert event=" in m]
        expect(len(lines) == len(EVENTS),
               f"{len(lines)} syslog alert lines, expected {len(EVENTS)}: {lines}")
        for line in lines:
            expect(all(0x20 <= b < 0x7F for b in line),
                   f"a control or non-ASCII byte in the syslog line {line!r}")
        expect(sum(b"code=tlsa-name-mismatch" in l for l in lines) == 1, "no name-mismatch line")

        # danemon status over the state the cycle stored: the same names, escaped as in the
        # reports, valid JSON, nothing raw on the terminal.
        for extra in ((), ("--json",)):
            status = subprocess.run([args.danemon, "status", "--state-dir", f"{tmp}/state", *extra],
                                    capture_output=True, timeout=30)
            expect(status.returncode == 2, f"status {extra} exit {status.returncode}: "
                                           f"{status.stderr!r}")
            for stream, what in ((status.stdout, "status output"), (status.stderr, "stderr")):
                bad = sorted({b for b in stream if not (0x20 <= b < 0x7F or b == 0x0A)})
                expect(not bad, f"status {extra}: {what} holds raw bytes {[hex(b) for b in bad]}")
            out = status.stdout.decode()
            shown = out
            if extra:
                doc = json.loads(out)
                shown = "\n".join(p["message"] + " " + p["mx"] for d in doc["domains"]
                                  for p in d["problems"])
            expect(printable(HOSTILE_DNS_NAMES[3]) in shown and "nul\\000byte" in shown
                   and printable(HOSTILE_DNS_NAMES[1]) in shown,
                   f"status {extra} does not show the escaped names:\n{out}")
            if extra:
                expect(json.loads(json.dumps(doc)) == doc and doc["status"] == "critical",
                       "status --json does not round-trip")
                expect(sorted(d["domain"] for d in doc["domains"]) == sorted(DOMAINS),
                       f"status --json domains {[d['domain'] for d in doc['domains']]}")
            else:
                expect(not re.search(r"^\s*(X-Injected|Bcc):", out, re.M),
                       "a name broke out of its line in status")
    except Failure as f:
        print("FAILED: " + str(f))
        print(open(log).read()[-4000:])
        return 1
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(10)
        syslog.close()
        logfile.close()
    print(f"passed ({elapsed:.1f} s to the last alert)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
