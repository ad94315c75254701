#!/usr/bin/env python3
"""The danemon lab: real DNS and SMTP servers on loopback, declared in scenarios.toml.

    lab.py up [--run-dir DIR] [--max-lifetime SECONDS] [--timeout SECONDS] [--hostile-tls PATH]
    lab.py down [--run-dir DIR]
    lab.py status | check [--run-dir DIR]
    lab.py domains | expect DOMAIN | describe [--run-dir DIR] | env [--run-dir DIR]
    lab.py mailbox [--clear] [--run-dir DIR]
    lab.py set-tlsa HOST [SPEC...] [--only-server ADDR] [--run-dir DIR]
    lab.py reset-tlsa HOST [--only-server ADDR] [--run-dir DIR]

`up` generates everything under the run dir (default: .lab/ at the repository root): a PKI
(openssl), keys and signed zones (ldns-keygen, ldns-signzone), an authoritative nsd, a
validating unbound, one postfix instance with an smtpd per postfix listener and one
hostile_smtp.py process for the hostile listeners (silent, trickle, endless-continuation), one
danemon-lab-hostile-tls process (tests/lab/hostile_tls.cpp, built by CMake) for the hostile TLS
listeners (renegotiate, renegotiate-storm, bad-names). It returns once every service answers, and leaves a watchdog that stops the lab after --max-lifetime seconds.
`down` stops only what `up` started, by the PIDs recorded in the run dir.

Python standard library only. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import pty
import pwd
import random
import re
import shlex
import shutil
import signal
import smtplib
import socket
import ssl
import struct
import subprocess
import sys
import time
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent
REPO_ROOT = LAB_DIR.parent.parent
DEFAULT_RUN_DIR = REPO_ROOT / ".lab"
DEFAULT_SCENARIOS = LAB_DIR / "scenarios.toml"
MARKER = ".danemon-lab"
GENERATED_DIRS = ("pki", "dns", "nsd", "nsd2", "unbound", "postfix", "mta", "mail", "logs",
                  "pids")
# started in this order, stopped in reverse; then one service per sendmail or Exim listener
# ("sendmail.NAME", "exim.NAME"), started after them and stopped before them
SERVICES = ("nsd", "nsd2", "hostile-dns", "unbound", "postfix", "hostile", "hostile-tls")
TLS_MODES = ("modern", "legacy", "legacy-enabled", "none")
# listeners of another MTA (`mta = "sendmail" | "exim"`), each run from its Debian package
# unpacked into the run dir (the packages conflict with postfix): the TLS modes each one takes
MTA_TLS_MODES = {"sendmail": ("modern", "legacy"), "exim": ("modern", "tls12")}
MTA_KINDS = tuple(MTA_TLS_MODES)
# where scripts/install-deps.sh caches their .debs (apt-get download)
DEFAULT_MTA_DEBS = Path("/var/cache/danemon-lab/debs")
HOSTILE_KINDS = ("silent", "trickle", "endless-continuation")  # served by hostile_smtp.py
# served by danemon-lab-hostile-tls (tests/lab/hostile_tls.cpp): SMTP + STARTTLS, then TLS misbehaviour
HOSTILE_TLS_KINDS = ("renegotiate", "renegotiate-storm", "bad-names")
LISTENER_KINDS = ("postfix",) + HOSTILE_KINDS + HOSTILE_TLS_KINDS + MTA_KINDS
HOSTILE_SERVER = LAB_DIR / "hostile_smtp.py"
HOSTILE_TLS_SOURCE = LAB_DIR / "hostile_tls.cpp"
# where scripts/run.sh's build puts it; ctest passes its own build's with --hostile-tls
DEFAULT_HOSTILE_TLS = REPO_ROOT / "build" / "tests" / "lab" / "danemon-lab-hostile-tls"
NAMESERVER_KINDS = ("sink", "servfail", "refused", "drop-first")  # [[nameserver]], hostile_dns.py
HOSTILE_DNS_SERVER = LAB_DIR / "hostile_dns.py"
HOSTILE_PEER_COMMON = LAB_DIR / "lab_peer.py"  # imported by both Python peers
MTA_MODULES = {"sendmail": LAB_DIR / "mta_sendmail.py", "exim": LAB_DIR / "mta_exim.py"}
ZONE_MODES = ("signed", "unsigned", "bogus", "expired")
# the RRSIG validity of `expired` zones: long past, so validators call every answer bogus
EXPIRED_INCEPTION, EXPIRED_EXPIRATION = "20200101000000", "20210101000000"
STATUSES = ("ok", "warning", "critical")
DEFAULT_NOT_BEFORE = "20240101000000Z"
DEFAULT_NOT_AFTER = "20991231235959Z"
DNSSEC_ALGORITHM = "ECDSAP256SHA256"
POSTFIX = "/usr/sbin/postfix"
POSTFIX_DAEMONS = "/usr/lib/postfix/sbin"


class LabError(Exception):
    """A failure with a message meant for the user (and usually a log path)."""


def log(message: str) -> None:
    print(message, flush=True)


def run(cmd: list[str], cwd: Path | None = None, stdin: bytes | None = None) -> bytes:
    """Runs a command; raises LabError with its output when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True)
    if proc.returncode != 0:
        raise LabError(f"command failed ({proc.returncode}): {shlex.join(cmd)}\n"
                       f"{proc.stderr.decode(errors='replace')}{proc.stdout.decode(errors='replace')}")
    return proc.stdout


# ---------------------------------------------------------------------------------------------
# Configuration: scenarios.toml, validated once


@dataclass
class Lab:
    """Everything declared in scenarios.toml, plus where the generated material lives."""
    spec: dict
    scenarios_file: Path
    run_dir: Path
    hostile_tls: Path | None = None  # the danemon-lab-hostile-tls binary (`up --hostile-tls`)
    mta_debs: Path = DEFAULT_MTA_DEBS  # the sendmail and Exim .debs (`up --mta-debs`)

    @property
    def auth(self) -> str:
        return self.spec["lab"].get("auth_address", "127.0.53.1")

    @property
    def resolver(self) -> str:
        return self.spec["lab"].get("resolver_address", "127.0.53.2")

    @property
    def auth2(self) -> str:
        """The second authoritative nsd (only for zones with second_auth = true)."""
        return self.spec["lab"].get("auth2_address", "127.0.53.3")

    @property
    def mailbox_listener(self) -> str:
        return self.spec["lab"].get("mailbox_listener", "modern")

    @property
    def mailbox_domain(self) -> str:
        return self.spec["lab"].get("mailbox_domain", "alerts.test")

    @property
    def mailbox(self) -> Path:
        return self.path("mail", "alerts")

    def second_auth_zones(self) -> list[str]:
        return [sc["domain"] + "." for sc in self.scenarios if sc.get("second_auth")]

    def zone_servers(self, zone: str) -> list[str]:
        """Addresses of the authoritative servers of ZONE (nsd, and nsd2 if second_auth)."""
        return [self.auth] + ([self.auth2] if zone in self.second_auth_zones() else [])

    @property
    def ttl(self) -> int:
        return int(self.spec["lab"].get("ttl", 60))

    @property
    def cas(self) -> list[dict]:
        return self.spec.get("ca", [])

    @property
    def listeners(self) -> list[dict]:
        return self.spec.get("listener", [])

    @property
    def scenarios(self) -> list[dict]:
        return self.spec.get("scenario", [])

    @property
    def postfix_listeners(self) -> list[dict]:
        return [lst for lst in self.listeners if listener_kind(lst) == "postfix"]

    @property
    def hostile_listeners(self) -> list[dict]:
        return [lst for lst in self.listeners if listener_kind(lst) in HOSTILE_KINDS]

    @property
    def hostile_tls_listeners(self) -> list[dict]:
        return [lst for lst in self.listeners if listener_kind(lst) in HOSTILE_TLS_KINDS]

    @property
    def mta_listeners(self) -> list[dict]:
        """The sendmail and Exim listeners, each its own service."""
        return [lst for lst in self.listeners if listener_kind(lst) in MTA_KINDS]

    @property
    def nameservers(self) -> list[dict]:
        """The broken name servers ([[nameserver]]: sink, servfail, refused)."""
        return self.spec.get("nameserver", [])

    def services(self) -> tuple[str, ...]:
        """The services this declaration needs (hostile only with hostile listeners,
        hostile-dns only with [[nameserver]]s)."""
        return tuple(s for s in SERVICES if (s != "hostile" or self.hostile_listeners)
                     and (s != "hostile-tls" or self.hostile_tls_listeners)
                     and (s != "nsd2" or self.second_auth_zones())
                     and (s != "hostile-dns" or self.nameservers)) + tuple(
            mta_service(lst) for lst in self.mta_listeners)

    def listener(self, name: str) -> dict:
        return next(lst for lst in self.listeners if lst["name"] == name)

    def nameserver(self, name: str) -> dict:
        return next(ns for ns in self.nameservers if ns["name"] == name)

    def scenario(self, domain: str) -> dict | None:
        domain = domain.rstrip(".").lower()
        return next((s for s in self.scenarios if s["domain"] == domain), None)

    def key_names(self) -> list[str]:
        names = [ca["name"] for ca in self.cas]
        names += [lst["cert"]["key"] for lst in self.listeners if "cert" in lst]
        names += self.rsa_key_names()
        names += [k["name"] for k in self.spec.get("key", [])]
        return list(dict.fromkeys(names))

    def rsa_key_names(self) -> list[str]:
        """The keys of the listeners' second (RSA) certificates: RSA-2048, all others P-256."""
        return [lst["rsa_cert"]["key"] for lst in self.listeners if "rsa_cert" in lst]

    def cert_names(self) -> list[str]:
        return ([ca["name"] for ca in self.cas] + [l["name"] for l in self.listeners if "cert" in l]
                + [rsa_cert_name(l) for l in self.listeners if "rsa_cert" in l])

    def path(self, *parts: str) -> Path:
        return self.run_dir.joinpath(*parts)


def listener_kind(listener: dict) -> str:
    return listener.get("mta") or listener.get("kind", "postfix")


def mta_service(listener: dict) -> str:
    """The service of a sendmail or Exim listener: "sendmail.NAME", "exim.NAME"."""
    return f"{listener_kind(listener)}.{listener['name']}"


def rsa_cert_name(listener: dict) -> str:
    """The name of a listener's second certificate (rsa_cert): "<listener>-rsa"."""
    return listener["name"] + "-rsa"


def load_lab(scenarios_file: Path, run_dir: Path) -> Lab:
    with open(scenarios_file, "rb") as f:
        spec = tomllib.load(f)
    spec.setdefault("lab", {})
    for sc in spec.get("scenario", []):
        sc["mx"] = expand_mx(sc.get("mx", []))
    lab = Lab(spec, scenarios_file.resolve(), run_dir.resolve())
    validate(lab)
    return lab


def expand_mx(entries: list[dict]) -> list[dict]:
    """MX entries with `repeat = N` become N entries: "{n}" in host is 1..N, the preference
    grows by one per host, and `address_count` addresses counted up from `addresses_from`
    (continuing from host to host) are added to each host's `addresses`."""
    out = []
    for entry in entries:
        repeat = int(entry.get("repeat", 1))
        next_address = None
        if "addresses_from" in entry:
            next_address = struct.unpack("!I", socket.inet_aton(entry["addresses_from"]))[0]
        for n in range(1, repeat + 1):
            mx = {k: v for k, v in entry.items()
                  if k not in ("repeat", "addresses_from", "address_count")}
            mx["host"] = entry["host"].replace("{n}", str(n))
            mx["preference"] = int(entry["preference"]) + n - 1
            mx["addresses"] = list(entry.get("addresses", []))
            if next_address is not None:
                for _ in range(int(entry.get("address_count", 1))):
                    mx["addresses"].append(socket.inet_ntoa(struct.pack("!I", next_address)))
                    next_address += 1
            out.append(mx)
    return out


def validate(lab: Lab) -> None:
    """Rejects a scenarios file with dangling references before anything is generated."""
    errors = []
    ca_names = [ca["name"] for ca in lab.cas]
    for ca in lab.cas:
        if ca.get("issuer") and ca["issuer"] not in ca_names:
            errors.append(f"ca {ca['name']}: unknown issuer {ca['issuer']}")
    addresses = set()
    for lst in lab.listeners:
        if lst["address"] in addresses:
            errors.append(f"listener {lst['name']}: address {lst['address']} used twice")
        addresses.add(lst["address"])
        if listener_kind(lst) not in LISTENER_KINDS:
            errors.append(f"listener {lst['name']}: kind must be one of {LISTENER_KINDS}")
            continue
        if listener_kind(lst) in HOSTILE_TLS_KINDS:
            if "tls" in lst or "cert" not in lst:
                errors.append(f"listener {lst['name']}: a {lst['kind']} listener takes a cert "
                              f"and no tls")
            elif lst["cert"].get("issuer") not in ca_names:
                errors.append(f"listener {lst['name']}: unknown issuer {lst['cert'].get('issuer')}")
            continue
        if "mta" in lst and ("kind" in lst or lst["mta"] not in ("postfix",) + MTA_KINDS):
            errors.append(f"listener {lst['name']}: mta must be one of {('postfix',) + MTA_KINDS}"
                          f" (and no kind)")
            continue
        if listener_kind(lst) in MTA_KINDS:
            modes = MTA_TLS_MODES[lst["mta"]]
            if lst.get("tls") not in modes or "cert" not in lst:
                errors.append(f"listener {lst['name']}: a {lst['mta']} listener takes a cert "
                              f"and tls = one of {modes}")
            elif lst["cert"].get("issuer") not in ca_names:
                errors.append(f"listener {lst['name']}: unknown issuer {lst['cert'].get('issuer')}")
            extras = {"greeting", "greet_pause_ms"} & set(lst)
            if extras and lst["mta"] != "sendmail":
                errors.append(f"listener {lst['name']}: {sorted(extras)} are sendmail's")
            if lst.get("greeting", "single") not in ("single", "multiline"):
                errors.append(f"listener {lst['name']}: greeting must be single or multiline")
            if "rsa_cert" in lst and lst["mta"] != "exim":
                errors.append(f"listener {lst['name']}: rsa_cert is for postfix and exim")
            continue
        if listener_kind(lst) != "postfix":
            if "tls" in lst or "cert" in lst:
                errors.append(f"listener {lst['name']}: a {lst['kind']} listener takes no "
                              f"tls or cert")
            continue
        if lst.get("tls") not in TLS_MODES:
            errors.append(f"listener {lst['name']}: tls must be one of {TLS_MODES}")
        if lst.get("tls") != "none" and "cert" not in lst:
            errors.append(f"listener {lst['name']}: a TLS listener needs a cert")
        if "cert" in lst and lst["cert"].get("issuer") not in ca_names:
            errors.append(f"listener {lst['name']}: unknown issuer {lst['cert'].get('issuer')}")
        if "rsa_cert" in lst and ("cert" not in lst or set(lst["rsa_cert"]) != {"key"}):
            errors.append(f"listener {lst['name']}: rsa_cert takes only a key, beside a cert")
    if len(set(lab.cert_names())) != len(lab.cert_names()):
        errors.append("ca and listener names must be distinct (both name certificates)")
    listener_names = [lst["name"] for lst in lab.listeners]
    nameserver_names = [ns["name"] for ns in lab.nameservers]
    dns_addresses = {lab.auth, lab.resolver, lab.auth2}
    for ns in lab.nameservers:
        if ns.get("kind") not in NAMESERVER_KINDS:
            errors.append(f"nameserver {ns['name']}: kind must be one of {NAMESERVER_KINDS}")
        if ns["address"] in dns_addresses:
            errors.append(f"nameserver {ns['name']}: address {ns['address']} used twice")
        dns_addresses.add(ns["address"])
    if len(set(nameserver_names)) != len(nameserver_names):
        errors.append("nameserver names must be distinct")
    if lab.mailbox_listener not in [l["name"] for l in lab.postfix_listeners]:
        errors.append(f"[lab] mailbox_listener {lab.mailbox_listener}: no such postfix listener")
    seen = set()
    for sc in lab.scenarios:
        domain = sc.get("domain", "")
        where = f"scenario {domain}"
        if domain in seen:
            errors.append(f"{where}: defined twice")
        seen.add(domain)
        if not domain.endswith(".test") or domain != domain.lower():
            errors.append(f"{where}: domain must be lower case and end in .test")
        if sc.get("zone") not in ZONE_MODES:
            errors.append(f"{where}: zone must be one of {ZONE_MODES}")
        if sc.get("status") not in STATUSES:
            errors.append(f"{where}: status must be one of {STATUSES}")
        if sc.get("second_auth") and sc.get("zone") == "bogus":
            errors.append(f"{where}: second_auth is for signed or unsigned zones")
        if sc.get("nameserver"):
            if sc["nameserver"] not in nameserver_names:
                errors.append(f"{where}: unknown nameserver {sc['nameserver']}")
            if sc.get("zone") != "signed" or sc.get("second_auth") or sc.get("mx") or \
                    sc.get("records"):
                errors.append(f"{where}: a zone delegated to a nameserver is signed and has "
                              f"no mx, records or second_auth (nothing serves them)")
        for mx in sc.get("mx", []):
            host = mx["host"]
            if host != "." and host != domain and not host.endswith("." + domain):
                errors.append(f"{where}: MX host {host} must be inside the zone (or '.')")
            if mx.get("listener") and mx["listener"] not in listener_names:
                errors.append(f"{where}: unknown listener {mx['listener']}")
            if mx.get("tlsa_nameserver"):
                if mx["tlsa_nameserver"] not in nameserver_names:
                    errors.append(f"{where}: unknown nameserver {mx['tlsa_nameserver']}")
                if mx.get("tlsa") or sc.get("zone") != "signed" or host == ".":
                    errors.append(f"{where}: tlsa_nameserver is for signed zones and takes no "
                                  f"tlsa (the delegated name server serves the TLSA name)")
            for record in mx.get("tlsa", []):
                try:
                    parse_tlsa(record, lab)
                except LabError as e:
                    errors.append(f"{where}: {e}")
    if errors:
        raise LabError("invalid " + str(lab.scenarios_file) + ":\n  " + "\n  ".join(errors))


def parse_tlsa(record: str, lab: Lab) -> tuple[int, int, int, str, str]:
    """'3 1 1 key:NAME' -> (3, 1, 1, 'key', 'NAME'); checks that the reference exists."""
    parts = record.split()
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]) or ":" not in parts[3]:
        raise LabError(f"TLSA '{record}': expected 'USAGE SELECTOR MTYPE cert:|key:|hex:REF'")
    usage, selector, mtype = (int(p) for p in parts[:3])
    kind, name = parts[3].split(":", 1)
    if kind == "cert" and name not in lab.cert_names():
        raise LabError(f"TLSA '{record}': no certificate named {name}")
    if kind == "key" and (name not in lab.key_names() or selector != 1):
        raise LabError(f"TLSA '{record}': key:NAME needs selector 1 and a known key")
    if kind == "hex" and not re.fullmatch(r"([0-9a-fA-F]{2})*", name):
        raise LabError(f"TLSA '{record}': hex data expected")
    if kind not in ("cert", "key", "hex") or (kind != "hex" and mtype not in (0, 1, 2)):
        raise LabError(f"TLSA '{record}': unsupported reference or matching type")
    return usage, selector, mtype, kind, name


def openssl_date(value: str) -> str:
    """'YYYYMMDDHHMMSSZ' as is; 'now', 'now+30d', 'now-2h' relative to the current time."""
    m = re.fullmatch(r"now(?:([+-])(\d+)([dh]))?", value)
    if not m:
        if not re.fullmatch(r"\d{14}Z", value):
            raise LabError(f"bad date {value!r}: use YYYYMMDDHHMMSSZ or now[+-]N(d|h)")
        return value
    when = dt.datetime.now(dt.timezone.utc)
    if m.group(1):
        delta = dt.timedelta(**{"days" if m.group(3) == "d" else "hours": int(m.group(2))})
        when = when + delta if m.group(1) == "+" else when - delta
    return when.strftime("%Y%m%d%H%M%SZ")


def fingerprint(lab: Lab) -> str:
    """Changes when the declaration or this script changes: `up` then rebuilds the lab."""
    digest = hashlib.sha256()
    digest.update(lab.scenarios_file.read_bytes())
    digest.update(Path(__file__).resolve().read_bytes())
    digest.update(HOSTILE_SERVER.read_bytes())
    digest.update(HOSTILE_TLS_SOURCE.read_bytes())
    if lab.hostile_tls and lab.hostile_tls.exists():
        digest.update(lab.hostile_tls.read_bytes())
    digest.update(HOSTILE_DNS_SERVER.read_bytes())
    digest.update(HOSTILE_PEER_COMMON.read_bytes())
    for module in MTA_MODULES.values():
        digest.update(module.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# PKI: keys, CAs and leaf certificates with openssl (openssl ca, explicit dates)

CA_CONFIG = """\
[ ca ]
default_ca = lab_ca

[ lab_ca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
default_md = sha256
policy = lab_policy
unique_subject = no
email_in_dn = no
rand_serial = yes
copy_extensions = none

[ lab_policy ]
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = unused
"""

CA_EXTENSIONS = """\
[ ext ]
basicConstraints = critical, CA:true{pathlen}
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
{aki}
"""

LEAF_EXTENSIONS = """\
[ ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = {sans}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def key_path(lab: Lab, name: str) -> Path:
    return lab.path("pki", "keys", f"{name}.pem")


def cert_path(lab: Lab, name: str) -> Path:
    return lab.path("pki", "certs", f"{name}.pem")


def chain_path(lab: Lab, listener: str) -> Path:
    return lab.path("pki", "chains", f"{listener}.pem")


def make_key(lab: Lab, name: str) -> None:
    algorithm = (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
                 if name in lab.rsa_key_names()
                 else ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    run(["openssl", "genpkey", *algorithm, "-out", str(key_path(lab, name))])
    os.chmod(key_path(lab, name), 0o600)


def sign_cert(lab: Lab, name: str, key: str, subject: str, issuer: str | None,
              extensions: str, not_before: str, not_after: str) -> None:
    """Issues cert NAME for KEY with `openssl ca`; issuer None means self-signed."""
    ca_dir = lab.path("pki", "ca", issuer or name)
    (ca_dir / "newcerts").mkdir(parents=True, exist_ok=True)
    (ca_dir / "index.txt").touch()
    config = ca_dir / "ca.cnf"
    config.write_text(CA_CONFIG.format(dir=ca_dir))
    work = lab.path("pki", "work")
    csr, ext = work / f"{name}.csr", work / f"{name}.ext"
    ext.write_text(extensions)
    run(["openssl", "req", "-new", "-config", str(config), "-key", str(key_path(lab, key)),
         "-subj", f"/CN={subject}", "-out", str(csr)])
    cmd = ["openssl", "ca", "-batch", "-notext", "-config", str(config), "-in", str(csr),
           "-out", str(cert_path(lab, name)), "-startdate", openssl_date(not_before),
           "-enddate", openssl_date(not_after), "-extfile", str(ext), "-extensions", "ext"]
    if issuer is None:
        cmd += ["-selfsign", "-keyfile", str(key_path(lab, key))]
    else:
        cmd += ["-cert", str(cert_path(lab, issuer)), "-keyfile", str(key_path(lab, issuer))]
    run(cmd)


def make_ca(lab: Lab, ca: dict) -> None:
    issuer = ca.get("issuer")
    extensions = CA_EXTENSIONS.format(pathlen=", pathlen:0" if issuer else "",
                                      aki="authorityKeyIdentifier = keyid" if issuer else "")
    sign_cert(lab, ca["name"], ca["name"], ca.get("subject", ca["name"]), issuer, extensions,
              ca.get("not_before", DEFAULT_NOT_BEFORE), ca.get("not_after", DEFAULT_NOT_AFTER))


def ca_path_to_root(lab: Lab, issuer: str) -> list[str]:
    """Issuer names from ISSUER up to and including the self-signed root."""
    by_name = {ca["name"]: ca for ca in lab.cas}
    path = [issuer]
    while by_name[path[-1]].get("issuer"):
        path.append(by_name[path[-1]]["issuer"])
    return path


def make_leaf(lab: Lab, listener: dict) -> None:
    """The listener's leaf, then its served chain: leaf + intermediates (+ root if asked);
    the same for its second certificate (rsa_cert: the same names, issuer and dates)."""
    leaves = [(listener["name"], listener["cert"]["key"])]
    if "rsa_cert" in listener:
        leaves.append((rsa_cert_name(listener), listener["rsa_cert"]["key"]))
    cert = listener["cert"]
    names = cert["names"]
    sans = ", ".join(f"DNS:{n}" for n in names)
    for name, key in leaves:
        sign_cert(lab, name, key, names[0], cert["issuer"], LEAF_EXTENSIONS.format(sans=sans),
                  cert.get("not_before", DEFAULT_NOT_BEFORE),
                  cert.get("not_after", DEFAULT_NOT_AFTER))
        issuers = ca_path_to_root(lab, cert["issuer"])
        if not cert.get("serve_root", False):
            issuers = issuers[:-1]
        parts = [cert_path(lab, name)] + [cert_path(lab, i) for i in issuers]
        # pad_chain: N more copies of the issuing CA, for hostile oversized chains.
        parts += [cert_path(lab, cert["issuer"])] * int(cert.get("pad_chain", 0))
        chain_path(lab, name).write_text("".join(p.read_text() for p in parts))


def build_pki(lab: Lab) -> None:
    for sub in ("keys", "certs", "chains", "ca", "work"):
        lab.path("pki", sub).mkdir(parents=True, exist_ok=True)
    for name in lab.key_names():
        make_key(lab, name)
    for ca in ca_order(lab):
        make_ca(lab, ca)
    for listener in lab.listeners:
        if "cert" in listener:
            make_leaf(lab, listener)


def ca_order(lab: Lab) -> list[dict]:
    """CAs sorted so that every issuer comes before what it signs."""
    done: list[dict] = []
    pending = list(lab.cas)
    while pending:
        ready = [ca for ca in pending
                 if not ca.get("issuer") or ca["issuer"] in [d["name"] for d in done]]
        if not ready:
            raise LabError("CA issuer loop in scenarios file")
        done += ready
        pending = [ca for ca in pending if ca not in ready]
    return done


# ---------------------------------------------------------------------------------------------
# TLSA: symbolic records -> presentation format, computed from the generated PKI


def pem_body(pem: str, label: str) -> bytes:
    m = re.search(rf"-----BEGIN {label}-----(.*?)-----END {label}-----", pem, re.S)
    if not m:
        raise LabError(f"no {label} block found")
    return base64.b64decode("".join(m.group(1).split()))


def spki_der(lab: Lab, kind: str, name: str) -> bytes:
    if kind == "key":
        pem = run(["openssl", "pkey", "-in", str(key_path(lab, name)), "-pubout"]).decode()
    else:
        pem = run(["openssl", "x509", "-in", str(cert_path(lab, name)), "-noout",
                   "-pubkey"]).decode()
    return pem_body(pem, "PUBLIC KEY")


def tlsa_rdata(lab: Lab, record: str) -> str:
    """'3 1 1 key:modern' -> '3 1 1 <sha256 of the SPKI of key modern>'."""
    usage, selector, mtype, kind, name = parse_tlsa(record, lab)
    if kind == "hex":
        return f"{usage} {selector} {mtype} {name.lower()}"
    if selector == 0:
        data = pem_body(cert_path(lab, name).read_text(), "CERTIFICATE")
    else:
        data = spki_der(lab, kind, name)
    digest = {0: lambda d: d, 1: lambda d: hashlib.sha256(d).digest(),
              2: lambda d: hashlib.sha512(d).digest()}[mtype](data)
    return f"{usage} {selector} {mtype} {digest.hex()}"


# ---------------------------------------------------------------------------------------------
# Zones: root "." -> "test." -> one zone per scenario, signed with ldns


def zone_file(lab: Lab, zone: str) -> Path:
    return lab.path("dns", "zones", ("root" if zone == "." else zone.rstrip(".")) + ".zone")


def apex_lines(lab: Lab, origin: str, ns: str = "ns.test.", serial: int = 1) -> list[str]:
    ttl = lab.ttl
    return [f"$TTL {ttl}",
            f"{origin} IN SOA ns.lab. hostmaster.lab. {serial} 3600 600 86400 {ttl}",
            f"{origin} IN NS {ns}"]


def zone_nameservers(lab: Lab, zone: str) -> list[tuple[str, str]]:
    """(NS name, address) of ZONE: ns.test. for most; ns1/ns2.ZONE for second_auth zones."""
    if zone not in lab.second_auth_zones():
        return [("ns.test.", lab.auth)]
    return [(f"ns{i}.{zone}", addr) for i, addr in enumerate(lab.zone_servers(zone), 1)]


def scenario_zone_lines(lab: Lab, sc: dict, tlsa: dict[str, list[str]] | None = None,
                        serial: int = 1) -> list[str]:
    """The zone of scenario SC; TLSA maps MX host -> specs replacing the declared ones (the
    run-time state of set-tlsa); SERIAL goes into the SOA."""
    origin = sc["domain"] + "."
    servers = zone_nameservers(lab, origin)
    lines = apex_lines(lab, origin, ns=servers[0][0], serial=serial)
    for name, address in servers[1:]:
        lines.append(f"{origin} IN NS {name}")
    if len(servers) > 1:
        lines += [f"{name} IN A {address}" for name, address in servers]
    tlsa = tlsa or {}
    for mx in sc.get("mx", []):
        host = mx["host"]
        target = "." if host == "." else host + "."
        lines.append(f"{origin} IN MX {mx['preference']} {target}")
        if host == ".":
            continue
        addresses = list(mx.get("addresses", []))
        if mx.get("listener"):
            addresses.insert(0, lab.listener(mx["listener"])["address"])
        lines += [f"{target} IN {'AAAA' if ':' in a else 'A'} {a}" for a in dict.fromkeys(addresses)]
        if mx.get("tlsa_nameserver"):
            # _25._tcp.<host> is a signed delegation (DS here) to a broken name server
            ns = lab.nameserver(mx["tlsa_nameserver"])
            ns_name = f"ns-{ns['name']}.{origin}"
            lines += [f"_25._tcp.{target} IN NS {ns_name}",
                      delegation_ds(lab, f"_25._tcp.{target}")]
            if f"{ns_name} IN A {ns['address']}" not in lines:
                lines.append(f"{ns_name} IN A {ns['address']}")
            continue
        specs = tlsa.get(host, mx.get("tlsa", []))
        lines += [f"_25._tcp.{target} IN TLSA {tlsa_rdata(lab, t)}" for t in specs]
    lines += [f"$ORIGIN {origin}"] + list(sc.get("records", []))
    return lines


def make_dnssec_key(lab: Lab, zone: str, label: str | None = None) -> tuple[Path, str]:
    """A combined signing key (KSK flag) for ZONE; returns (key base path, DS record)."""
    key_dir = lab.path("dns", "keys", label or zone_label(zone))
    key_dir.mkdir(parents=True, exist_ok=True)
    base = run(["ldns-keygen", "-a", DNSSEC_ALGORITHM, "-k", zone], cwd=key_dir).decode().strip()
    ds = (key_dir / f"{base}.ds").read_text().strip()
    return key_dir / base, ds


def zone_label(zone: str) -> str:
    return "root" if zone == "." else zone.rstrip(".")


def delegation_ds(lab: Lab, child: str) -> str:
    """The DS record of CHILD, a zone delegated to a broken name server that never serves
    it: the key is generated once (set-tlsa rewrites the parent with the same DS)."""
    key_dir = lab.path("dns", "keys", "delegated-" + zone_label(child))
    existing = sorted(key_dir.glob("K*.ds")) if key_dir.exists() else []
    if existing:
        return existing[0].read_text().strip()
    return make_dnssec_key(lab, child, label="delegated-" + zone_label(child))[1]


def sign_zone(lab: Lab, zone: str, key_base: Path, signed: Path | None = None) -> Path:
    unsigned = zone_file(lab, zone)
    signed = signed or unsigned.with_suffix(".zone.signed")
    inception = str(lab.spec["lab"].get("signature_inception", "20240101000000"))
    expiration = str(lab.spec["lab"].get("signature_expiration", "20800101000000"))
    sc = lab.scenario(zone)
    if sc and sc.get("zone") == "expired":
        inception, expiration = EXPIRED_INCEPTION, EXPIRED_EXPIRATION
    run(["ldns-signzone", "-i", inception, "-e", expiration, "-o", zone, "-f", str(signed),
         str(unsigned), str(key_base)])
    return signed


def write_zone(lab: Lab, zone: str, lines: list[str]) -> None:
    zone_file(lab, zone).write_text("\n".join(lines) + "\n")


def build_zones(lab: Lab) -> dict[str, Path]:
    """Writes and signs all zones; returns zone name -> file nsd serves."""
    lab.path("dns", "zones").mkdir(parents=True, exist_ok=True)
    served: dict[str, Path] = {}
    test_lines = apex_lines(lab, "test.") + [f"ns.test. IN A {lab.auth}"]
    for sc in lab.scenarios:
        zone = sc["domain"] + "."
        if sc.get("nameserver"):  # delegated, with a DS, to a broken name server
            ns = lab.nameserver(sc["nameserver"])
            test_lines += [f"{zone} IN NS ns.{zone}", f"ns.{zone} IN A {ns['address']}",
                           delegation_ds(lab, zone)]
            continue
        write_zone(lab, zone, scenario_zone_lines(lab, sc))
        servers = zone_nameservers(lab, zone)
        test_lines += [f"{zone} IN NS {name}" for name, _ in servers]
        if len(servers) > 1:  # glue
            test_lines += [f"{name} IN A {address}" for name, address in servers]
        if sc["zone"] == "unsigned":
            served[zone] = zone_file(lab, zone)
            continue
        key, ds = make_dnssec_key(lab, zone)
        served[zone] = sign_zone(lab, zone, key)
        if sc["zone"] == "bogus":  # publish the DS of a key that never signs anything
            _, ds = make_dnssec_key(lab, zone, label=zone_label(zone) + "-wrong-ds")
        test_lines.append(ds)
    write_zone(lab, "test.", test_lines)
    test_key, test_ds = make_dnssec_key(lab, "test.")
    served["test."] = sign_zone(lab, "test.", test_key)

    root_lines = apex_lines(lab, ".", ns="ns.lab.") + [
        f"ns.lab. IN A {lab.auth}", "test. IN NS ns.test.", f"ns.test. IN A {lab.auth}", test_ds]
    write_zone(lab, ".", root_lines)
    root_key, root_ds = make_dnssec_key(lab, ".")
    served["."] = sign_zone(lab, ".", root_key)
    lab.path("unbound").mkdir(parents=True, exist_ok=True)
    trust_anchor_file(lab).write_text(root_ds + "\n")
    root_hints_file(lab).write_text(f". 3600000 IN NS ns.lab.\nns.lab. 3600000 IN A {lab.auth}\n")
    return served


def served_zone_file(lab: Lab, zone: str, server: str) -> Path:
    """The file SERVER (an auth address) serves for ZONE: each server has its own copy, so
    that set-tlsa --only-server can change one of them."""
    sc = lab.scenario(zone)
    suffix = ".zone" if sc and sc["zone"] == "unsigned" else ".zone.signed"
    if server == lab.auth:
        return zone_file(lab, zone).with_suffix(suffix)
    return lab.path("dns", "zones-" + server, zone_label(zone) + suffix)


def build_second_zones(lab: Lab, served: dict[str, Path]) -> dict[str, Path]:
    """The second server's copies of the second_auth zones (identical at `up`)."""
    out = {}
    for zone in lab.second_auth_zones():
        target = served_zone_file(lab, zone, lab.auth2)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(served[zone], target)
        out[zone] = target
    return out


# ---------------------------------------------------------------------------------------------
# Process bookkeeping: pid files hold "PID STARTTIME" so a recycled PID is never killed


def pid_file(lab: Lab, service: str) -> Path:
    return lab.path("pids", f"{service}.pid")


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 = state), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2:].split()


def start_time(pid: int) -> str | None:
    fields = proc_stat(pid)
    return fields[19] if fields else None


def alive(pid: int, started: str | None) -> bool:
    fields = proc_stat(pid)
    return bool(fields) and fields[0] not in ("Z", "X") and (started is None or
                                                            fields[19] == started)


def record_pid(lab: Lab, service: str, pid: int) -> None:
    pid_file(lab, service).parent.mkdir(parents=True, exist_ok=True)
    pid_file(lab, service).write_text(f"{pid} {start_time(pid)}\n")


def read_pid(lab: Lab, service: str) -> tuple[int, str] | None:
    try:
        pid, started = pid_file(lab, service).read_text().split()
        return int(pid), started
    except (FileNotFoundError, ValueError):
        return None


def running(lab: Lab, service: str) -> int | None:
    entry = read_pid(lab, service)
    return entry[0] if entry and alive(*entry) else None


def session_members(sid: int) -> list[int]:
    """Processes in session SID (our daemons are session leaders: setsid at start)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields and fields[3] == str(sid) and fields[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in pids if alive(p, None)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def signal_all(pids: list[int], sig: int) -> None:
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def stop_pid(lab: Lab, service: str, timeout: float = 10.0, graceful: bool = True) -> None:
    """SIGTERM the recorded PID (if still the same process), wait, then SIGKILL; the same for
    anything left in its session (e.g. nsd's server children)."""
    entry = read_pid(lab, service)
    if entry:
        pid, started = entry
        if alive(pid, started):
            is_leader = (proc_stat(pid) or [""] * 4)[3] == str(pid)
            if graceful:
                signal_all([pid], signal.SIGTERM)
            if wait_gone([pid], timeout if graceful else 0):
                signal_all([pid], signal.SIGKILL)
                wait_gone([pid], 5)
            if is_leader:
                left = session_members(pid)
                signal_all(left, signal.SIGTERM)
                signal_all(wait_gone(left, 5), signal.SIGKILL)
                wait_gone(left, 5)
        pid_file(lab, service).unlink(missing_ok=True)


def spawn(lab: Lab, service: str, cmd: list[str]) -> subprocess.Popen:
    """Starts a foreground daemon in its own session, output to logs/SERVICE.out."""
    out = open(lab.path("logs", f"{service}.out"), "ab")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                            start_new_session=True, close_fds=True)
    out.close()
    record_pid(lab, service, proc.pid)
    return proc


# ---------------------------------------------------------------------------------------------
# nsd: authoritative for every zone on AUTH:53


def nsd_conf_file(lab: Lab, service: str) -> Path:
    return lab.path(service, "nsd.conf")


def nsd_service(lab: Lab, server: str) -> str:
    return "nsd" if server == lab.auth else "nsd2"


def write_nsd_conf(lab: Lab, zones: dict[str, Path], service: str = "nsd") -> Path:
    """nsd.conf of SERVICE (nsd: lab.auth, nsd2: lab.auth2), with nsd-control on a unix
    socket in its directory."""
    d = lab.path(service)
    d.mkdir(parents=True, exist_ok=True)
    conf = nsd_conf_file(lab, service)
    address = lab.auth if service == "nsd" else lab.auth2
    lines = ["server:",
             f"  ip-address: {address}", "  port: 53", "  do-ip6: no",
             '  username: ""', '  chroot: ""', '  database: ""',
             f'  zonelistfile: "{d}/zone.list"', f'  xfrdfile: "{d}/xfrd.state"',
             f'  xfrdir: "{d}"', f'  pidfile: "{d}/nsd.pid"',
             f'  logfile: "{lab.path("logs", service + ".log")}"',
             "  server-count: 1", "  verbosity: 1", "  hide-version: yes",
             "  reuseport: no", "  refuse-any: yes",
             # The one resolver is the only client: response-rate limiting (Debian's nsd
             # allows 200 answers a second per /24) would only drop its answers and slow
             # checks of many names in one zone by unbound's retries.
             "  rrl-ratelimit: 0", "  rrl-whitelist-ratelimit: 0",
             "remote-control:", "  control-enable: yes",
             f'  control-interface: "{d}/nsd.ctl"']
    for zone, path in zones.items():
        lines += ["zone:", f'  name: "{zone}"', f'  zonefile: "{path}"']
    conf.write_text("\n".join(lines) + "\n")
    run(["nsd-checkconf", str(conf)])
    return conf


def start_nsd(lab: Lab, conf: Path, service: str = "nsd") -> None:
    spawn(lab, service, ["nsd", "-d", "-c", str(conf)])


# ---------------------------------------------------------------------------------------------
# unbound: validating resolver on RESOLVER:53, the lab root as its only trust anchor


def trust_anchor_file(lab: Lab) -> Path:
    return lab.path("unbound", "root.ds")


def root_hints_file(lab: Lab) -> Path:
    """The lab root's servers as a root hints file (for danemon's embedded validator)."""
    return lab.path("unbound", "root.hints")


def write_unbound_conf(lab: Lab) -> Path:
    d = lab.path("unbound")
    d.mkdir(parents=True, exist_ok=True)
    conf = d / "unbound.conf"
    lines = ["server:",
             f"  interface: {lab.resolver}", "  port: 53",
             "  do-ip4: yes", "  do-ip6: no", "  do-udp: yes", "  do-tcp: yes",
             "  access-control: 127.0.0.0/8 allow", "  access-control: ::1 allow",
             '  username: ""', '  chroot: ""', f'  directory: "{d}"',
             f'  pidfile: "{d}/unbound.pid"', f'  logfile: "{lab.path("logs", "unbound.log")}"',
             "  use-syslog: no", "  log-time-ascii: yes", "  verbosity: 1", "  val-log-level: 2",
             "  num-threads: 1", "  so-reuseport: no", "  outgoing-range: 64",
             '  module-config: "validator iterator"',
             f'  trust-anchor-file: "{trust_anchor_file(lab)}"',
             "  do-not-query-localhost: no",
             "  cache-max-ttl: 30", "  cache-max-negative-ttl: 10", "  val-bogus-ttl: 5",
             "  infra-host-ttl: 30", "  harden-glue: yes", "  harden-dnssec-stripped: yes",
             # unbound serves test. itself as a special-use name (RFC 6761) unless told not to
             '  local-zone: "test." nodefault',
             "remote-control:", "  control-enable: yes",
             f'  control-interface: "{d}/unbound.ctl"', "  control-use-cert: no",
             "stub-zone:", '  name: "."', f"  stub-addr: {lab.auth}", "  stub-prime: no"]
    conf.write_text("\n".join(lines) + "\n")
    run(["unbound-checkconf", str(conf)])
    return conf


def start_unbound(lab: Lab, conf: Path) -> None:
    spawn(lab, "unbound", ["unbound", "-d", "-c", str(conf)])


# ---------------------------------------------------------------------------------------------
# postfix: one instance (own config dir, queue, data, log), one smtpd per listener

MASTER_CF_SERVICES = """\
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
tlsmgr     unix  -       -       n       1000?   1       tlsmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
smtp       unix  -       -       n       -       -       smtp
relay      unix  -       -       n       -       -       smtp
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
virtual    unix  -       n       n       -       -       virtual
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
local      unix  -       n       n       -       -       local
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
"""

# Per tls mode: master.cf -o settings. OpenSSL 3 refuses TLS < 1.2 at the default security
# level, hence @SECLEVEL=0 wherever TLS 1.0/1.1 must work.
LEGACY_CIPHERS = ["smtpd_tls_ciphers=medium", "smtpd_tls_mandatory_ciphers=medium",
                  "tls_medium_cipherlist=DEFAULT:@SECLEVEL=0"]
TLS_SETTINGS = {
    "modern": ["smtpd_tls_security_level=may", "smtpd_tls_protocols=>=TLSv1.2",
               "smtpd_tls_mandatory_protocols=>=TLSv1.2"],
    "legacy": ["smtpd_tls_security_level=may",
               "smtpd_tls_protocols=!SSLv2,!SSLv3,!TLSv1.2,!TLSv1.3",
               "smtpd_tls_mandatory_protocols=!SSLv2,!SSLv3,!TLSv1.2,!TLSv1.3"] + LEGACY_CIPHERS,
    "legacy-enabled": ["smtpd_tls_security_level=may", "smtpd_tls_protocols=>=TLSv1",
                       "smtpd_tls_mandatory_protocols=>=TLSv1"] + LEGACY_CIPHERS,
    "none": ["smtpd_tls_security_level=none"],
}


def postfix_conf_dir(lab: Lab) -> Path:
    return lab.path("postfix", "etc")


def listener_hostname(listener: dict) -> str:
    if listener.get("hostname"):
        return listener["hostname"]
    return listener["cert"]["names"][0] if "cert" in listener else "mx.lab.test"


def main_cf(lab: Lab) -> str:
    logs = lab.path("logs")
    uid, gid = postfix_ids()
    settings = {
        "compatibility_level": "3.6",
        "queue_directory": lab.path("postfix", "spool"),
        "data_directory": lab.path("postfix", "data"),
        "mail_owner": "postfix", "setgid_group": "postdrop",
        "myhostname": "mx.lab.test", "mydomain": "lab.test", "myorigin": "$myhostname",
        "mydestination": "", "relay_domains": "", "mynetworks": "127.0.0.1/32",
        # the smtpd listeners bind their own 127.0.25.N (master.cf); inet_interfaces must name
        # configured interface addresses only, and lo carries just 127.0.0.1
        "inet_interfaces": "loopback-only", "inet_protocols": "ipv4",
        # the lab never delivers or relays anything
        "smtpd_relay_restrictions": "reject", "smtpd_recipient_restrictions": "reject",
        "default_transport": "error:the danemon lab delivers no mail",
        "relay_transport": "error:the danemon lab delivers no mail",
        "local_transport": "error:the danemon lab delivers no mail",
        "alias_maps": "", "alias_database": "", "biff": "no", "append_dot_mydomain": "no",
        "smtpd_peername_lookup": "no", "smtpd_banner": "$myhostname ESMTP danemon-lab",
        "smtpd_tls_security_level": "none", "smtpd_tls_loglevel": "1",
        "smtpd_tls_session_cache_database": "",
        "maillog_file": logs / "postfix.log", "maillog_file_prefixes": logs,
        # the alert mailbox: every address @mailbox_domain goes to one mbox file, RUN/mail/alerts
        # (delivered by the virtual agent as the postfix user); smtpd accepts it only on the
        # mailbox listener (master.cf), everywhere else RCPT is still rejected
        "virtual_mailbox_domains": lab.mailbox_domain,
        "virtual_mailbox_base": lab.mailbox.parent,
        "virtual_mailbox_maps": f"static:{lab.mailbox.name}",
        "virtual_uid_maps": f"static:{uid}", "virtual_gid_maps": f"static:{gid}",
        "virtual_minimum_uid": uid, "virtual_mailbox_lock": "fcntl",
    }
    return "".join(f"{k} = {v}\n" for k, v in settings.items())


def postfix_ids() -> tuple[int, int]:
    pw = pwd.getpwnam("postfix")
    return pw.pw_uid, pw.pw_gid


# the mailbox listener: RCPT to the mailbox domain from 127.0.0.0/8, nothing else (the relay
# check rejects every other domain, as mydestination and relay_domains are empty)
MAILBOX_SETTINGS = ["mynetworks=127.0.0.0/8", "smtpd_relay_restrictions=reject_unauth_destination",
                    "smtpd_recipient_restrictions=permit_mynetworks,reject"]


def master_cf(lab: Lab) -> str:
    out = []
    for lst in lab.postfix_listeners:
        opts = [f"syslog_name=postfix/{lst['name']}", f"myhostname={listener_hostname(lst)}"]
        if lst["name"] == lab.mailbox_listener:
            opts += MAILBOX_SETTINGS
        opts += TLS_SETTINGS[lst["tls"]]
        if "cert" in lst:
            if "rsa_cert" in lst:
                # Postfix 3.4+: one key and its chain per key type; OpenSSL picks the one
                # the client's signature algorithms allow.
                files = [key_path(lab, lst["cert"]["key"]), chain_path(lab, lst["name"]),
                         key_path(lab, lst["rsa_cert"]["key"]),
                         chain_path(lab, rsa_cert_name(lst))]
                opts += ["smtpd_tls_chain_files=" + ",".join(str(f) for f in files)]
            else:
                opts += [f"smtpd_tls_cert_file={chain_path(lab, lst['name'])}",
                         f"smtpd_tls_key_file={key_path(lab, lst['cert']['key'])}"]
        out.append(f"# listener {lst['name']} ({lst['tls']})\n"
                   f"{lst['address']}:25 inet n - n - - smtpd\n"
                   + "".join(f"  -o {o}\n" for o in opts))
    return "".join(out) + MASTER_CF_SERVICES


def write_postfix_conf(lab: Lab) -> Path:
    conf_dir = postfix_conf_dir(lab)
    for d in (conf_dir, lab.path("postfix", "spool"), lab.path("postfix", "data")):
        d.mkdir(parents=True, exist_ok=True)
    shutil.chown(lab.path("postfix", "data"), "postfix", "postfix")
    lab.mailbox.parent.mkdir(parents=True, exist_ok=True)
    shutil.chown(lab.mailbox.parent, "postfix", "postfix")
    (conf_dir / "main.cf").write_text(main_cf(lab))
    (conf_dir / "master.cf").write_text(master_cf(lab))
    return conf_dir


def postfix_cmd(lab: Lab, *args: str) -> int:
    """postfix -c CONFDIR ARGS; output appended to logs/postfix.out (never to our pipes).
    The postfix command reports errors on stderr only when it is a terminal (else to the
    maillog, which needs a running postlogd), so it gets a pseudo-terminal."""
    controller, terminal = pty.openpty()
    try:
        rc = subprocess.run([POSTFIX, "-c", str(postfix_conf_dir(lab)), *args],
                            stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal).returncode
        os.set_blocking(controller, False)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(terminal)
        os.close(controller)
    with open(lab.path("logs", "postfix.out"), "ab") as out:
        text = output.decode(errors="replace").replace("\r\n", "\n").rstrip("\n")
        out.write(f"$ postfix {' '.join(args)} (exit {rc})\n{text}\n".encode())
    return rc


def start_postfix(lab: Lab) -> None:
    # `postfix check` creates the missing queue directories (owned by postfix) and checks
    if postfix_cmd(lab, "check"):
        raise LabError(f"postfix config check failed, see {lab.path('logs', 'postfix.out')}")
    if postfix_cmd(lab, "start"):
        raise LabError(f"postfix start failed, see {lab.path('logs', 'postfix.out')} "
                       f"and {lab.path('logs', 'postfix.log')}")
    master_pid = lab.path("postfix", "spool", "pid", "master.pid")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pid = int(master_pid.read_text().split()[0])
            if alive(pid, None):
                record_pid(lab, "postfix", pid)
                return
        except (FileNotFoundError, ValueError, IndexError):
            pass
        time.sleep(0.1)
    raise LabError(f"postfix master did not start, see {lab.path('logs', 'postfix.log')}")


def stop_postfix(lab: Lab) -> None:
    if running(lab, "postfix"):
        postfix_cmd(lab, "stop")  # asks master to stop its children and exit
    stop_pid(lab, "postfix")


# ---------------------------------------------------------------------------------------------
# Hostile listeners: hostile_smtp.py, one detached process serving all of them


def hostile_bounds(lab: Lab) -> list[str]:
    """The options every hostile peer takes: its caps from [lab], and the user it runs as."""
    cfg = lab.spec["lab"]
    return ["--connection-cap", str(cfg.get("hostile_connection_cap", 120)),
            "--max-connections", str(cfg.get("hostile_max_connections", 32)),
            "--user", "nobody"]


def start_python_peer(lab: Lab, service: str, script: Path, peers: list, port: int,
                      options: tuple = ()) -> None:
    """Starts one of the hostile Python peers for PEERS, each NAME=KIND@ADDRESS:PORT (nothing
    when there are none), with OPTIONS before them."""
    if not peers:
        return
    cmd = [sys.executable, str(script), *hostile_bounds(lab), *options]
    cmd += [f"{peer['name']}={peer['kind']}@{peer['address']}:{port}" for peer in peers]
    spawn(lab, service, cmd)


def start_hostile(lab: Lab) -> None:
    """Starts hostile_smtp.py for the hostile listeners."""
    start_python_peer(lab, "hostile", HOSTILE_SERVER, lab.hostile_listeners, 25)


def hostile_tls_binary(lab: Lab) -> Path:
    binary = lab.hostile_tls or DEFAULT_HOSTILE_TLS
    if not os.access(binary, os.X_OK):
        raise LabError(f"{binary} not found: scenarios.toml declares hostile TLS listeners "
                       f"({', '.join(l['name'] for l in lab.hostile_tls_listeners)}); build it "
                       f"(cmake --build build --target danemon-lab-hostile-tls) or pass "
                       f"`up --hostile-tls PATH`")
    return binary


def start_hostile_tls(lab: Lab, lifetime: int) -> None:
    """Starts danemon-lab-hostile-tls for the hostile TLS listeners (nothing when there are
    none). Its own lifetime ends a little after the watchdog's, in case the watchdog dies."""
    if not lab.hostile_tls_listeners:
        return
    cmd = [str(hostile_tls_binary(lab)), *hostile_bounds(lab), "--max-lifetime", str(lifetime + 300)]
    for lst in lab.hostile_tls_listeners:
        cert = lst["cert"]
        cmd += ["--listen", ",".join([lst["name"], lst["kind"], f"{lst['address']}:25",
                                      str(key_path(lab, cert["key"])),
                                      str(chain_path(lab, lst["name"])),
                                      str(key_path(lab, cert["issuer"]))])]
    spawn(lab, "hostile-tls", cmd)


def start_hostile_dns(lab: Lab) -> None:
    """Starts hostile_dns.py for the [[nameserver]]s."""
    start_python_peer(lab, "hostile-dns", HOSTILE_DNS_SERVER, lab.nameservers, 53,
                      ("--upstream", f"{lab.spec['lab']['resolver_address']}:53"))


def hostile_dns_healthy(lab: Lab) -> str:
    """Each broken name server misbehaves as declared: servfail/refused answer that RCODE;
    a sink accepts TCP (its UDP silence is only checked by `check`); drop-first answers the
    second copy of a question (through the lab resolver)."""
    for ns in lab.nameservers:
        if ns["kind"] == "drop-first":
            drop_first_answers(ns)
            continue
        if ns["kind"] == "sink":
            with socket.create_connection((ns["address"], 53), timeout=1):
                pass
            continue
        answer = dns_query(ns["address"], "probe.test", "SOA", rd=False, timeout=1)
        if answer.rcode != ns["kind"].upper():
            raise OSError(f"{ns['name']} answered {answer.rcode}, want {ns['kind'].upper()}")
    return "sink silent, servfail and refused answer so, drop-first answers the second copy"


def drop_first_answers(ns: dict) -> None:
    """A drop-first server answers the second copy of a question, not the first. Raises
    OSError otherwise."""
    question = f"{time.monotonic_ns()}.probe.test"  # a question it has not seen yet
    try:
        dns_query(ns["address"], question, "A", rd=True, timeout=1)
        raise OSError(f"{ns['name']} answered the first copy")
    except socket.timeout:
        pass
    answer = dns_query(ns["address"], question, "A", rd=True, timeout=3)
    if answer.rcode not in ("NOERROR", "NXDOMAIN"):
        raise OSError(f"{ns['name']} answered the second copy {answer.rcode}")


def tcp_accepts(address: str, timeout: float = 2.0) -> str:
    """Connects to ADDRESS:25 and closes again; raises OSError when nobody accepts."""
    with socket.create_connection((address, 25), timeout=timeout):
        pass
    return "accepts TCP"


# ---------------------------------------------------------------------------------------------
# Health: a minimal DNS client and SMTP banner/STARTTLS probes

QTYPES = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "AAAA": 28, "DS": 43, "DNSKEY": 48, "TLSA": 52}
RCODES = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}


@dataclass
class DnsAnswer:
    rcode: str
    ad: bool
    aa: bool
    answers: int
    raw: bytes = b""

    def soa_serial(self) -> int | None:
        """The serial of the first answer record, if that is an SOA."""
        data = self.raw
        pos = skip_name(data, 12) + 4  # the question
        if self.answers == 0:
            return None
        pos = skip_name(data, pos)
        rtype, _, _, rdlength = struct.unpack("!HHIH", data[pos:pos + 10])
        if rtype != QTYPES["SOA"]:
            return None
        pos = skip_name(data, skip_name(data, pos + 10))  # MNAME, RNAME
        return struct.unpack("!I", data[pos:pos + 4])[0]


def skip_name(data: bytes, pos: int) -> int:
    """Position after the (possibly compressed) domain name at POS."""
    while True:
        length = data[pos]
        if length >= 0xC0:
            return pos + 2
        pos += 1 + length
        if length == 0:
            return pos


def dns_query(server: str, name: str, qtype: str, cd: bool = False, rd: bool = True,
              timeout: float = 2.0) -> DnsAnswer:
    """One UDP query with EDNS0 DO and the AD bit set; returns the header facts."""
    qid = random.randrange(1 << 16)
    flags = (0x0100 if rd else 0) | 0x0020 | (0x0010 if cd else 0)
    header = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1)
    labels = [l for l in name.rstrip(".").split(".") if l]
    qname = b"".join(bytes([len(l)]) + l.encode() for l in labels) + b"\0"
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)
    packet = header + qname + struct.pack("!HH", QTYPES[qtype], 1) + opt
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, (server, 53))
        while True:
            data, _ = s.recvfrom(65535)
            rid, rflags, _, ancount = struct.unpack("!HHHH", data[:8])
            if rid == qid:
                break
    if rflags & 0x0200:  # truncated: ask again over TCP (RFC 7766)
        with socket.create_connection((server, 53), timeout=timeout) as s:
            s.sendall(struct.pack("!H", len(packet)) + packet)
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    break
                data += chunk
        data = data[2:]
        rid, rflags, _, ancount = struct.unpack("!HHHH", data[:8])
    return DnsAnswer(RCODES.get(rflags & 0xF, str(rflags & 0xF)), bool(rflags & 0x20),
                     bool(rflags & 0x400), ancount, data)


def smtp_banner(address: str, timeout: float = 2.0) -> str:
    """The 220 greeting of ADDRESS:25 (last line), or raises OSError."""
    with socket.create_connection((address, 25), timeout=timeout) as s:
        data = b""
        while not re.search(rb"(^|\n)\d{3} [^\n]*\n", data):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.sendall(b"QUIT\r\n")
    last = data.decode(errors="replace").strip().splitlines()[-1] if data else ""
    if not last.startswith("220"):
        raise OSError(f"unexpected greeting {last!r}")
    return last


def nsd_healthy(lab: Lab) -> str:
    answer = dns_query(lab.auth, ".", "SOA", rd=False, timeout=1)
    if answer.rcode != "NOERROR" or not answer.aa:
        raise OSError(f"nsd answered {answer}")
    return "answers . SOA authoritatively"


def nsd2_healthy(lab: Lab) -> str:
    for zone in lab.second_auth_zones():
        answer = dns_query(lab.auth2, zone, "SOA", rd=False, timeout=1)
        if answer.rcode != "NOERROR" or not answer.aa:
            raise OSError(f"nsd2 answered {zone} SOA with {answer}")
    return f"answers {' '.join(lab.second_auth_zones())} SOA authoritatively"


def unbound_healthy(lab: Lab) -> str:
    for name in (".", "test."):
        answer = dns_query(lab.resolver, name, "SOA", timeout=1)
        if answer.rcode != "NOERROR" or not answer.ad:
            raise OSError(f"unbound answered {name} SOA with {answer}")
    return "validates (AD on . SOA and test. SOA)"


def wait_for(lab: Lab, service: str, what: str, probe, deadline: float, logfile: Path) -> str:
    """Polls PROBE until it succeeds; fails early when our SERVICE process has exited (the
    answer would then come from someone else's server)."""
    last_error = "no answer"
    while time.monotonic() < deadline:
        if not running(lab, service):
            raise LabError(f"{what}: the {service} process started by the lab has exited; "
                           f"see {logfile} and {lab.path('logs', service + '.out')}")
        try:
            return probe()
        except OSError as e:  # includes socket.timeout, ConnectionRefusedError
            last_error = str(e) or type(e).__name__
        time.sleep(0.2)
    raise LabError(f"{what} not healthy in time ({last_error}); see {logfile}")


def wait_healthy(lab: Lab, timeout: float) -> None:
    """Prints one line per service once it answers; LabError (with a log path) otherwise."""
    deadline = time.monotonic() + timeout
    msg = wait_for(lab, "nsd", "nsd", lambda: nsd_healthy(lab), deadline,
                   lab.path("logs", "nsd.log"))
    log(f"nsd      {lab.auth}:53   pid {running(lab, 'nsd')}  {msg}")
    if "nsd2" in lab.services():
        msg = wait_for(lab, "nsd2", "nsd2", lambda: nsd2_healthy(lab), deadline,
                       lab.path("logs", "nsd2.log"))
        log(f"nsd2     {lab.auth2}:53   pid {running(lab, 'nsd2')}  {msg}")
    msg = wait_for(lab, "unbound", "unbound", lambda: unbound_healthy(lab), deadline,
                   lab.path("logs", "unbound.log"))
    log(f"unbound  {lab.resolver}:53   pid {running(lab, 'unbound')}  {msg}")
    if lab.nameservers:
        msg = wait_for(lab, "hostile-dns", "broken name servers", lambda: hostile_dns_healthy(lab),
                       deadline, lab.path("logs", "hostile-dns.out"))
        log(f"hostile-dns pid {running(lab, 'hostile-dns')}  {HOSTILE_DNS_SERVER.name}: {msg}")
        for ns in lab.nameservers:
            log(f"dns      {ns['address'] + ':53':<16}{ns['name']:<15} kind={ns['kind']}")
    log(f"postfix  master pid {running(lab, 'postfix')}  config {postfix_conf_dir(lab)}")
    for lst in lab.postfix_listeners:
        banner = wait_for(lab, "postfix", f"postfix listener {lst['name']} ({lst['address']}:25)",
                          lambda: smtp_banner(lst["address"]), deadline,
                          lab.path("logs", "postfix.log"))
        log(f"smtp     {lst['address'] + ':25':<16}{lst['name']:<15} tls={lst['tls']:<15} {banner}")
    if lab.hostile_listeners:
        log(f"hostile  pid {running(lab, 'hostile')}  {HOSTILE_SERVER.name}")
    for lst in lab.hostile_listeners:
        msg = wait_for(lab, "hostile", f"hostile listener {lst['name']} ({lst['address']}:25)",
                       lambda: tcp_accepts(lst["address"]), deadline,
                       lab.path("logs", "hostile.out"))
        log(f"smtp     {lst['address'] + ':25':<16}{lst['name']:<15} kind={lst['kind']} {msg}")
    if lab.hostile_tls_listeners:
        log(f"hostile-tls pid {running(lab, 'hostile-tls')}  {hostile_tls_binary(lab).name}")
    for lst in lab.hostile_tls_listeners:
        banner = wait_for(lab, "hostile-tls", f"hostile TLS listener {lst['name']} "
                          f"({lst['address']}:25)", lambda: smtp_banner(lst["address"]), deadline,
                          lab.path("logs", "hostile-tls.out"))
        log(f"smtp     {lst['address'] + ':25':<16}{lst['name']:<15} kind={lst['kind']} {banner}")
    for lst in lab.mta_listeners:
        banner = wait_for(lab, mta_service(lst), f"{lst['mta']} listener {lst['name']} "
                          f"({lst['address']}:25)", lambda: smtp_banner(lst["address"], 5.0),
                          deadline, lab.path("mta", lst["name"]))
        log(f"smtp     {lst['address'] + ':25':<16}{lst['name']:<15} {lst['mta']} "
            f"tls={lst['tls']:<8} {banner}")


def check_ports_free(lab: Lab) -> None:
    """Every address the lab binds must be free: postfix binds with SO_REUSEPORT and would
    silently share a port with another lab (say, one with a different --run-dir)."""
    wanted = [(socket.SOCK_DGRAM, lab.auth, 53), (socket.SOCK_STREAM, lab.auth, 53),
              (socket.SOCK_DGRAM, lab.resolver, 53), (socket.SOCK_STREAM, lab.resolver, 53)]
    if "nsd2" in lab.services():
        wanted += [(socket.SOCK_DGRAM, lab.auth2, 53), (socket.SOCK_STREAM, lab.auth2, 53)]
    for ns in lab.nameservers:
        wanted += [(socket.SOCK_DGRAM, ns["address"], 53), (socket.SOCK_STREAM, ns["address"], 53)]
    wanted += [(socket.SOCK_STREAM, lst["address"], 25) for lst in lab.listeners]
    busy = []
    for kind, address, port in wanted:
        with socket.socket(socket.AF_INET, kind) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((address, port))
            except OSError as e:
                busy.append(f"{address}:{port}/{'udp' if kind == socket.SOCK_DGRAM else 'tcp'}"
                            f" ({e.strerror})")
    if busy:
        raise LabError("addresses in use: " + ", ".join(busy) + ". Is another lab up (e.g. "
                       "with another --run-dir)? Stop it with `lab.py down --run-dir DIR`.")


# ---------------------------------------------------------------------------------------------
# sendmail and Exim listeners: each its own daemon, run from its Debian package unpacked into
# RUN/mta/ (tests/lab/mta_sendmail.py, tests/lab/mta_exim.py say how)


def mta_module(kind: str):
    sys.path.insert(0, str(LAB_DIR))
    try:
        return __import__(MTA_MODULES[kind].stem)
    finally:
        sys.path.remove(str(LAB_DIR))


def mta_root(lab: Lab, kind: str) -> Path:
    """The unpacked package tree of KIND ("sendmail", "exim"), once per `up`."""
    root = lab.path("mta", kind + "-root")
    if not root.exists():
        try:
            mta_module(kind).unpack(lab.mta_debs, root)
        except (OSError, RuntimeError, subprocess.SubprocessError) as e:
            raise LabError(f"cannot unpack {kind} from {lab.mta_debs} ({e}); "
                           f"scripts/install-deps.sh fetches the packages") from e
    return root


def start_mta(lab: Lab, lst: dict, lifetime: int) -> None:
    kind, name = listener_kind(lst), lst["name"]
    module = mta_module(kind)
    root, run_dir = mta_root(lab, kind), lab.path("mta", name)
    chain, key = chain_path(lab, name), key_path(lab, lst["cert"]["key"])
    try:
        if kind == "sendmail":
            conf = module.write_config(root, run_dir, address=lst["address"],
                                       hostname=listener_hostname(lst), chain_file=chain,
                                       key_file=key, tls=lst["tls"],
                                       greeting=lst.get("greeting", "single"),
                                       greet_pause_ms=int(lst.get("greet_pause_ms", 0)))
            pid = module.start(root, run_dir, conf, max_lifetime=lifetime)
        else:
            certs = [(chain, key)]
            if "rsa_cert" in lst:
                certs.append((chain_path(lab, rsa_cert_name(lst)),
                              key_path(lab, lst["rsa_cert"]["key"])))
            conf = module.write_config(root, run_dir, address=lst["address"],
                                       hostname=listener_hostname(lst), certs=certs,
                                       tls=lst["tls"])
            pid = module.start(root, run_dir, conf, lifetime=lifetime)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
        raise LabError(f"{kind} listener {name} did not start: {e}") from e
    # The daemon runs in the session of a timeout(1) wrapper: stopping the session leader
    # stops the daemon (timeout passes the signal on), and stop_pid sweeps the session.
    record_pid(lab, mta_service(lst), int((proc_stat(pid) or [""] * 4)[3] or pid))
    log(f"{kind:<8} pid {pid}  {lst['address']}:25 {name} (tls={lst['tls']})")


def start_mtas(lab: Lab, lifetime: int) -> None:
    for lst in lab.mta_listeners:
        start_mta(lab, lst, lifetime)


# ---------------------------------------------------------------------------------------------
# Watchdog: a detached process that stops the lab after its maximum lifetime


def start_watchdog(lab: Lab, lifetime: int) -> float:
    deadline = time.time() + lifetime
    spawn(lab, "watchdog", [sys.executable, str(Path(__file__).resolve()), "_watchdog",
                            "--run-dir", str(lab.run_dir), "--scenarios",
                            str(lab.scenarios_file), "--deadline", str(deadline)])
    return deadline


def watchdog(lab: Lab, deadline: float) -> None:
    """Sleeps until DEADLINE, then stops the lab. Exits early when the lab went down."""
    while time.time() < deadline:
        if not any(running(lab, s) for s in lab.services()):
            return
        time.sleep(min(5.0, max(0.0, deadline - time.time())))
    log(f"{time.strftime('%F %T')} max lifetime reached, stopping the lab")
    stop_all(lab, include_watchdog=False)
    pid_file(lab, "watchdog").unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Commands


def stop_all(lab: Lab, include_watchdog: bool = True) -> list[str]:
    stopped = []
    if include_watchdog and running(lab, "watchdog"):
        stop_pid(lab, "watchdog", timeout=2)
        stopped.append("watchdog")
    # The MTA listeners first: those declared, and any a changed declaration left behind.
    recorded = sorted(p.stem for p in lab.path("pids").glob("*.pid")) if \
        lab.path("pids").is_dir() else []
    mtas = [s for s in recorded if s.split(".")[0] in MTA_KINDS]
    for service in mtas + list(reversed(SERVICES)):
        if running(lab, service):
            stopped.append(service)
        if service == "postfix":
            stop_postfix(lab)
        else:
            stop_pid(lab, service)
    lab.path("state.json").unlink(missing_ok=True)
    return stopped


def prepare_run_dir(lab: Lab) -> None:
    """Removes what a previous `up` generated (only our own subdirectories)."""
    lab.run_dir.mkdir(parents=True, exist_ok=True)
    marker = lab.path(MARKER)
    if any(lab.run_dir.iterdir()) and not marker.exists():
        raise LabError(f"{lab.run_dir} is not empty and not a lab run dir; refusing to use it")
    marker.write_text("generated by tests/lab/lab.py; safe to delete when the lab is down\n")
    for sub in GENERATED_DIRS:
        shutil.rmtree(lab.path(sub), ignore_errors=True)
    for sub in GENERATED_DIRS:
        lab.path(sub).mkdir()
    os.chmod(lab.run_dir, 0o755)  # postfix and nsd children may drop privileges


def already_up(lab: Lab) -> bool:
    """True when every service runs, the declaration is unchanged and everything answers."""
    try:
        state = json.loads(lab.path("state.json").read_text())
    except (FileNotFoundError, ValueError):
        return False
    if state.get("fingerprint") != fingerprint(lab):
        log("scenarios.toml or lab.py changed since the lab was started: rebuilding")
        return False
    if not all(running(lab, s) for s in lab.services()):
        return False
    try:
        wait_healthy(lab, timeout=5)
    except LabError as e:
        log(f"lab unhealthy ({e}): restarting")
        return False
    return True


def cmd_up(lab: Lab, args) -> int:
    lab.hostile_tls = args.hostile_tls
    lab.mta_debs = args.mta_debs
    if os.geteuid() != 0:
        raise LabError("the lab needs root (it binds ports 53 and 25 and runs postfix)")
    if already_up(lab):
        stop_pid(lab, "watchdog", timeout=2)
        deadline = start_watchdog(lab, args.max_lifetime)
        log(f"watchdog pid {running(lab, 'watchdog')}  stops the lab at "
            f"{time.strftime('%F %T', time.localtime(deadline))}")
        log(f"lab already up ({lab.run_dir})")
        return 0
    stop_all(lab)
    try:
        check_ports_free(lab)
        prepare_run_dir(lab)
        build_pki(lab)
        zones = build_zones(lab)
        nsd_conf = write_nsd_conf(lab, zones)
        if "nsd2" in lab.services():
            nsd2_conf = write_nsd_conf(lab, build_second_zones(lab, zones), "nsd2")
        unbound_conf = write_unbound_conf(lab)
        write_postfix_conf(lab)
        start_nsd(lab, nsd_conf)
        if "nsd2" in lab.services():
            start_nsd(lab, nsd2_conf, "nsd2")
        start_hostile_dns(lab)
        start_unbound(lab, unbound_conf)
        start_postfix(lab)
        start_hostile(lab)
        start_hostile_tls(lab, args.max_lifetime)
        start_mtas(lab, args.max_lifetime)
        deadline = start_watchdog(lab, args.max_lifetime)
        wait_healthy(lab, args.timeout)
    except LabError as e:
        print(f"lab up failed: {e}", file=sys.stderr)
        stop_all(lab)
        return 1
    lab.path("state.json").write_text(json.dumps(
        {"fingerprint": fingerprint(lab), "started": time.time(), "deadline": deadline}) + "\n")
    log(f"watchdog pid {running(lab, 'watchdog')}  stops the lab at "
        f"{time.strftime('%F %T', time.localtime(deadline))}")
    log(f"lab up ({lab.run_dir}); resolver {lab.resolver}")
    return 0


def cmd_down(lab: Lab, args) -> int:
    if not lab.run_dir.exists():
        log("lab not running")
        return 0
    stopped = stop_all(lab)
    log(f"stopped: {', '.join(stopped)}" if stopped else "lab not running")
    return 0


def cmd_status(lab: Lab, args) -> int:
    all_up = True
    for service in lab.services() + ("watchdog",):
        pid = running(lab, service)
        all_up &= bool(pid) or service == "watchdog"
        log(f"{service:<9} {'running, pid ' + str(pid) if pid else 'stopped'}")
    return 0 if all_up else 1


def cmd_domains(lab: Lab, args) -> int:
    for sc in lab.scenarios:
        log(sc["domain"])
    return 0


def cmd_expect(lab: Lab, args) -> int:
    sc = lab.scenario(args.domain)
    if sc is None:
        print(f"unknown scenario domain {args.domain}", file=sys.stderr)
        return 2
    log(json.dumps({"status": sc["status"], "codes": list(sc.get("codes", [])),
                    "severities": dict(sc.get("severities", {}))}))
    return 0


def cmd_digests(lab: Lab, args) -> int:
    """Every association datum the lab's PKI yields, one per line as HEX LABEL: for each key
    its SPKI (selector 1) and for each certificate its DER (selector 0), in full and as
    SHA-256 and SHA-512, labelled like 'key:modern 1 1'. Tests use it to name in what danemon
    prints which key or certificate a digest is, since the keys are new on every `up`."""
    if not lab.path("pki", "certs").exists():
        raise LabError(f"no lab in {lab.run_dir}; start it with `lab.py up`")
    digests = {0: lambda d: d, 1: lambda d: hashlib.sha256(d).digest(),
               2: lambda d: hashlib.sha512(d).digest()}
    for kind, selector, folder in (("key", 1, "keys"), ("cert", 0, "certs")):
        for path in sorted(lab.path("pki", folder).glob("*.pem")):
            name = path.stem
            data = (spki_der(lab, kind, name) if kind == "key"
                    else pem_body(path.read_text(), "CERTIFICATE"))
            for mtype, digest in digests.items():
                log(f"{digest(data).hex()} {kind}:{name} {selector} {mtype}")
    return 0


def cmd_env(lab: Lab, args) -> int:
    values = {"LAB_RESOLVER": lab.resolver, "LAB_AUTH": lab.auth,
              "LAB_RUN_DIR": str(lab.run_dir),
              "LAB_TRUST_ANCHOR": str(trust_anchor_file(lab)),
              "LAB_ROOT_HINTS": str(root_hints_file(lab)),
              "LAB_SCENARIOS": str(lab.scenarios_file),
              "LAB_MAIL_SERVER": lab.listener(lab.mailbox_listener)["address"],
              "LAB_MAIL_DOMAIN": lab.mailbox_domain,
              "LAB_MAILBOX": str(lab.mailbox)}
    if lab.second_auth_zones():
        values["LAB_AUTH2"] = lab.auth2
    for ns in lab.nameservers:  # LAB_NS_SINK=127.0.53.10, ...
        values["LAB_NS_" + re.sub(r"\W", "_", ns["name"]).upper()] = ns["address"]
    for key, value in values.items():
        log(f"{key}={shlex.quote(value)}")
    return 0


# ---------------------------------------------------------------------------------------------
# Run-time TLSA changes (set-tlsa / reset-tlsa): state in RUN/dns/runtime.json, per server


def runtime_file(lab: Lab) -> Path:
    return lab.path("dns", "runtime.json")


def load_runtime(lab: Lab) -> dict:
    """{"tlsa": {server: {host: [specs]}}, "serial": {server: {zone: n}}}"""
    try:
        state = json.loads(runtime_file(lab).read_text())
    except (FileNotFoundError, ValueError):
        state = {}
    state.setdefault("tlsa", {})
    state.setdefault("serial", {})
    return state


def effective_tlsa(lab: Lab, mx: dict, server: str | None = None) -> list[str]:
    """The TLSA specs SERVER (default: the first nsd) currently serves for MX."""
    overrides = load_runtime(lab)["tlsa"].get(server or lab.auth, {})
    return overrides.get(mx["host"], mx.get("tlsa", []))


def find_mx(lab: Lab, host: str) -> tuple[dict, dict]:
    host = host.rstrip(".").lower()
    for sc in lab.scenarios:
        for mx in sc.get("mx", []):
            if mx["host"] == host:
                return sc, mx
    raise LabError(f"{host} is not an MX host of any scenario (see `lab.py describe`)")


def dnssec_key_base(lab: Lab, zone: str) -> Path:
    keys = sorted(lab.path("dns", "keys", zone_label(zone)).glob("K*.key"))
    if len(keys) != 1:
        raise LabError(f"expected one DNSSEC key for {zone}, found {len(keys)}")
    return keys[0].with_suffix("")


def reload_nsd(lab: Lab, server: str, zone: str, serial: int) -> None:
    """Makes the nsd of SERVER load ZONE (nsd-control reload) and waits for SERIAL."""
    service = nsd_service(lab, server)
    if not running(lab, service):
        raise LabError(f"{service} ({server}) is not running; start the lab with `lab.py up`")
    target = served_zone_file(lab, zone, server)
    for attempt in range(3):
        if attempt:  # nsd reloads a zone file only when its mtime changed: make sure it did
            now = time.time() + attempt
            os.utime(target, (now, now))
        run(["nsd-control", "-c", str(nsd_conf_file(lab, service)), "reload", zone])
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                if dns_query(server, zone, "SOA", rd=False, timeout=1).soa_serial() == serial:
                    return
            except OSError:
                pass
            time.sleep(0.05)
    raise LabError(f"{service} did not load serial {serial} of {zone}; "
                   f"see {lab.path('logs', service + '.log')}")


def flush_unbound(lab: Lab, zone: str) -> None:
    if not running(lab, "unbound"):
        raise LabError("unbound is not running; start the lab with `lab.py up`")
    conf = str(lab.path("unbound", "unbound.conf"))
    run(["unbound-control", "-c", conf, "flush_zone", zone])
    run(["unbound-control", "-c", conf, "flush_requestlist"])


def change_tlsa(lab: Lab, host: str, specs: list[str] | None, only_server: str | None) -> int:
    """Sets (SPECS) or restores (None) the TLSA RRset of HOST on every authoritative server of
    its zone, or on ONLY_SERVER: rewrite, re-sign (serial + 1), nsd reload, unbound flush."""
    sc, mx = find_mx(lab, host)
    if mx["host"] == ".":
        raise LabError("a null MX has no TLSA records")
    for spec in specs or []:
        parse_tlsa(spec, lab)
    if not lab.path("pki", "certs").exists():
        raise LabError(f"no lab in {lab.run_dir}; start it with `lab.py up`")
    zone = sc["domain"] + "."
    servers = lab.zone_servers(zone)
    if only_server:
        if only_server not in servers:
            raise LabError(f"{zone} is served by {', '.join(servers)}, not {only_server}")
        servers = [only_server]
    state = load_runtime(lab)
    for server in servers:
        overrides = state["tlsa"].setdefault(server, {})
        if specs is None:
            overrides.pop(mx["host"], None)
        else:
            overrides[mx["host"]] = list(specs)
        serials = state["serial"].setdefault(server, {})
        serials[zone] = serial = serials.get(zone, 1) + 1
        lines = scenario_zone_lines(lab, sc, overrides, serial)
        target = served_zone_file(lab, zone, server)
        if sc["zone"] == "unsigned":
            target.write_text("\n".join(lines) + "\n")
        else:
            write_zone(lab, zone, lines)
            sign_zone(lab, zone, dnssec_key_base(lab, zone), target)
        reload_nsd(lab, server, zone, serial)
        runtime_file(lab).write_text(json.dumps(state, indent=1) + "\n")
        shown = effective_tlsa(lab, mx, server)
        log(f"{nsd_service(lab, server):<5} {server}  {zone} serial {serial}  "
            f"_25._tcp.{mx['host']} TLSA: {', '.join(shown) if shown else '(none)'}")
    flush_unbound(lab, zone)
    answer = dns_query(lab.resolver, f"_25._tcp.{mx['host']}", "TLSA")
    log(f"unbound {lab.resolver}  flushed {zone}; _25._tcp.{mx['host']} TLSA: {answer.rcode} "
        f"ad={answer.ad} answer RRs (incl. RRSIG)={answer.answers}")
    return 0


def cmd_set_tlsa(lab: Lab, args) -> int:
    return change_tlsa(lab, args.host, args.spec, args.only_server)


def cmd_reset_tlsa(lab: Lab, args) -> int:
    return change_tlsa(lab, args.host, None, args.only_server)


def cmd_mailbox(lab: Lab, args) -> int:
    """Prints the alert mailbox (nothing when empty); --clear empties it afterwards."""
    try:
        with open(lab.mailbox, "r+b") as f:
            sys.stdout.buffer.write(f.read())
            sys.stdout.flush()
            if args.clear:
                f.truncate(0)
    except FileNotFoundError:
        pass
    return 0


def cmd_describe(lab: Lab, args) -> int:
    """Per scenario: MX hosts, addresses and TLSA records (computed when the lab is up)."""
    have_pki = lab.path("pki", "certs").exists()
    for sc in lab.scenarios:
        log(f"{sc['domain']}  zone={sc['zone']}  expect {sc['status']} {sc.get('codes', [])}")
        if sc.get("nameserver"):
            ns = lab.nameserver(sc["nameserver"])
            log(f"  delegated with DS to {ns['name']} ({ns['kind']}, {ns['address']})")
        for line in sc.get("records", []):
            log(f"  record {line}")
        for mx in sc.get("mx", []):
            addrs = ([lab.listener(mx["listener"])["address"]] if mx.get("listener") else [])
            addrs += mx.get("addresses", [])
            via = f" listener={mx['listener']}" if mx.get("listener") else ""
            log(f"  MX {mx['preference']} {mx['host']}  A {' '.join(addrs) or '-'}{via}")
            for t in mx.get("tlsa", []):
                log(f"    TLSA {t:<32} {tlsa_rdata(lab, t) if have_pki else ''}")
            if mx.get("tlsa_nameserver"):
                ns = lab.nameserver(mx["tlsa_nameserver"])
                log(f"    _25._tcp.{mx['host']} delegated with DS to {ns['name']} "
                    f"({ns['kind']}, {ns['address']})")
            for server, overrides in load_runtime(lab)["tlsa"].items():
                if mx["host"] in overrides:
                    log(f"    set-tlsa on {server}: {', '.join(overrides[mx['host']]) or '(none)'}")
    return 0


def tls_probe(address: str, hostname: str, version: str) -> tuple[bool, bytes | str]:
    """STARTTLS at ADDRESS:25 with exactly TLS VERSION; (True, leaf DER) or (False, error)."""
    v = getattr(ssl.TLSVersion, version)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = v
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        with smtplib.SMTP(address, 25, local_hostname="probe.lab.test", timeout=5) as smtp:
            smtp.starttls(context=ctx)
            return True, smtp.sock.getpeercert(binary_form=True)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as e:
        return False, str(e)


def check_hostile(lst: dict) -> list[str]:
    """Failures of one hostile listener: it must accept TCP and misbehave as declared."""
    failures = []
    with socket.create_connection((lst["address"], 25), timeout=2) as s:
        if lst["kind"] == "silent":
            s.settimeout(1.0)
            try:
                data = s.recv(1)
                failures.append(f"sent {data!r} within 1 s" if data else "closed within 1 s")
            except socket.timeout:
                pass
        elif lst["kind"] == "trickle":  # "2" now, "2" after 2 s, "0" after 4 s
            s.settimeout(3.0)
            data, start = b"", time.monotonic()
            while len(data) < 2:
                chunk = s.recv(1)
                if not chunk:
                    break
                data += chunk
            took = time.monotonic() - start
            if data != b"22" or not 1.5 <= took <= 3.0:
                failures.append(f"first 2 bytes {data!r} after {took:.1f} s (want b'22', ~2 s)")
        elif lst["kind"] == "endless-continuation":
            s.settimeout(3.0)
            data = b""
            while b"\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            if not data.startswith(b"220 "):
                failures.append(f"banner {data[:60]!r}")
            s.sendall(b"EHLO probe.lab.test\r\n")
            data, deadline = b"", time.monotonic() + 2.0
            while data.count(b"\n") < 100 and time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            lines = data.split(b"\r\n")[:-1]
            if len(lines) < 100 or not all(l.startswith(b"250-") for l in lines):
                failures.append(f"want >= 100 '250-' lines within 2 s, got {len(lines)}: "
                                f"{data[:60]!r}")
    return failures


def starttls_raw(address: str, version: str) -> tuple[bool, bytes | str]:
    """EHLO, STARTTLS and a handshake with exactly TLS VERSION over a plain socket, then close
    without a word more (a hostile TLS peer may answer nothing); (True, leaf DER) or (False,
    error)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        with socket.create_connection((address, 25), timeout=5) as s:
            f = s.makefile("rb")
            replies = []
            for command in (None, b"EHLO probe.lab.test\r\n", b"STARTTLS\r\n"):
                if command:
                    s.sendall(command)
                while (line := f.readline()) and line[3:4] == b"-":
                    pass
                replies.append(line)
            if not replies[-1].startswith(b"220"):
                return False, f"STARTTLS answered {replies[-1]!r}"
            with ctx.wrap_socket(s, server_hostname=None) as t:
                return True, t.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as e:
        return False, str(e)


def check_hostile_tls(lab: Lab, lst: dict) -> list[str]:
    """Failures of one hostile TLS listener: TLS 1.2 (and for bad-names 1.3) with the expected
    leaf (bad-names: one with an injected header line in its names), nothing older."""
    failures = []
    works = {"TLSv1_1": False, "TLSv1_2": True, "TLSv1_3": lst["kind"] == "bad-names"}
    expected_leaf = pem_body(cert_path(lab, lst["name"]).read_text(), "CERTIFICATE")
    for version, should_work in works.items():
        ok, result = starttls_raw(lst["address"], version)
        if ok != should_work:
            failures.append(f"{version} handshake {'worked' if ok else 'failed: ' + result}")
        elif ok and lst["kind"] == "bad-names" and b"\r\nX-Injected: san" not in result:
            failures.append(f"{version}: the served leaf has no hostile names")
        elif ok and lst["kind"] != "bad-names" and result != expected_leaf:
            failures.append(f"{version}: served leaf is not {cert_path(lab, lst['name'])}")
    return failures


def check_listener(lab: Lab, lst: dict) -> list[str]:
    """Failures of one listener against its declaration (STARTTLS, versions, leaf served)."""
    if listener_kind(lst) in HOSTILE_TLS_KINDS:
        return check_hostile_tls(lab, lst)
    if listener_kind(lst) not in ("postfix",) + MTA_KINDS:
        return check_hostile(lst)
    failures = []
    with smtplib.SMTP(lst["address"], 25, local_hostname="probe.lab.test", timeout=5) as smtp:
        smtp.ehlo()
        offers = smtp.has_extn("starttls")
    if offers != (lst["tls"] != "none"):
        failures.append(f"STARTTLS offered={offers}")
    if lst["tls"] == "none":
        return failures
    expected_leaf = pem_body(cert_path(lab, lst["name"]).read_text(), "CERTIFICATE")
    works = {"modern": {"TLSv1_2": True, "TLSv1_3": True, "TLSv1": False},
             "legacy": {"TLSv1": True, "TLSv1_1": True, "TLSv1_2": False, "TLSv1_3": False},
             "legacy-enabled": {"TLSv1": True, "TLSv1_2": True, "TLSv1_3": True},
             "tls12": {"TLSv1_1": False, "TLSv1_2": True, "TLSv1_3": False}}[lst["tls"]]
    if int(lst["cert"].get("pad_chain", 0)) > 100:
        # A chain past OpenSSL's 100 KB certificate list limit: clients refuse it.
        works = {version: False for version in works}
    for version, should_work in works.items():
        ok, result = tls_probe(lst["address"], listener_hostname(lst), version)
        if ok != should_work:
            failures.append(f"{version} handshake {'worked' if ok else 'failed: ' + result}")
        elif ok and result != expected_leaf:
            failures.append(f"{version}: served leaf is not {cert_path(lab, lst['name'])}")
    return failures


def check_scenario_dns(lab: Lab, sc: dict) -> list[str]:
    """Failures of one scenario's DNS answers against its zone mode."""
    failures = []
    names = [(sc["domain"], "MX")]
    broken = []  # names delegated to a broken name server: SERVFAIL (or no answer in time)
    if sc.get("nameserver"):
        broken, names = names, []
    for mx in sc.get("mx", []):
        if mx["host"] != ".":
            v4 = mx.get("listener") or any(":" not in a for a in mx.get("addresses", []))
            names.append((mx["host"], "A" if v4 else "AAAA"))
        if mx.get("tlsa_nameserver"):
            broken.append(("_25._tcp." + mx["host"], "TLSA"))
        elif effective_tlsa(lab, mx):  # as changed by set-tlsa, if it was
            names.append(("_25._tcp." + mx["host"], "TLSA"))
    for name, qtype in broken:
        try:
            a = dns_query(lab.resolver, name, qtype, timeout=15)
            if a.rcode != "SERVFAIL":
                failures.append(f"{name} {qtype}: want SERVFAIL (broken name server), got {a}")
        except socket.timeout:
            pass  # unbound still waiting for the sink: no answer is as good as SERVFAIL
    for name, qtype in names:
        a = dns_query(lab.resolver, name, qtype)
        if sc["zone"] in ("bogus", "expired"):
            cd = dns_query(lab.resolver, name, qtype, cd=True)
            if a.rcode != "SERVFAIL" or cd.rcode != "NOERROR" or not cd.answers:
                failures.append(f"{name} {qtype}: want SERVFAIL, NOERROR with CD; got "
                                f"{a.rcode}, {cd.rcode}/{cd.answers} answers")
            continue
        want_ad = sc["zone"] == "signed"
        if a.rcode != "NOERROR" or a.ad != want_ad or not a.answers:
            failures.append(f"{name} {qtype}: want NOERROR ad={want_ad} with answers, got {a}")
    return failures


def check_mailbox_listener(lab: Lab) -> list[str]:
    """RCPT to the mailbox domain accepted, to another domain refused (nothing is sent)."""
    failures = []
    address = lab.listener(lab.mailbox_listener)["address"]
    with smtplib.SMTP(address, 25, local_hostname="probe.lab.test", timeout=5) as smtp:
        smtp.ehlo()
        smtp.mail("probe@lab.test")
        code, _ = smtp.rcpt(f"ops@{lab.mailbox_domain}")
        if code != 250:
            failures.append(f"RCPT ops@{lab.mailbox_domain}: {code}")
        code, _ = smtp.rcpt("someone@example.org")
        if code < 500:
            failures.append(f"RCPT someone@example.org (relay): {code}")
        smtp.rset()
    return failures


def cmd_check(lab: Lab, args) -> int:
    """Self-test of a running lab: every scenario's DNS and every listener's behaviour (TLS for
    postfix listeners; accepting TCP and misbehaving as declared for hostile ones)."""
    bad = 0
    for sc in lab.scenarios:
        failures = check_scenario_dns(lab, sc)
        bad += bool(failures)
        log(f"dns  {sc['domain']:<22} {'FAIL: ' + '; '.join(failures) if failures else 'ok'}")
    if lab.second_auth_zones():
        try:
            failures = [] if nsd2_healthy(lab) else ["no answer"]
        except OSError as e:
            failures = [str(e)]
        bad += bool(failures)
        log(f"dns  {'nsd2 ' + lab.auth2:<22} {'FAIL: ' + '; '.join(failures) if failures else 'ok'}")
    for ns in lab.nameservers:
        failures = []
        if ns["kind"] == "drop-first":
            try:
                drop_first_answers(ns)
            except OSError as e:
                failures.append(str(e))
            bad += bool(failures)
            log(f"dns  {ns['name'] + ' ' + ns['address']:<22} "
                f"{'FAIL: ' + '; '.join(failures) if failures else 'ok (drop-first)'}")
            continue
        try:
            answer = dns_query(ns["address"], "probe.test", "SOA", rd=False, timeout=1)
            if ns["kind"] == "sink":
                failures.append(f"answered {answer.rcode}")
            elif answer.rcode != ns["kind"].upper():
                failures.append(f"answered {answer.rcode}, want {ns['kind'].upper()}")
        except socket.timeout:
            if ns["kind"] != "sink":
                failures.append("no answer within 1 s")
        bad += bool(failures)
        log(f"dns  {ns['name'] + ' ' + ns['address']:<22} "
            f"{'FAIL: ' + '; '.join(failures) if failures else 'ok (' + ns['kind'] + ')'}")
    try:
        failures = check_mailbox_listener(lab)
    except (OSError, smtplib.SMTPException) as e:
        failures = [f"SMTP: {e}"]
    bad += bool(failures)
    log(f"mail {lab.mailbox_domain:<22} {'FAIL: ' + '; '.join(failures) if failures else 'ok'}")
    for lst in lab.listeners:
        try:
            failures = check_listener(lab, lst)
        except (OSError, smtplib.SMTPException) as e:
            failures = [f"SMTP: {e}"]
        bad += bool(failures)
        log(f"smtp {lst['name']:<22} {'FAIL: ' + '; '.join(failures) if failures else 'ok'}")
    return 1 if bad else 0


def cmd_watchdog(lab: Lab, args) -> int:
    watchdog(lab, args.deadline)
    return 0


def parse_args(argv: list[str]):
    p = argparse.ArgumentParser(description="danemon lab: DNS + SMTP servers on loopback")
    p.add_argument("--scenarios", type=Path, default=DEFAULT_SCENARIOS, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True)

    def command(name, func, help_text, run_dir=True):
        c = sub.add_parser(name, help=help_text)
        if run_dir:
            c.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR,
                           help="where generated material, pids and logs go (default: .lab/)")
        c.add_argument("--scenarios", type=Path, default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)
        c.set_defaults(func=func)
        return c

    up = command("up", cmd_up, "generate everything and start the servers (idempotent)")
    up.add_argument("--max-lifetime", type=int, default=3600,
                    help="seconds after which a watchdog stops the lab (default 3600)")
    up.add_argument("--timeout", type=float, default=30,
                    help="seconds to wait for all services to answer (default 30)")
    up.add_argument("--mta-debs", type=Path, default=DEFAULT_MTA_DEBS,
                    help="the cached sendmail and Exim .debs (default: "
                         f"{DEFAULT_MTA_DEBS}, filled by scripts/install-deps.sh)")
    up.add_argument("--hostile-tls", type=Path, default=None,
                    help="the built danemon-lab-hostile-tls (default: build/tests/lab/ in the "
                         "repository), needed when hostile TLS listeners are declared")
    command("down", cmd_down, "stop what `up` started (no-op when nothing runs)")
    command("status", cmd_status, "show which services run")
    command("check", cmd_check, "self-test a running lab (DNS answers, TLS per listener)")
    command("describe", cmd_describe, "print scenarios with MX, addresses and TLSA data")
    command("env", cmd_env, "print shell variables (LAB_RESOLVER, LAB_RUN_DIR, ...)")
    command("digests", cmd_digests, "print every digest of the lab's keys and certificates "
            "with its name (HEX key:NAME SELECTOR MTYPE)")
    command("domains", cmd_domains, "print the scenario domains, one per line")
    mailbox = command("mailbox", cmd_mailbox, "print the alert mailbox (mbox; empty: nothing)")
    mailbox.add_argument("--clear", action="store_true", help="empty it after printing")
    set_tlsa = command("set-tlsa", cmd_set_tlsa,
                       "replace the TLSA RRset of an MX host at run time (no SPEC: delete it)")
    set_tlsa.add_argument("host")
    set_tlsa.add_argument("spec", nargs="*", help='symbolic records, e.g. "3 1 1 key:stale-old"')
    reset_tlsa = command("reset-tlsa", cmd_reset_tlsa,
                         "restore the TLSA RRset of an MX host from scenarios.toml")
    reset_tlsa.add_argument("host")
    for c in (set_tlsa, reset_tlsa):
        c.add_argument("--only-server", metavar="ADDR",
                       help="change only this authoritative server (default: all of the zone)")
    expect = command("expect", cmd_expect, "print the expected result of one scenario as JSON")
    expect.add_argument("domain")
    wd = command("_watchdog", cmd_watchdog, argparse.SUPPRESS)
    wd.add_argument("--deadline", type=float, required=True)
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        lab = load_lab(args.scenarios, getattr(args, "run_dir", DEFAULT_RUN_DIR))
        return args.func(lab, args)
    except LabError as e:
        print(f"lab: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
