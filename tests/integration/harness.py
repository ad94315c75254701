"""What the integration scripts share: their command line and lab.py on the test's run dir,
failures as values of one kind, bounded waiting, throw-away certificates made with the
openssl tool, a Unix datagram listener (syslog, sd_notify), the daemon as a child process,
and the hostile names the lab's bad-names listener serves."""
import argparse
import os
import re
import signal
import socket
import sys
import subprocess
import threading
import time

# The DNS names of the lab's bad-names leaf (tests/lab/hostile_tls.cpp, hostile_dns_names),
# in order; a shell that interpreted one would create a /tmp/danemon-pwned-* file.
HOSTILE_DNS_NAMES = [
    b"mx.evil.test\r\nX-Injected: san",
    b"\x1b[2J\x1b[31mred.test\x1b]0;title\x07",
    b"nul\x00.test",
    b"$(touch /tmp/danemon-pwned-1).test",
    b"`touch /tmp/danemon-pwned-2`.test",
    b"a;touch /tmp/danemon-pwned-3|cat'\"\\.test",
    b"\xff\xfe\xc3.utf8.test",
    b"line\nBcc: victim@alerts.test",
]
PWNED_FILES = ["/tmp/danemon-pwned-" + s for s in ("cn", "bt", "1", "2", "3")]


def lab_script_arguments(*positional):
    """What CMake passes every lab script: --danemon, --lab, --run-dir, then POSITIONAL."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--danemon", required=True)
    ap.add_argument("--lab", required=True)
    ap.add_argument("--run-dir", required=True)
    for name in positional:
        ap.add_argument(name)
    return ap.parse_args()


def lab_tool(args):
    """lab.py on the test's run dir: lab_tool(args)("mailbox") returns what it printed."""
    def lab(*words):
        return subprocess.run([sys.executable, args.lab, *words, "--run-dir", args.run_dir],
                              check=True, capture_output=True, text=True, timeout=60).stdout
    return lab


def lab_env(lab):
    """`lab.py env` as a dict: LAB_RESOLVER, LAB_AUTH, LAB_MAIL_SERVER, ..."""
    return dict(re.findall(r"^(\w+)=(.*)$", lab("env"), re.M))


def with_resolv_conf(nameserver, tmp, options=""):
    """The command prefix that runs a program with a private /etc/resolv.conf naming
    NAMESERVER (and an `options` line, when given): a mount namespace of its own, where a
    file of TMP is bound over it."""
    conf = os.path.join(tmp, "resolv.conf")
    with open(conf, "w") as f:
        f.write(f"# the test's own\nnameserver {nameserver}\n"
                + (f"options {options}\n" if options else ""))
    return ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"',
            conf]


def printable(data: bytes) -> str:
    """What danemon's reports make of bytes from the network: printable ASCII, else \\xNN."""
    return "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in data)


class Failure(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise Failure(message)


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise Failure(f"timed out after {timeout} s waiting for {what}")


def self_signed_cert(path, host, key_file=None):
    """A certificate for HOST at PATH: for KEY_FILE when given (DANE-EE: the key is what
    counts), else for a new P-256 key that is thrown away."""
    key = ["-key", key_file] if key_file else [
        "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", os.devnull]
    subprocess.run(["openssl", "req", "-new", "-x509", *key, "-subj", "/CN=" + host,
                    "-addext", "subjectAltName=DNS:" + host, "-days", "30", "-out", path],
                   check=True, capture_output=True, timeout=30)
    return path


class DatagramListener:
    """Collects the datagrams sent to a Unix socket at PATH, on a thread of its own: the
    syslog(3) socket /dev/log, or systemd's side of sd_notify (NOTIFY_SOCKET). With
    only_if_free, nothing is bound when PATH exists (a running syslog owns it). `raw` keeps
    the bytes as received, `messages` the same decoded."""

    def __init__(self, path, only_if_free=False):
        self.path = path
        self.messages = []
        self.raw = []
        self.stamped = []  # (time.monotonic() at arrival, message)
        self.sock = None
        if only_if_free and os.path.exists(path):
            return
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            self.raw.append(data)
            self.messages.append(data.decode(errors="replace"))
            self.stamped.append((time.monotonic(), self.messages[-1]))

    def seen(self, text):
        return [m for m in self.messages if text in m]

    def largest_gap(self, text, start, end):
        """The longest time between messages holding TEXT (and from START and to END, both
        time.monotonic() values): how long systemd would have waited for one."""
        times = [start] + [t for t, m in list(self.stamped) if text in m and start <= t <= end] + [end]
        return max(b - a for a, b in zip(times, times[1:]))

    def close(self):
        if self.sock:
            self.stop = True
            self.thread.join()
            self.sock.close()
            os.unlink(self.path)


class Daemon:
    """`danemon daemon --config CONFIG` as systemd would run it (NOTIFY_SOCKET, a 2 s
    watchdog), its output appended to LOG; stopped by its PID."""

    def __init__(self, danemon, config, log, notify_socket, env=None):
        self.danemon, self.config, self.log = danemon, config, log
        self.env = dict(os.environ if env is None else env, NOTIFY_SOCKET=notify_socket,
                        WATCHDOG_USEC="2000000")
        self.proc = None

    def start(self, prefix=()):
        self.logfile = open(self.log, "a")
        self.proc = subprocess.Popen([*prefix, self.danemon, "daemon", "--config", self.config],
                                     stdout=self.logfile, stderr=self.logfile, env=self.env)

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def text(self):
        return open(self.log).read()

    def cycles(self):
        return self.text().count("cycle done")

    def run_cycle(self, timeout=30):
        before = self.cycles()
        self.signal(signal.SIGUSR1)
        wait_for("a cycle", lambda: self.cycles() > before, timeout=timeout)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class MailSink:
    """A mail server on 127.0.0.1 (an ephemeral port) for the daemon's alert mail, in a
    thread of this test: it accepts every message and keeps it (`messages`: the message
    texts as received), and can be slow where real servers are: `data_delay` seconds
    before its 250 to the final dot, `quit_delay` before its 221 to QUIT. `state` says
    where it is ("idle", "data-wait", "quit-wait"). Every connection is closed after 60 s."""

    def __init__(self, data_delay=0.0, quit_delay=0.0):
        self.data_delay, self.quit_delay = data_delay, quit_delay
        self.messages = []
        self.state = "idle"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            try:
                self.session(conn)
            except OSError:
                pass
            finally:
                self.state = "idle"
                conn.close()

    def session(self, conn):
        conn.settimeout(60)
        reader = conn.makefile("rb")
        conn.sendall(b"220 sink.test ESMTP\r\n")
        while True:
            line = reader.readline()
            if not line:
                return
            word = line[:4].upper()
            if word == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                body = []
                while True:
                    data = reader.readline()
                    if not data:
                        return
                    if data in (b".\r\n", b".\n"):
                        break
                    body.append(data)
                self.messages.append(b"".join(body).decode(errors="replace"))
                self.state = "data-wait"
                time.sleep(self.data_delay)
                conn.sendall(b"250 queued\r\n")
                self.state = "idle"
            elif word == b"QUIT":
                self.state = "quit-wait"
                time.sleep(self.quit_delay)
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")

    def message_ids(self):
        return [re.search(r"^Message-ID: (.*?)\r?$", m, re.M).group(1) for m in self.messages]

    def subjects(self):
        return [re.search(r"^Subject: (.*?)\r?$", m, re.M).group(1) for m in self.messages]

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


class TcpForwarder:
    """A listener that relays each connection to TARGET (host, port), in threads of this
    test: the lab's real postfix seen on another port, which the test can stop (connections
    refused, open ones closed) and start again, like an MTA restarting. Each relayed
    connection is closed after 60 s."""

    def __init__(self, listen, target):
        self.listen, self.target = listen, target
        self.sock, self.connections = None, []
        self.lock = threading.Lock()

    def start(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(self.listen)
        sock.listen(16)
        sock.settimeout(0.2)
        self.sock = sock
        threading.Thread(target=self.accept, args=(sock,), daemon=True).start()

    def accept(self, sock):
        while self.sock is sock:
            try:
                client, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, server]
            deadline = time.monotonic() + 60
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(a, b, deadline), daemon=True).start()

    @staticmethod
    def pump(source, sink, deadline):
        try:
            while time.monotonic() < deadline:
                source.settimeout(max(0.1, deadline - time.monotonic()))
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        sock, self.sock = self.sock, None
        if sock:
            sock.close()
        with self.lock:
            for s in self.connections:
                s.close()
            self.connections = []
