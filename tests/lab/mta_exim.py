"""Run Debian's Exim (exim4-daemon-light, GnuTLS) as a throwaway STARTTLS server.

The binary comes from .debs unpacked with ``dpkg-deb -x`` (the packages cannot
be installed next to postfix).  Everything the daemon touches lives under a
run directory: config, spool, logs, pid file, TLS files.  The daemon accepts
no mail (every RCPT is denied) and needs no DNS.

Typical use (as root)::

    unpack(debs, root)
    conf = write_config(root, run, address="127.0.25.18", hostname="mx.exim-ta.test",
                        certs=[(chain_pem, key_pem)], tls="modern")
    pid = start(root, run, conf)
    ...
    stop(pid)

Why the daemon runs inside a private mount namespace: Debian builds Exim with
``EXIM_USER=ref:Debian-exim`` and the binary looks that user and group up
before it reads any configuration ("failed to find uid for user name").  The
account is created by exim4-base's postinst, which is not run here.  When the
host has no such account, Exim runs under ``unshare --mount`` with copies of
/etc/passwd and /etc/group that add ``Debian-exim`` (uid/gid of nobody)
bind-mounted over the originals in that namespace only.  The configuration
then sets ``exim_user = nobody`` / ``exim_group = nogroup`` explicitly.

The daemon runs in the foreground (``-bdf``) under coreutils ``timeout``, so
it is bounded in time even if the caller dies; the pid returned by
:func:`start` is the Exim daemon itself.

A root caller's ``-C`` file is trusted, so the daemon keeps root long enough to
bind port 25 and then drops to nobody.  /etc/exim4/trusted_configs only
matters when the unprivileged daemon re-executes itself (SIGHUP); that is not
supported here: restart with :func:`stop` and :func:`start` instead.
"""

from __future__ import annotations

import grp
import ipaddress
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

__all__ = [
    "TLS_PRIORITIES",
    "unpack",
    "write_config",
    "start",
    "stop",
    "read_greeting",
    "exim_version",
]

EXIM_BIN = Path("usr/sbin/exim4")
"""Location of the daemon binary inside the unpacked root."""

COMPILED_USER = "Debian-exim"
"""User name compiled into Debian's binary; must resolve via NSS at startup."""

RUN_USER = "nobody"
RUN_GROUP = "nogroup"
SMTP_PORT = 25

TLS_PRIORITIES: dict[str, str | None] = {
    "modern": "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
    "tls12": "NORMAL:-VERS-ALL:+VERS-TLS1.2",
    "default": None,  # GnuTLS library defaults, no tls_require_ciphers line
}
"""Values of ``tls=`` for :func:`write_config` -> GnuTLS priority string."""

PACKAGES = ("exim4-daemon-light", "exim4-base")
"""Packages :func:`unpack` extracts; only exim4-daemon-light is needed to run."""

# Characters that are safe inside an Exim option value without quoting:
# no list separator (:), no expansion ($ \), no whitespace.
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/+@-]*$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_SAFE_HOSTNAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_LISTEN_LINE = re.compile(r"^local_interfaces = <; (\S+)\.(\d+)$", re.M)


@dataclass
class _Running:
    wrapper: subprocess.Popen[bytes]
    pid_file: Path


# Daemons started by this process, keyed by the exim daemon's pid.
_RUNNING: dict[int, _Running] = {}


# --------------------------------------------------------------------------
# unpack

def unpack(debs_dir: Path, root: Path) -> None:
    """Extract the Exim .debs found in ``debs_dir`` into ``root``.

    Idempotent: a stamp file records which .deb files were extracted; when
    the same set is present again, nothing is done.
    """
    debs_dir, root = Path(debs_dir), Path(root)
    debs = sorted(
        p for p in debs_dir.glob("*.deb")
        if p.name.split("_", 1)[0] in PACKAGES
    )
    if not any(p.name.startswith("exim4-daemon-light_") for p in debs):
        raise FileNotFoundError(f"no exim4-daemon-light_*.deb in {debs_dir}")
    want = "".join(f"{p.name} {p.stat().st_size}\n" for p in debs)
    stamp = root / ".mta-exim-unpacked"
    if stamp.is_file() and stamp.read_text() == want and (root / EXIM_BIN).is_file():
        return
    root.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True,
                       timeout=120)
    if not (root / EXIM_BIN).is_file():
        raise RuntimeError(f"{root / EXIM_BIN} missing after unpacking")
    stamp.write_text(want)


# --------------------------------------------------------------------------
# configuration

def _safe_path(p: Path, what: str) -> str:
    s = str(p)
    if not _SAFE_PATH.match(s):
        raise ValueError(f"{what} {s!r}: must be absolute and contain only "
                         "letters, digits and . _ / + @ -")
    return s


def _check_traversable(path: Path) -> None:
    """Raise if the unprivileged daemon could not reach ``path``."""
    for parent in [path, *path.parents]:
        if not parent.stat().st_mode & 0o001:
            raise PermissionError(
                f"{parent} is not searchable by others; Exim runs as "
                f"{RUN_USER} and must reach {path} (chmod o+x {parent})")


def write_config(root: Path, run_dir: Path, *, address: str, hostname: str,
                 certs: list[tuple[Path, Path]], tls: str = "modern") -> Path:
    """Prepare ``run_dir`` and write the Exim configuration; return its path.

    ``address``: IPv4 loopback address to listen on (port 25 only).
    ``hostname``: primary_hostname, shown in the 220 greeting and EHLO reply.
    ``certs``: (chain_file, key_file) pairs; each chain is leaf first, then
    intermediates (and optionally the root).  Several pairs (e.g. ECDSA and
    RSA) are offered together and GnuTLS picks one per client.  The files are
    copied into ``run_dir/tls`` so the key is readable by the daemon's user.
    ``tls``: a key of :data:`TLS_PRIORITIES`.
    """
    root = Path(root).resolve()
    run_dir = Path(run_dir).resolve()
    ip = ipaddress.ip_address(address)
    if ip.version != 4 or not ip.is_loopback:
        raise ValueError(f"{address}: only IPv4 loopback (127.0.0.0/8) is allowed")
    if not _SAFE_HOSTNAME.match(hostname):
        raise ValueError(f"bad hostname {hostname!r}")
    if tls not in TLS_PRIORITIES:
        raise ValueError(f"tls={tls!r}: choose one of {sorted(TLS_PRIORITIES)}")
    if not certs:
        raise ValueError("at least one (chain_file, key_file) pair is needed")
    exim = _safe_path(root / EXIM_BIN, "exim binary")
    _safe_path(run_dir, "run_dir")

    uid = pwd.getpwnam(RUN_USER).pw_uid
    gid = grp.getgrnam(RUN_GROUP).gr_gid

    # Every ancestor must be searchable by nobody: check before creating.
    _check_traversable(next(p for p in run_dir.parents if p.exists()))
    run_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(run_dir, 0o755)
    _check_traversable(run_dir)
    for sub in ("spool", "log"):
        d = run_dir / sub
        d.mkdir(exist_ok=True)
        os.chown(d, uid, gid)
        os.chmod(d, 0o750)
    tls_dir = run_dir / "tls"
    if tls_dir.exists():
        shutil.rmtree(tls_dir)
    tls_dir.mkdir()
    os.chown(tls_dir, 0, gid)
    os.chmod(tls_dir, 0o750)

    cert_files: list[str] = []
    key_files: list[str] = []
    for i, (chain, key) in enumerate(certs):
        c, k = tls_dir / f"chain{i}.pem", tls_dir / f"key{i}.pem"
        shutil.copyfile(chain, c)
        shutil.copyfile(key, k)
        os.chown(c, 0, gid)
        os.chown(k, 0, gid)
        os.chmod(c, 0o644)
        os.chmod(k, 0o640)
        cert_files.append(str(c))
        key_files.append(str(k))

    priority = TLS_PRIORITIES[tls]
    lines = [
        "# Generated by mta_exim.py: lab-only STARTTLS endpoint, accepts no mail.",
        f"primary_hostname = {hostname}",
        f"exim_path = {exim}",
        f"exim_user = {RUN_USER}",
        f"exim_group = {RUN_GROUP}",
        "keep_environment =",
        "",
        f"local_interfaces = <; {address}.{SMTP_PORT}",
        f"daemon_smtp_ports = {SMTP_PORT}",
        "daemon_startup_retries = 0",
        "disable_ipv6 = true",
        f"spool_directory = {run_dir}/spool",
        f"log_file_path = {run_dir}/log/%slog",
        f"pid_file_path = {run_dir}/exim.pid",
        "log_selector = +incoming_interface +tls_sni",
        "",
        "# no DNS, no ident, nothing queued for delivery",
        "host_lookup =",
        "helo_lookup_domains =",
        "rfc1413_hosts =",
        "rfc1413_query_timeout = 0s",
        "dns_dnssec_ok = 0",
        "queue_only = true",
        "message_logs = false",
        "smtp_receive_timeout = 30s",
        "",
        "tls_advertise_hosts = *",
        "tls_certificate = " + " : ".join(cert_files),
        "tls_privatekey = " + " : ".join(key_files),
    ]
    if priority is not None:
        lines.append(f"tls_require_ciphers = {priority}")
    lines += [
        "acl_smtp_rcpt = acl_deny_rcpt",
        "",
        "begin acl",
        "acl_deny_rcpt:",
        "  deny message = this lab server accepts no mail",
        "",
        "begin routers",
        "# none: nothing is ever delivered",
        "",
    ]
    conf = run_dir / "exim.conf"
    conf.write_text("\n".join(lines))
    # Exim refuses a -C file that is not root-owned or is group/world writable.
    os.chown(conf, 0, 0)
    os.chmod(conf, 0o644)
    return conf


def _listen_address(conf: Path) -> tuple[str, int]:
    m = _LISTEN_LINE.search(Path(conf).read_text())
    if not m:
        raise ValueError(f"{conf}: no 'local_interfaces = <; ADDR.PORT' line")
    return m.group(1), int(m.group(2))


# --------------------------------------------------------------------------
# start / stop

def _known(lookup: Callable[[str], object], name: str) -> bool:
    try:
        lookup(name)
    except KeyError:
        return False
    return True


def _launcher(root: Path, run_dir: Path, conf: Path, args: list[str]) -> list[str]:
    """argv running ``exim -C conf ARGS`` with Debian-exim resolvable.

    If the host lacks the Debian-exim user or group, the command runs in a
    private mount namespace where copies of /etc/passwd and /etc/group with
    the missing entries (uid/gid of nobody) are bind-mounted over the
    originals.  ``unshare`` and ``sh`` exec, so the pid stays Exim's.
    """
    exim = str(Path(root).resolve() / EXIM_BIN)
    cmd = [exim, "-C", str(conf), *args]
    nobody = pwd.getpwnam(RUN_USER)
    missing = {}
    if not _known(pwd.getpwnam, COMPILED_USER):
        missing["passwd"] = (f"{COMPILED_USER}:x:{nobody.pw_uid}:{nobody.pw_gid}:"
                             "Exim (lab mount namespace):/nonexistent:"
                             "/usr/sbin/nologin\n")
    if not _known(grp.getgrnam, COMPILED_USER):
        missing["group"] = f"{COMPILED_USER}:x:{nobody.pw_gid}:\n"
    if not missing:
        return cmd  # real accounts exist (exim4-base installed, or made by hand)
    etc = Path(run_dir) / "etc"
    etc.mkdir(exist_ok=True)
    script = []
    for i, (name, line) in enumerate(missing.items(), start=1):
        text = Path("/etc", name).read_text()
        if text and not text.endswith("\n"):
            text += "\n"
        (etc / name).write_text(text + line)
        os.chmod(etc / name, 0o644)
        script.append(f'mount --bind "${i}" /etc/{name}')
    script.append(f'shift {len(missing)} && exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", " && ".join(script), "sh",
            *(str(etc / name) for name in missing), *cmd]


def _smtp_reply(f: BinaryIO) -> str:
    """Read one (possibly multi-line) SMTP reply from a binary file object."""
    lines = []
    while True:
        raw = f.readline(1024)
        if not raw:
            raise ConnectionError("connection closed: " + " | ".join(lines))
        line = raw.decode("ascii", "replace").rstrip("\r\n")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return "\n".join(lines)


def read_greeting(address: str, port: int = SMTP_PORT, timeout: float = 3.0,
                  *, starttls: bool = False) -> str:
    """Connect, read the 220 greeting and return it; then QUIT.

    The client socket is bound to ``address`` too, so the probe never uses
    another source address.  With ``starttls=True`` it also sends EHLO and
    STARTTLS and completes a TLS handshake (no certificate checks), raising
    if the server refuses (e.g. "454 TLS currently unavailable" when the
    key or certificate cannot be loaded).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.bind((address, 0))
        s.connect((address, port))
        f = s.makefile("rb")
        greeting = _smtp_reply(f)
        if not greeting.startswith("220"):
            raise ConnectionError(f"unexpected greeting {greeting!r}")
        if starttls:
            s.sendall(b"EHLO probe.invalid\r\n")
            ehlo = _smtp_reply(f)
            if "STARTTLS" not in ehlo.upper():
                raise ConnectionError(f"STARTTLS not offered: {ehlo!r}")
            s.sendall(b"STARTTLS\r\n")
            reply = _smtp_reply(f)
            if not reply.startswith("220"):
                raise ConnectionError(f"STARTTLS refused: {reply!r}")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with ctx.wrap_socket(s, server_hostname=None) as tls:
                tls.sendall(b"QUIT\r\n")
                try:
                    tls.recv(1024)
                except OSError:
                    pass
            return greeting.splitlines()[0]
        try:
            s.sendall(b"QUIT\r\n")
            s.recv(1024)
        except OSError:
            pass
        return greeting.splitlines()[0]


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _diagnostics(run_dir: Path) -> str:
    out = []
    for f in (run_dir / "exim.stderr", run_dir / "log" / "paniclog",
              run_dir / "log" / "mainlog"):
        if f.is_file():
            tail = f.read_text(errors="replace").strip().splitlines()[-8:]
            if tail:
                out.append(f"--- {f}\n" + "\n".join(tail))
    return "\n".join(out) or "(no output)"


def start(root: Path, run_dir: Path, conf: Path, *, lifetime: float = 1800.0,
          startup_timeout: float = 15.0, check_tls: bool = True) -> int:
    """Start ``exim -bdf -C conf``; return the daemon's pid once it greets.

    Ready means: pid file written, 220 greeting read and, with ``check_tls``
    (default), a STARTTLS handshake completed.  Pass ``check_tls=False`` to
    start a server whose TLS material is broken on purpose.

    The daemon runs in the foreground under ``timeout`` so that it dies after
    ``lifetime`` seconds even if the caller never calls :func:`stop`.  The
    returned pid is the Exim daemon itself (also in its pid file); signalling
    it stops everything, the ``timeout`` wrapper exits with it.
    """
    root, run_dir, conf = Path(root).resolve(), Path(run_dir).resolve(), Path(conf)
    address, port = _listen_address(conf)
    try:
        read_greeting(address, port, timeout=1.0)
    except OSError:
        pass
    else:
        raise RuntimeError(f"something already listens on {address}:{port}")

    pid_file = run_dir / "exim.pid"
    pid_file.unlink(missing_ok=True)
    argv = ["timeout", "--kill-after=5", f"{lifetime:g}",
            *_launcher(root, run_dir, conf, ["-bdf"])]
    with open(run_dir / "exim.stderr", "wb") as err:
        wrapper = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err,
                                   stderr=subprocess.STDOUT, close_fds=True,
                                   start_new_session=True)
    deadline = time.monotonic() + startup_timeout
    pid = 0
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if wrapper.poll() is not None:
            break
        if not pid:
            try:
                pid = int(pid_file.read_text().strip())
            except (FileNotFoundError, ValueError):
                pass
        if pid:
            try:
                read_greeting(address, port, timeout=2.0, starttls=check_tls)
            except OSError as e:  # includes ssl.SSLError
                last_error = e
                if isinstance(e, ConnectionError) and "STARTTLS" in str(e):
                    break  # the daemon answered; its TLS setup is broken
            else:
                _RUNNING[pid] = _Running(wrapper, pid_file)
                return pid
        time.sleep(0.05)
    exited = wrapper.poll()
    _kill_wrapper(wrapper)
    if exited is not None:
        why = f"exited with status {exited}"
    else:
        why = f"did not become ready (limit {startup_timeout:g}s): {last_error}"
    raise RuntimeError(f"exim on {address}:{port} {why}\n{_diagnostics(run_dir)}")


def _kill_wrapper(wrapper: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Stop the ``timeout`` wrapper's whole process group, bounded."""
    if wrapper.returncode is not None:
        return  # already reaped: its pid (= pgid) may belong to someone else
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(wrapper.pid, sig)
        except ProcessLookupError:
            pass
        try:
            wrapper.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _is_exim(pid: int) -> bool:
    """True if ``pid`` is a live process running an exim4 binary."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return os.path.basename(argv0) == b"exim4" and _alive(pid)


def stop(pid: int, *, grace: float = 5.0) -> None:
    """Stop the daemon ``pid``: SIGTERM, then SIGKILL after ``grace`` seconds.

    Connection handlers it forked and the ``timeout`` wrapper (when started by
    this process) are ended too, and the pid file is removed.  A pid that no
    longer runs exim4 (already gone, e.g. after its lifetime) is left alone.
    """
    running = _RUNNING.pop(pid, None)
    ours = running is None or running.wrapper.poll() is None
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not (ours and _is_exim(pid)):
            break
        os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    if running is not None:
        # Leftover per-connection children share the wrapper's process group.
        _kill_wrapper(running.wrapper, grace)
        running.pid_file.unlink(missing_ok=True)
    if ours and _is_exim(pid):
        raise RuntimeError(f"exim pid {pid} survived SIGKILL")


def exim_version(root: Path, run_dir: Path, conf: Path) -> str:
    """Return ``exim -bV`` for this configuration, with library versions.

    Uses ``-d -bV`` (the library block is only printed with debugging on) and
    drops the debug preamble.
    """
    argv = ["timeout", "10", *_launcher(Path(root), Path(run_dir).resolve(),
                                        Path(conf), ["-d", "-bV"])]
    res = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=15)
    if res.returncode != 0:
        raise RuntimeError(f"exim -bV failed: {res.stdout}")
    out = res.stdout
    m = re.search(r"^Exim version \S+ #.*$", out, re.M)
    return out[m.start():] if m else out
