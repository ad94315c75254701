"""Run Debian's sendmail 8.17 as a throw-away STARTTLS test server.

sendmail-bin conflicts with the postfix package installed on the lab
machine, so nothing is installed: the .debs are unpacked into a private
ROOT and the daemon runs from there.  Every file it writes lives in a
RUN directory; the host's /etc/mail, /var/spool/mqueue and /etc/aliases
are never read or written.

Typical use::

    unpack(debs, root)
    cf = write_config(root, run, address="127.0.25.14", hostname="mx.sendmail-stale.test",
                      chain_file=chain, key_file=key, tls="modern")
    pid = start(root, run, cf)
    ...
    stop(pid)

The daemon is started inside a private mount namespace (``unshare -m``)
in which
  * /etc/nsswitch.conf, /etc/hosts and /etc/resolv.conf are files from RUN,
    so glibc never sends a DNS query (sendmail resolves its own name and
    the PTR of every client through libc, whatever the .cf says);
  * OpenSSL's default openssl.cnf is a neutral one, so sendmail.cf alone
    sets the TLS policy;
  * /dev/log is a socket of a small supervisor that writes sendmail's
    syslog lines to RUN/sendmail.log.
The whole process tree is bounded by timeout(1).  Needs root.

Running this file as a script is internal (the supervisor); import it.
"""

from __future__ import annotations

import ctypes
import grp
import ipaddress
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = [
    "REQUIRED_PACKAGES",
    "OPTIONAL_PACKAGES",
    "unpack",
    "sendmail_binary",
    "sendmail_version",
    "write_config",
    "start",
    "stop",
    "read_greeting",
    "smtp_probe",
]

#: Packages that must be present in debs_dir.
REQUIRED_PACKAGES = ("sendmail-bin", "sendmail-cf")
#: Unpacked when present; otherwise the host copy is used (libwrap0 and m4
#: are not installed on a stock Debian 12, sendmail-base only gives the
#: SMTP HELP text).
OPTIONAL_PACKAGES = ("sendmail-base", "libwrap0", "m4")

_LIBDIR = "usr/lib/x86_64-linux-gnu"
_SENDMAIL = "usr/libexec/sendmail/sendmail"
_CF_DIR = "usr/share/sendmail/cf"
_STAMP = ".mta-sendmail-unpacked"

# Characters allowed in any path that goes into the .mc/.cf: sendmail splits
# some options at blanks and commas, and m4 quoting breaks on ` and '.
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/+-]+$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)

_TLS_SETTINGS = {
    # ServerSSLOptions adds to sendmail's built-in defaults; CipherList None
    # keeps OpenSSL's default list (Debian 12: security level 2).
    "modern": (
        "+SSL_OP_NO_SSLv2 +SSL_OP_NO_SSLv3 +SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1",
        None,
    ),
    # OpenSSL 3 refuses TLS < 1.2 above security level 0 (SHA-1/MD5
    # handshake signatures), hence @SECLEVEL=0.
    "legacy": (
        "+SSL_OP_NO_SSLv2 +SSL_OP_NO_SSLv3 +SSL_OP_NO_TLSv1_2 +SSL_OP_NO_TLSv1_3",
        "DEFAULT:@SECLEVEL=0",
    ),
}

_PEM_CERT = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----", re.S
)

# pid -> Popen of the timeout(1) wrapper, so stop() can reap it.
_RUNNING: dict[int, subprocess.Popen] = {}


# --------------------------------------------------------------------------
# unpacking
# --------------------------------------------------------------------------

def _deb_package(path: Path) -> str:
    return path.name.split("_", 1)[0]


def _deb_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), field], check=True,
                          capture_output=True, text=True).stdout.strip()


def unpack(debs_dir: Path, root: Path) -> None:
    """Unpack the sendmail .debs found in *debs_dir* into *root*.

    Idempotent: does nothing when *root* already holds exactly these
    files (a stamp records package, version, file name and size).  The setgid-mail bit of
    the unpacked sendmail is removed: the daemon is started by root, and a
    setgid binary would run with AT_SECURE, making the dynamic loader drop
    LD_LIBRARY_PATH (needed for the unpacked libwrap0).
    """
    debs_dir, root = Path(debs_dir), Path(root)
    wanted = set(REQUIRED_PACKAGES) | set(OPTIONAL_PACKAGES)
    debs = sorted(p for p in debs_dir.glob("*.deb") if _deb_package(p) in wanted)
    found = {_deb_package(p) for p in debs}
    missing = [p for p in REQUIRED_PACKAGES if p not in found]
    if missing:
        raise FileNotFoundError(f"no .deb for {', '.join(missing)} in {debs_dir}")
    stamp_text = "".join(
        f"{_deb_package(p)} {_deb_field(p, 'Version')} {p.name} {p.stat().st_size}\n"
        for p in debs)
    stamp = root / _STAMP
    if stamp.is_file() and stamp.read_text() == stamp_text \
            and (root / _SENDMAIL).is_file():
        return
    root.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    for prog in (root / _SENDMAIL, root / "usr/libexec/sendmail/mailstats"):
        if prog.exists():
            prog.chmod(prog.stat().st_mode & ~0o6000)
    missing_libs = _missing_libraries(root)
    if missing_libs:
        raise RuntimeError(
            "unpacked sendmail cannot load " + ", ".join(missing_libs)
            + " (put libwrap0's .deb in debs_dir or install it)")
    stamp.write_text(stamp_text)


def sendmail_binary(root: Path) -> Path:
    """Path of the unpacked sendmail executable."""
    return Path(root) / _SENDMAIL


def _lib_env(root: Path) -> dict[str, str]:
    libdir = Path(root) / _LIBDIR
    return {"LD_LIBRARY_PATH": str(libdir)} if libdir.is_dir() else {}


def _missing_libraries(root: Path) -> list[str]:
    out = subprocess.run(
        ["ldd", str(sendmail_binary(root))], capture_output=True, text=True,
        env={**os.environ, **_lib_env(root)}, check=False).stdout
    return [line.split()[0] for line in out.splitlines() if "not found" in line]


def sendmail_version(root: Path) -> str:
    """Debian version of the unpacked sendmail-bin, e.g. '8.17.1.9-2+deb12u2'.

    Read from the unpack stamp, not by running sendmail: outside the
    private namespace of start() sendmail would resolve the host name
    through the host's resolver.
    """
    for line in (Path(root) / _STAMP).read_text().splitlines():
        package, version, *_ = line.split()
        if package == "sendmail-bin":
            return version
    raise RuntimeError(f"sendmail-bin not recorded in {Path(root) / _STAMP}")


def _m4(root: Path) -> str:
    local = Path(root) / "usr/bin/m4"
    if local.is_file():
        return str(local)
    found = shutil.which("m4")
    if not found:
        raise FileNotFoundError("m4 not found: put m4's .deb in debs_dir")
    return found


# --------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------

def _check_path(path: Path, what: str) -> None:
    if not _SAFE_PATH.match(str(path)):
        raise ValueError(f"{what} {path!s} must match {_SAFE_PATH.pattern}")


def _check_ancestors(path: Path) -> None:
    """sendmail refuses TLS files below a group/world-writable directory.

    Sticky directories such as /tmp are accepted because the .cf sets
    DontBlameSendmail=TrustStickyBit.
    """
    for parent in [path, *path.parents]:
        st = parent.stat()
        if st.st_mode & 0o022 and not st.st_mode & 0o1000:
            raise ValueError(
                f"{parent} is group/world-writable; sendmail would refuse "
                f"the TLS files below it (use another run_dir)")


def _split_chain(chain_file: Path) -> list[bytes]:
    certs = _PEM_CERT.findall(Path(chain_file).read_bytes())
    if not certs:
        raise ValueError(f"no PEM certificate in {chain_file}")
    return [c + b"\n" for c in certs]


def _placeholder_ca(path: Path) -> None:
    """A self-signed certificate that signs nothing (see write_config)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "/dev/null", "-subj", "/CN=mta-sendmail unused placeholder",
         "-days", "36500", "-out", str(path)],
        check=True, capture_output=True, timeout=30)


def _mc_text(*, run_dir: Path, root: Path, address: str, hostname: str,
             tls: str, greeting: str, greet_pause_ms: int, run_as: str,
             log_level: int) -> str:
    ssl_options, cipher_list = _TLS_SETTINGS[tls]
    r = str(run_dir)
    defines = {
        "confDOMAIN_NAME": hostname,
        # every path sendmail would otherwise take from /etc/mail or /var
        "MAIL_SETTINGS_DIR": f"{r}/",
        "QUEUE_DIR": f"{r}/mqueue",
        "confPID_FILE": f"{r}/sendmail.pid",
        "STATUS_FILE": f"{r}/statistics",
        "confSERVICE_SWITCH_FILE": f"{r}/service.switch",
        "confHOSTS_FILE": f"{r}/etc/hosts",
        "confCT_FILE": f"{r}/trusted-users",
        "ALIAS_FILE": "",
        "confHOST_STATUS_DIRECTORY": "",
        "confDEF_AUTH_INFO": "",
        # no delivery is possible: the only mailers run /bin/false
        "LOCAL_MAILER_PATH": "/bin/false",
        "LOCAL_MAILER_ARGS": "false",
        "LOCAL_SHELL_PATH": "/bin/false",
        # startup without network: no interface probing, no ident
        "confDONT_PROBE_INTERFACES": "true",
        "confTO_IDENT": "0s",
        "confRUN_AS_USER": run_as,
        "confTRUSTED_USER": "root",
        "confDONT_BLAME_SENDMAIL": "TrustStickyBit",
        "confPRIVACY_FLAGS": "goaway,noetrn,noreceipts",
        "confAUTH_MECHANISMS": "",
        "confLOG_LEVEL": str(log_level),
        # a busy CI box must not make sendmail refuse or delay connections
        "confREFUSE_LA": "999",
        "confQUEUE_LA": "999",
        "confDELAY_LA": "0",
        "confMIN_FREE_BLOCKS": "0",
        "confTO_COMMAND": "5m",
        "confTO_STARTTLS": "5m",
        # STARTTLS
        "confSERVER_CERT": f"{r}/tls/cert.pem",
        "confSERVER_KEY": f"{r}/tls/key.pem",
        "confCACERT": f"{r}/tls/issuers.pem",
        "confCACERT_PATH": f"{r}/tls/capath",
        "confTLS_SRV_OPTIONS": "V",
        "confSERVER_SSL_OPTIONS": ssl_options,
    }
    if cipher_list:
        defines["confCIPHER_LIST"] = cipher_list
    if greeting == "multiline":
        # A newline followed by a tab continues a .cf line; sendmail keeps
        # the newline and prints one 220- line per line (srvrsmtp.c).
        defines["confSMTP_LOGIN_MSG"] = (
            "$j Sendmail $v/$Z; $b\n"
            "\tdanemon lab: multi-line greeting, line 2\n"
            "\tready")
    for value in defines.values():
        if "`" in value or "'" in value:
            raise ValueError(f"m4 quote character in {value!r}")
    lines = [
        "divert(-1)",
        "# generated by mta_sendmail.py -- do not edit",
        "divert(0)dnl",
        "VERSIONID(`mta_sendmail lab server')dnl",
        "OSTYPE(`linux')dnl",
        *(f"define(`{k}', `{v}')dnl" for k, v in defines.items()),
        "define(`HELP_FILE', `"
        + (f"{root}/etc/mail/helpfile" if (root / "etc/mail/helpfile").is_file()
           else "") + "')dnl",
        "FEATURE(`no_default_msa')dnl",
        "FEATURE(`nouucp', `reject')dnl",
        # sender domains are not looked up (hosts: files only)
        "FEATURE(`accept_unresolvable_domains')dnl",
    ]
    if greet_pause_ms:
        # With an argument (and no access_db) the greet_pause ruleset
        # simply returns this value for every client.
        lines.append(f"FEATURE(`greet_pause', `{greet_pause_ms}')dnl")
    lines += [
        f"DAEMON_OPTIONS(`Addr={address}, Port=25, Name=MTA')dnl",
        # There is no smtp mailer; without this every remote sender would
        # get "553 Unrecognized host name" at MAIL.  Remote addresses
        # resolve to a mailer that can only run /bin/false, and every RCPT
        # is refused below, so nothing is ever queued or delivered.
        "MAILER_DEFINITIONS",
        "Mnowhere,\tP=/bin/false, F=DFMq, S=EnvFromL/HdrFromL, "
        "R=EnvToL/HdrToL, A=false",
        "LOCAL_NET_CONFIG",
        "R$* < @ $* > $*\t$#nowhere $@ $2 $: $1 < @ $2 > $3",
        "LOCAL_RULESETS",
        "SLocal_check_rcpt",
        'R$*\t$#error $@ 5.7.1 $: "550 lab server: no mail is accepted here"',
        "",
    ]
    return "\n".join(lines)


def write_config(root: Path, run_dir: Path, *, address: str, hostname: str,
                 chain_file: Path, key_file: Path, tls: str = "modern",
                 greeting: str = "single", greet_pause_ms: int = 0,
                 run_as: str = "nobody", log_level: int = 20) -> Path:
    """Lay out *run_dir* and build RUN/sendmail.cf from a generated .mc.

    address     loopback IPv4 address to listen on (port 25 only)
    hostname    name in the greeting/EHLO ($j)
    chain_file  PEM: leaf certificate first, then intermediates
    key_file    PEM private key of the leaf (EC or RSA)
    tls         "modern" (TLS 1.2 + 1.3) or "legacy" (TLS 1.0 + 1.1)
    greeting    "single" or "multiline" (three 220 lines)
    greet_pause_ms  0, or the pause before the greeting; a client that
                talks first gets "554 ... not accepting messages"

    sendmail loads ServerCertFile with SSL_CTX_use_certificate_file (the
    leaf only); the intermediates are sent because OpenSSL completes the
    chain from the CA store, so they become CACertFile.  Certificates that
    do not chain to the leaf are therefore not sent.  Returns the .cf path.
    """
    root, run_dir = Path(root).resolve(), Path(run_dir).resolve()
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError as exc:
        raise ValueError(f"address {address!r} is not IPv4") from exc
    if not ip.is_loopback:
        raise ValueError(f"address {address} is not a loopback address")
    if not _HOSTNAME.match(hostname):
        raise ValueError(f"hostname {hostname!r} is not a dotted DNS name")
    if tls not in _TLS_SETTINGS:
        raise ValueError(f"tls must be one of {sorted(_TLS_SETTINGS)}")
    if greeting not in ("single", "multiline"):
        raise ValueError("greeting must be 'single' or 'multiline'")
    if not 0 <= int(greet_pause_ms) <= 600_000:
        raise ValueError("greet_pause_ms must be 0..600000")
    if not (root / _SENDMAIL).is_file():
        raise FileNotFoundError(f"{root / _SENDMAIL} missing: call unpack()")
    _check_path(run_dir, "run_dir")
    _check_path(root, "root")
    user = pwd.getpwnam(run_as)
    uid, gid = user.pw_uid, user.pw_gid
    group = grp.getgrgid(gid).gr_name

    run_dir.mkdir(parents=True, exist_ok=True)
    os.chown(run_dir, 0, 0)
    run_dir.chmod(0o755)
    _check_ancestors(run_dir)
    for sub in ("etc", "dev", "tls", "tls/capath"):
        (run_dir / sub).mkdir(exist_ok=True)
        (run_dir / sub).chmod(0o755)
    queue = run_dir / "mqueue"
    queue.mkdir(exist_ok=True)
    os.chown(queue, uid, gid)
    queue.chmod(0o700)

    # TLS material, with the ownership/modes sendmail's safefile() wants:
    # the key is checked (and read) as RunAsUser and must not be group- or
    # world-readable.
    certs = _split_chain(chain_file)
    tls_dir = run_dir / "tls"
    _write(tls_dir / "cert.pem", certs[0], 0o644)
    issuers = tls_dir / "issuers.pem"
    if len(certs) > 1:
        _write(issuers, b"".join(certs[1:]), 0o644)
    else:
        # sendmail 8.17 disables STARTTLS without a loadable CACertFile.
        _placeholder_ca(issuers)
        issuers.chmod(0o644)
    _write(tls_dir / "key.pem", Path(key_file).read_bytes(), 0o600)
    os.chown(tls_dir / "key.pem", uid, gid)

    # Files for the private mount namespace (see start()).
    _write(run_dir / "etc/nsswitch.conf",
           b"passwd: files\ngroup: files\nshadow: files\nhosts: files\n"
           b"networks: files\nservices: files\nprotocols: files\n", 0o644)
    _write(run_dir / "etc/hosts",
           f"127.0.0.1\tlocalhost\n::1\tlocalhost\n"
           f"{address}\t{hostname} {hostname.split('.')[0]}\n".encode(), 0o644)
    # Never used (hosts: files), but if anything asks it goes to our own
    # address, where nothing answers on port 53.
    _write(run_dir / "etc/resolv.conf",
           f"nameserver {address}\noptions attempts:1 timeout:1\n".encode(), 0o644)
    for name in ("hosts.allow", "hosts.deny"):
        _write(run_dir / "etc" / name, b"", 0o644)
    _write(run_dir / "service.switch", b"hosts files\naliases files\n", 0o644)
    _write(run_dir / "trusted-users", b"", 0o644)
    # Neutral OpenSSL config, bind-mounted over OpenSSL's default config in
    # the namespace: a host /etc/ssl/openssl.cnf with a system_default
    # MinProtocol/CipherString would override sendmail.cf (OPENSSL_CONF
    # cannot be used: sendmail wipes its environment at startup).
    _write(run_dir / "openssl.cnf",
           b"# mta_sendmail: empty on purpose; sendmail.cf sets TLS policy\n",
           0o644)
    stats = run_dir / "statistics"
    _write(stats, b"", 0o600)
    os.chown(stats, uid, gid)

    mc = _mc_text(run_dir=run_dir, root=root, address=address,
                  hostname=hostname, tls=tls, greeting=greeting,
                  greet_pause_ms=int(greet_pause_ms),
                  run_as=f"{run_as}:{group}", log_level=log_level)
    _write(run_dir / "lab.mc", mc.encode(), 0o644)
    cf_dir = root / _CF_DIR
    built = subprocess.run(
        [_m4(root), f"-D_CF_DIR_={cf_dir}/", str(cf_dir / "m4/cf.m4"),
         str(run_dir / "lab.mc")],
        capture_output=True, text=True, check=False, timeout=60)
    if built.returncode != 0 or "ERROR" in built.stderr:
        raise RuntimeError(f"m4 failed:\n{built.stderr}")
    cf = run_dir / "sendmail.cf"
    _write(cf, built.stdout.encode(), 0o644)
    _write(run_dir / "lab.json", json.dumps({
        "address": address, "port": 25, "hostname": hostname, "tls": tls,
        "greeting": greeting, "greet_pause_ms": int(greet_pause_ms)},
        indent=1).encode(), 0o644)
    return cf


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(mode)
    tmp.replace(path)


# --------------------------------------------------------------------------
# start / stop
# --------------------------------------------------------------------------

def _listen_address(cf: Path) -> tuple[str, int]:
    for line in Path(cf).read_text().splitlines():
        if line.startswith("O DaemonPortOptions=") and "Name=MTA" in line:
            opts = dict(part.strip().split("=", 1)
                        for part in line.split("=", 1)[1].split(",") if "=" in part)
            return opts["Addr"], int(opts.get("Port", 25))
    raise ValueError(f"no DaemonPortOptions ... Name=MTA in {cf}")


def _listening_inodes(address: str, port: int) -> set[str]:
    want = "%08X:%04X" % (int.from_bytes(socket.inet_aton(address), "little"), port)
    inodes = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                inodes.add(fields[9])
    return inodes


def _owns_socket(pid: int, inodes: set[str]) -> bool:
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
    except OSError:
        pass
    return False


def _read_reply(sock: socket.socket, buf: bytearray, deadline: float) -> list[str]:
    lines: list[str] = []
    while True:
        while b"\r\n" in buf:
            end = buf.index(b"\r\n")
            raw = bytes(buf[:end])
            del buf[:end + 2]
            lines.append(raw.decode("utf-8", "replace"))
            if len(raw) < 4 or raw[3:4] != b"-":
                return lines
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"connection closed after {lines!r}")
        buf += chunk


def smtp_probe(address: str, port: int = 25, timeout: float = 10.0,
               ehlo: str | None = "probe.mta-sendmail.invalid"
               ) -> tuple[list[str], list[str]]:
    """Read the whole (possibly multi-line) greeting, optionally EHLO, QUIT.

    Sends nothing before the greeting, so greet_pause does not trip.
    Returns (greeting lines, EHLO reply lines or []).
    """
    deadline = time.monotonic() + timeout
    buf = bytearray()
    with socket.create_connection((address, port), timeout=timeout) as sock:
        greeting = _read_reply(sock, buf, deadline)
        reply: list[str] = []
        if ehlo and greeting[-1].startswith("220"):
            sock.sendall(f"EHLO {ehlo}\r\n".encode())
            reply = _read_reply(sock, buf, deadline)
        try:
            sock.sendall(b"QUIT\r\n")
            _read_reply(sock, buf, min(deadline, time.monotonic() + 2))
        except OSError:
            pass
    return greeting, reply


def read_greeting(address: str, port: int = 25, timeout: float = 10.0) -> list[str]:
    """The greeting lines of the server at *address*:*port*."""
    return smtp_probe(address, port, timeout, ehlo=None)[0]


def _alive(pid: int) -> bool:
    """True while *pid* exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return kids


def _tail(path: Path, n: int = 15, *, warnings_only: bool = False) -> str:
    """Last *n* lines; with *warnings_only*, syslog severity warning or worse."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(none)"
    if warnings_only:
        lines = [line for line in lines
                 if (m := re.match(r"<(\d+)>", line)) and int(m.group(1)) % 8 <= 4
                 and "safesasl" not in line]
    return "\n".join(lines[-n:]) or "(nothing)"


def start(root: Path, run_dir: Path, cf: Path, *, timeout: float = 30.0,
          max_lifetime: float = 3600.0) -> int:
    """Start the daemon for *cf* and return its pid once it greets.

    Runs ``timeout -k 5 MAX_LIFETIME unshare -m python3 THIS_FILE
    _supervise ...``; the supervisor bind-mounts RUN/etc/* over /etc,
    puts a /dev with null/zero/random/urandom and a log socket in place,
    then runs ``sendmail -bD -C CF`` (foreground daemon, no queue runs).
    Waits until RUN/sendmail.pid names a live process that owns the
    listening socket on the configured address, a 220 greeting has been
    read and EHLO offers STARTTLS.  Otherwise stops everything it started
    and raises RuntimeError with the tails of the logs.
    """
    root, run_dir, cf = Path(root).resolve(), Path(run_dir).resolve(), Path(cf).resolve()
    address, port = _listen_address(cf)
    if _listening_inodes(address, port):
        raise RuntimeError(f"{address}:{port} is already in use")
    pidfile = run_dir / "sendmail.pid"
    pidfile.unlink(missing_ok=True)
    sup_log = run_dir / "supervisor.log"
    for log in (sup_log, run_dir / "sendmail.log"):    # fresh logs per start
        log.write_bytes(b"")
    started = time.monotonic()
    with open(sup_log, "ab") as out:
        proc = subprocess.Popen(
            ["timeout", "-k", "5", str(int(max_lifetime)),
             "unshare", "--mount", "--propagation", "private", "--",
             sys.executable, "-I", str(Path(__file__).resolve()), "_supervise",
             str(root), str(run_dir), str(cf)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True)
    deadline = started + timeout
    pid = 0
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if not pid:
            try:
                pid = int(pidfile.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                time.sleep(0.05)
                continue
        inodes = _listening_inodes(address, port)
        if _alive(pid) and inodes and _owns_socket(pid, inodes):
            try:
                greeting, ehlo = smtp_probe(
                    address, port, timeout=max(1.0, deadline - time.monotonic()))
            except OSError as exc:
                last_error = exc
            else:
                _RUNNING[pid] = proc
                if greeting[-1].startswith("220") and \
                        any(line[4:].upper() == "STARTTLS" for line in ehlo):
                    return pid
                # e.g. an unusable certificate/key: sendmail then silently
                # runs without STARTTLS; the reason is in sendmail.log
                last_error = RuntimeError(
                    f"greeting {greeting!r}, EHLO {ehlo!r}: no STARTTLS")
                break
        time.sleep(0.05)
    # failed: clean up everything we started
    if pid and _alive(pid):
        _RUNNING[pid] = proc
        stop(pid)
    _terminate_wrapper(proc, 5.0)
    raise RuntimeError(
        f"sendmail on {address}:{port} not ready (timeout {timeout}s) "
        f"(last error: {last_error})\n--- {sup_log}:\n{_tail(sup_log)}\n"
        f"--- {run_dir / 'sendmail.log'} (warnings and errors):\n"
        f"{_tail(run_dir / 'sendmail.log', warnings_only=True)}")


def _terminate_wrapper(proc: subprocess.Popen, grace: float) -> None:
    try:
        proc.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)   # the group start() created
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def stop(pid: int, *, grace: float = 10.0) -> None:
    """Stop the daemon *pid*: SIGTERM, then SIGKILL after *grace* seconds.

    Per-connection children are signalled too, and the supervisor /
    timeout wrapper started by start() is reaped.  Safe to call twice.
    """
    proc = _RUNNING.pop(pid, None)
    victims = [pid, *_children(pid)] if _alive(pid) else []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for victim in victims:
            try:
                os.kill(victim, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + grace
        while time.monotonic() < end and any(_alive(v) for v in victims):
            time.sleep(0.05)
        victims = [v for v in victims if _alive(v)]
        if not victims:
            break
    if proc is not None:
        _terminate_wrapper(proc, grace)


# --------------------------------------------------------------------------
# supervisor (runs inside the private mount namespace)
# --------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, arg: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, arg, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option})")


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


def _openssl_default_config() -> Path | None:
    """The file libssl reads when OPENSSL_CONF is unset (OPENSSLDIR)."""
    try:
        out = subprocess.run(["openssl", "version", "-d"], capture_output=True,
                             text=True, timeout=10, check=True).stdout
        path = Path(out.split('"')[1]) / "openssl.cnf"
    except (OSError, subprocess.SubprocessError, IndexError):
        path = Path("/usr/lib/ssl/openssl.cnf")
    return path if path.exists() else None


def _prepare_namespace(run_dir: Path) -> socket.socket:
    """Bind RUN/etc files over /etc and give /dev a log socket of ours."""
    # hosts.allow/deny: libwrap (tcp_wrappers) is consulted per connection;
    # bind-mounting needs an existing target, so only present ones.
    for name in ("nsswitch.conf", "hosts", "resolv.conf", "hosts.allow",
                 "hosts.deny"):
        target = Path("/etc") / name
        if target.exists():          # follows symlinks (resolv.conf often is)
            _mount("--bind", str(run_dir / "etc" / name), str(target))
    ssl_cnf = _openssl_default_config()
    if ssl_cnf is not None:
        _mount("--bind", str(run_dir / "openssl.cnf"), str(ssl_cnf))
    logsock_path = run_dir / "log.sock"
    logsock_path.unlink(missing_ok=True)
    logsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    logsock.bind(str(logsock_path))
    logsock_path.chmod(0o666)   # connection children run as RunAsUser
    dev = run_dir / "dev"
    _mount("-t", "tmpfs", "-o", "mode=755,size=64k", "mta-sendmail-dev", str(dev))
    for node in ("null", "zero", "random", "urandom"):
        (dev / node).touch()
        _mount("--bind", f"/dev/{node}", str(dev / node))
    (dev / "log").symlink_to(logsock_path)
    _mount("--move", str(dev), "/dev")
    return logsock


def _supervise(root: Path, run_dir: Path, cf: Path) -> int:
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    logsock = _prepare_namespace(run_dir)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "TZ": "UTC",
           **_lib_env(root)}
    stopping = {"signal": 0}

    def on_signal(signum: int, _frame: object) -> None:
        stopping["signal"] = signum

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    daemon = subprocess.Popen(
        [str(sendmail_binary(root)), "-bD", "-C", str(cf)],
        env=env, stdin=subprocess.DEVNULL, cwd="/",
        preexec_fn=lambda: _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM))
    print(f"supervisor {os.getpid()}: sendmail {daemon.pid} started", flush=True)
    deadline = None
    with open(run_dir / "sendmail.log", "ab", buffering=0) as log:
        while True:
            readable, _, _ = select.select([logsock], [], [], 0.2)
            if readable:
                data = logsock.recv(65536)
                log.write(data.rstrip(b"\0\n") + b"\n")
                continue
            if daemon.poll() is not None:
                break
            if stopping["signal"] and deadline is None:
                daemon.send_signal(signal.SIGTERM)
                deadline = time.monotonic() + 10
            if deadline is not None and time.monotonic() > deadline:
                daemon.kill()
    # Orphaned connection handlers were re-parented to us (subreaper).
    for sig in (signal.SIGTERM, signal.SIGKILL):
        kids = [k for k in _children(os.getpid()) if _alive(k)]
        for kid in kids:
            try:
                os.kill(kid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + 5
        while kids and time.monotonic() < end:
            kids = [k for k in kids if _alive(k)]
            time.sleep(0.05)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
    (run_dir / "log.sock").unlink(missing_ok=True)
    print(f"supervisor: sendmail exited with {daemon.returncode}", flush=True)
    return 0 if daemon.returncode in (0, -signal.SIGTERM) else 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "_supervise":
        sys.exit(_supervise(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])))
    sys.exit("mta_sendmail.py is a library; see its docstring")
