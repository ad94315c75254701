#!/usr/bin/env python3
"""Runs the real danemon binary against the lab and asserts what a user would see:
exit status, JSON status and problem codes, text output, saved files."""
import argparse
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

from harness import (HOSTILE_DNS_NAMES, Failure, expect, printable, self_signed_cert, wait_for,
                     with_resolv_conf)

EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
SCENARIO_TIMEOUT = 10  # --timeout of the per-scenario runs


def run_bound(timeout):
    """What one domain may take (README "Limits"): every MX address probed within --timeout
    (in parallel), DNS queries that wait at most min(--timeout, 5 s) each, of which a domain
    has at most two in a row that time out (the TLSA lookup of a host, then one more stage),
    plus 5 s for starting, TLS and everything else."""
    return timeout + 2 * min(timeout, 5) + 5




class Lab:
    def __init__(self, args):
        self.args = args
        env = self._lab("env")
        self.vars = dict(re.findall(r"^(?:export )?(\w+)=['\"]?([^'\"\n]*)['\"]?$", env, re.M))
        self.resolver = self.vars["LAB_RESOLVER"]

    def _lab(self, *words):
        out = subprocess.run([sys.executable, self.args.lab, *words, "--run-dir", self.args.run_dir],
                             check=True, capture_output=True, text=True, timeout=60)
        return out.stdout

    def domains(self):
        return [d for d in self._lab("domains").split() if d]

    def expected(self, domain):
        return json.loads(self._lab("expect", domain))

    def danemon(self, *words, timeout=120, binary=True):
        cmd = [self.args.danemon, *words] if binary else list(words)
        start = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        proc.elapsed = time.monotonic() - start
        print("$ " + " ".join(cmd) + f"   # exit {proc.returncode}, {proc.elapsed:.1f} s")
        return proc

    def check_json(self, *domains, extra=(), resolver=None, timeout=10):
        proc = self.danemon("check", "--json", "--resolver", resolver or self.resolver,
                            "--timeout", str(timeout), *extra, *domains)
        expect(proc.stderr.find("Traceback") < 0 and proc.stderr.find("terminate") < 0,
               "danemon crashed: " + proc.stderr)
        try:
            doc = json.loads(proc.stdout)
        except json.JSONDecodeError as e:
            raise Failure(f"output is not JSON ({e}):\n{proc.stdout}\n{proc.stderr}")
        expect(doc.get("version") == 1, "JSON contract version is not 1")
        return proc, doc


def codes_of(domain_doc):
    codes = [p["code"] for p in domain_doc["problems"]]
    for mx in domain_doc["mx"]:
        codes += [p["code"] for p in mx["problems"]]
        for ep in mx["endpoints"]:
            codes += [p["code"] for p in ep["problems"]]
    return sorted(set(codes))


def problems_of(domain_doc):
    """Every problem of the domain in report order: the domain's, then per MX host its own
    and its addresses'."""
    out = list(domain_doc["problems"])
    for mx in domain_doc["mx"]:
        out += mx["problems"] + [p for ep in mx["endpoints"] for p in ep["problems"]]
    return out


def assert_domain(domain_doc, want):
    got_codes = codes_of(domain_doc)
    want_codes = sorted(set(want["codes"]))
    expect(domain_doc["status"] == want["status"] and got_codes == want_codes,
           f"{domain_doc['domain']}: expected status {want['status']} with {want_codes}, "
           f"got {domain_doc['status']} with {got_codes}:\n" + json.dumps(domain_doc, indent=2))
    # severities: the level each occurrence of a code must have, where the scenario says
    for code, severity in want.get("severities", {}).items():
        got = sorted({p["severity"] for p in problems_of(domain_doc) if p["code"] == code})
        expect(got == [severity], f"{domain_doc['domain']}: {code} should be {severity}, is {got}")


def case_scenario(lab, domain):
    want = lab.expected(domain)
    proc, doc = lab.check_json(domain, timeout=SCENARIO_TIMEOUT)
    expect(len(doc["domains"]) == 1, "one domain expected in the report")
    validator = doc["domains"][0]["dnssec_validator"]
    expect(validator == f"resolver {lab.resolver} (AD bit)",
           f"the report names another validator: {validator!r}")
    assert_domain(doc["domains"][0], want)
    expect(proc.returncode == EXIT[want["status"]],
           f"exit status {proc.returncode}, expected {EXIT[want['status']]} for {want['status']}")
    bound = run_bound(SCENARIO_TIMEOUT)
    expect(proc.elapsed < bound, f"took {proc.elapsed:.1f} s, more than {bound} s")


def case_scenario_embedded(lab, domain):
    """The same scenario judged by danemon's embedded validator (libunbound) from the lab's
    root key and root hints instead of the lab's unbound: the same status and codes."""
    want = lab.expected(domain)
    proc, doc = lab.check_json(domain, timeout=SCENARIO_TIMEOUT, resolver="embedded",
                               extra=("--trust-anchor", lab.vars["LAB_TRUST_ANCHOR"],
                                      "--root-hints", lab.vars["LAB_ROOT_HINTS"]))
    expect(len(doc["domains"]) == 1, "one domain expected in the report")
    validator = doc["domains"][0]["dnssec_validator"]
    expect(validator.startswith("embedded validator, root trust anchor key tag"),
           f"the report names another validator: {validator!r}")
    assert_domain(doc["domains"][0], want)
    expect(proc.returncode == EXIT[want["status"]],
           f"exit status {proc.returncode}, expected {EXIT[want['status']]} for {want['status']}")
    bound = run_bound(SCENARIO_TIMEOUT)
    expect(proc.elapsed < bound, f"took {proc.elapsed:.1f} s, more than {bound} s")


def all_codes_text(domain_doc):
    return [(p["code"], p["message"]) for p in domain_doc["problems"]] + [
        (p["code"], p["message"]) for mx in domain_doc["mx"] for p in mx["problems"]]


def case_tlsa_lookup_failures(lab):
    # TLSA names delegated (with a DS) to name servers that never answer, answer SERVFAIL or
    # REFUSED: DANE senders defer (RFC 7672 section 2.2), so dns-error, critical, naming the
    # TLSA lookup; the zone delegated to the sink makes the MX lookup fail. All bounded.
    timeout = 4
    domains = ["tlsa-sink.test", "tlsa-servfail.test", "tlsa-refused.test", "mx-sink.test"]
    proc, doc = lab.check_json(*domains, timeout=timeout)
    for d in doc["domains"]:
        assert_domain(d, lab.expected(d["domain"]))
        messages = [m for code, m in all_codes_text(d) if code == "dns-error"]
        what = "The MX lookup for mx-sink.test" if d["domain"] == "mx-sink.test" else \
            f"The TLSA lookup at _25._tcp.mx.{d['domain']}"
        expect(any(m.startswith(what) for m in messages), f"no '{what}' sentence: {messages}")
        if d["domain"] != "mx-sink.test":
            expect(d["mx"][0]["tlsa_dnssec"] == "error", f"tlsa_dnssec {d['mx'][0]['tlsa_dnssec']}")
    expect(proc.returncode == 2, f"exit status {proc.returncode}, expected 2")
    bound = run_bound(timeout)
    expect(proc.elapsed < bound, f"took {proc.elapsed:.1f} s with --timeout {timeout}, bound {bound}")


def case_odd_mx_names(lab):
    # MX targets that are IP literals or hold NUL, newline, space, ESC: mx-invalid-name, no
    # raw control bytes in the text report, valid JSON (check_json parses it), nothing probed.
    domains = ["mx-ip-literal.test", "mx-odd-bytes.test", "mx-long-labels.test"]
    proc, doc = lab.check_json(*domains)
    for d in doc["domains"]:
        assert_domain(d, lab.expected(d["domain"]))
        if d["domain"] != "mx-long-labels.test":
            expect(all(not mx["endpoints"] for mx in d["mx"]), "an invalid MX target was probed")
    expect(proc.returncode == 2, f"exit status {proc.returncode}, expected 2")
    expect(proc.elapsed < 10, f"took {proc.elapsed:.1f} s")
    text = lab.danemon("check", "--resolver", lab.resolver, "--timeout", "10", *domains)
    raw = [c for c in text.stdout if (ord(c) < 0x20 and c != "\n") or ord(c) >= 0x7f]
    expect(not raw, f"raw bytes in the text report: {raw!r}")
    for escaped in ("nul\\000byte", "new\\010line", "sp\\032ace", "\\027[31mred", "[127.0.25.1]"):
        expect(escaped in text.stdout, f"{escaped} not shown escaped:\n{text.stdout}")
    expect(text.returncode == 2, f"text exit status {text.returncode}")


def case_many_mx_capped(lab):
    # 50 MX hosts, 49 of them with 20 addresses each: at most 10 hosts, 8 addresses per host
    # and family and 32 per domain are checked, and check-truncated says what was left out.
    timeout = 10
    proc, doc = lab.check_json("manymx.test", timeout=timeout)
    d = doc["domains"][0]
    assert_domain(d, lab.expected("manymx.test"))
    expect(len(d["mx"]) == 10, f"{len(d['mx'])} MX hosts checked, expected 10")
    endpoints = [len(mx["endpoints"]) for mx in d["mx"]]
    expect(max(endpoints) <= 8 and sum(endpoints) == 32, f"endpoints per host {endpoints}")
    truncated = [m for code, m in all_codes_text(d) if code == "check-truncated"]
    expect(truncated and "40 MX host(s)" in truncated[0], f"check-truncated: {truncated}")
    expect(proc.returncode == 2, f"exit status {proc.returncode}, expected 2")
    expect(proc.elapsed < timeout, f"took {proc.elapsed:.1f} s")


def case_all_domains_one_run(lab):
    domains = lab.domains()
    proc, doc = lab.check_json(*domains)
    expect([d["domain"] for d in doc["domains"]] == domains, "domains not reported in order")
    worst = 0
    for d in doc["domains"]:
        want = lab.expected(d["domain"])
        assert_domain(d, want)
        worst = max(worst, EXIT[want["status"]] if want["status"] != "unknown" else 0)
    expect(proc.returncode == worst, f"exit status {proc.returncode}, expected {worst}")


def case_text_report_stale(lab):
    proc, doc = lab.check_json("stale.test")
    leaf = doc["domains"][0]["mx"][0]["endpoints"][0]["chain"][0]
    text = lab.danemon("check", "--resolver", lab.resolver, "--timeout", "10", "stale.test")
    out = text.stdout
    expect(text.returncode == 2, f"exit status {text.returncode}, expected 2")
    expect("\x1b[" not in out, "colour codes written to a pipe")
    first = out.splitlines()[0]
    expect(first.startswith("[CRIT] stale.test"), "first line does not mark the domain critical: " + first)
    expect("tlsa-mismatch" in out, "tlsa-mismatch not explained:\n" + out)
    record = "_25._tcp.mx.stale.test. IN TLSA 3 1 1 " + leaf["spki_sha256"].upper()
    expect(("Publish " + record) in out, f"the fix '{record}' is not printed:\n" + out)
    print(out)


def case_save_chain(lab):
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "chains")
        proc, doc = lab.check_json("dane-ok.test", extra=("--save-chain", target))
        files = sorted(os.listdir(target))
        expect(len(files) >= 1, "no chain file written")
        path = os.path.join(target, files[0])
        pem = open(path).read()
        expect(pem.count("BEGIN CERTIFICATE") >= 2, "the chain file does not hold leaf and issuer")
        spki = subprocess.run(
            "openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r",
            shell=True, input=pem, capture_output=True, text=True, check=True).stdout.split()[0]
        published = [t["data"].lower() for t in doc["domains"][0]["mx"][0]["tlsa"]
                     if (t["usage"], t["selector"], t["matching"]) == (3, 1, 1)]
        expect(spki in published, f"saved leaf key {spki} is not the one the TLSA record names {published}")


def served_spki(command, timeout=20):
    """The SHA-256 of the leaf's SubjectPublicKeyInfo that a real client COMMAND (run with
    stdin closed) prints as PEM, lower-case hex."""
    shown = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout).stdout
    leaf = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", shown, re.S)
    expect(leaf is not None, f"{command[0]} printed no certificate")
    return subprocess.run(
        "openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r",
        shell=True, input=leaf.group(0), capture_output=True, text=True,
        check=True).stdout.split()[0]


def case_other_keys_as_senders_see_them(lab):
    """A server with an ECDSA and an RSA certificate: the main key is what an OpenSSL sender
    is served, the other key what a GnuTLS sender (Debian's Exim) is served, and both chains
    are saved."""
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "chains")
        proc, doc = lab.check_json("dual-ecdsa-only.test", extra=("--save-chain", target))
        endpoint = doc["domains"][0]["mx"][0]["endpoints"][0]
        address = endpoint["address"]
        # the main handshake's certificate, then the others
        keys = [{"type": endpoint["chain"][0]["key"], "dane": endpoint["dane"],
                 "chain": endpoint["chain"]}] + endpoint["keys"]
        expect([k["type"] for k in keys] == ["ECDSA P-256", "RSA 2048"],
               f"keys {[k['type'] for k in keys]}")
        expect([k["dane"] for k in keys] == ["pass", "fail"], f"{[k['dane'] for k in keys]}")
        expect(endpoint["keys_untested"] == [], f"untested {endpoint['keys_untested']}")
        openssl = served_spki(["openssl", "s_client", "-starttls", "smtp", "-connect",
                               f"{address}:25", "-servername", "mx.dual-ecdsa-only.test"])
        gnutls = served_spki(["gnutls-cli", "--starttls-proto=smtp", "--port", "25", "--insecure",
                              "--print-cert", address])
        expect(openssl == keys[0]["chain"][0]["spki_sha256"],
               f"openssl s_client was served {openssl}, danemon's main key is "
               f"{keys[0]['chain'][0]['spki_sha256']}")
        expect(gnutls == keys[1]["chain"][0]["spki_sha256"],
               f"gnutls-cli was served {gnutls}, danemon's other key is "
               f"{keys[1]['chain'][0]['spki_sha256']}")
        files = sorted(os.listdir(target))
        stem = f"mx.dual-ecdsa-only.test_{address}_25"
        expect(files == [f"{stem}.pem", f"{stem}.rsa-2048.pem"], f"saved {files}")


def case_resolver_not_validating(lab):
    # The lab's nsd answers authoritatively, without validating: every verdict is void.
    proc, doc = lab.check_json("dane-ok.test", resolver=lab.vars["LAB_AUTH"])
    d = doc["domains"][0]
    expect("resolver-not-validating" in codes_of(d), "resolver-not-validating not reported")
    expect(d["status"] == "critical" and proc.returncode == 2, f"status {d['status']}, exit {proc.returncode}")


def json_of(proc):
    expect(proc.returncode in EXIT.values() and "terminate" not in proc.stderr,
           f"exit {proc.returncode}: {proc.stderr}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise Failure(f"output is not JSON ({e}):\n{proc.stdout}\n{proc.stderr}")


def case_resolver_auto(lab):
    # --resolver auto (the default) with the system resolver as resolv.conf names it: the
    # lab's unbound validates, so it judges; nsd answers without validating and an address
    # off this host is not trusted, so the embedded validator judges (here with the lab's
    # root key and hints, so that it can). An address off this host is never asked.
    embedded = ("--trust-anchor", lab.vars["LAB_TRUST_ANCHOR"],
                "--root-hints", lab.vars["LAB_ROOT_HINTS"])
    cases = [(lab.resolver, f"resolver {lab.resolver} (AD bit)"),
             (lab.vars["LAB_AUTH"], "embedded validator, root trust anchor key tag "),
             ("192.0.2.53", "embedded validator, root trust anchor key tag ")]
    reasons = {lab.vars["LAB_AUTH"]: f"; chosen by auto: the system resolver "
                                     f"{lab.vars['LAB_AUTH']} does not validate DNSSEC",
               "192.0.2.53": "; chosen by auto: the system resolver 192.0.2.53 is not on this host"}
    with tempfile.TemporaryDirectory(prefix="danemon-auto-") as tmp:
        for nameserver, validator in cases:
            prefix = with_resolv_conf(nameserver, tmp)
            proc = lab.danemon(*prefix, lab.args.danemon, "check", "--json", "--timeout", "10",
                               *embedded, "dane-ok.test", "stale.test", binary=False)
            doc = json_of(proc)
            for d in doc["domains"]:
                got = d["dnssec_validator"]
                expect(got.startswith(validator) and got.endswith(reasons.get(nameserver, "")),
                       f"resolv.conf naming {nameserver}: the report says {got!r}")
                assert_domain(d, lab.expected(d["domain"]))
            proc = lab.danemon(*prefix, lab.args.danemon, "check", *embedded, "dane-ok.test",
                               binary=False)
            last = proc.stdout.rstrip("\n").split("\n")[-1]
            expect(last.startswith("DNSSEC: " + validator),
                   f"the text report does not end with the validator:\n{proc.stdout}")


def case_embedded_state_file(lab):
    # No --trust-anchor: Debian's root key (dns-root-data), copied into the state directory
    # for RFC 5011, owned by the directory's owner (the daemon's user) and readable. Run in a
    # network namespace of its own, without any interface up: no query leaves the machine,
    # and the verdict is resolver-not-validating, naming the root servers.
    with tempfile.TemporaryDirectory(prefix="danemon-rfc5011-") as tmp:
        state = os.path.join(tmp, "state")
        os.mkdir(state, 0o750)
        nobody = pwd.getpwnam("nobody")
        os.chown(state, nobody.pw_uid, nobody.pw_gid)
        config = os.path.join(tmp, "danemon.yaml")
        with open(config, "w") as f:
            f.write(f"domains: [dane-ok.test]\nresolver: embedded\nstate_directory: {state}\n")
        proc = lab.danemon("unshare", "--net", lab.args.danemon, "check", "--json", "--config",
                           config, "--timeout", "3", binary=False)
        d = json_of(proc)["domains"][0]
        expect("resolver-not-validating" in codes_of(d) and proc.returncode == 2,
               f"without network: {codes_of(d)}, exit {proc.returncode}")
        why = [p["message"] for p in d["problems"] if p["code"] == "resolver-not-validating"][0]
        expect(why.endswith("this host may not reach the root name servers."), why)
        expect(d["dnssec_validator"].startswith("embedded validator, root trust anchor key tag")
               and "20326" in d["dnssec_validator"] and "not tracked" not in d["dnssec_validator"],
               f"the report says {d['dnssec_validator']!r}")
        copy = os.path.join(state, "root.key")
        info = os.stat(copy)
        expect((info.st_uid, info.st_gid, info.st_mode & 0o7777) ==
               (nobody.pw_uid, nobody.pw_gid, 0o644),
               f"{copy}: owner {info.st_uid}:{info.st_gid}, mode {info.st_mode & 0o7777:o}")
        with open("/usr/share/dns/root.key") as packaged, open(copy) as tracked:
            expect(packaged.read() == tracked.read(), "the copy differs from Debian's root key")
        # A trust anchor that cannot be used: one sentence naming it, exit 3, nothing on stdout.
        for bad, why in ((os.path.join(tmp, "missing.ds"), "No such file or directory"),
                         (tmp, "is a directory")):
            proc = lab.danemon("check", "--resolver", "embedded", "--trust-anchor", bad,
                               "dane-ok.test")
            expect(proc.returncode == 3 and proc.stdout == "" and proc.stderr.count("\n") == 1
                   and proc.stderr.startswith("danemon check: ") and why in proc.stderr
                   and "(the trust anchor)" in proc.stderr,
                   f"trust anchor {bad}: exit {proc.returncode}, {proc.stderr!r}")


def case_flaky_resolver(lab):
    # A path to the resolver that loses the first copy of every question (hostile_dns.py
    # drop-first, forwarding to the lab's unbound): danemon sends each again and gets the
    # same verdicts as through the resolver itself, no dns-error.
    flaky = lab.vars["LAB_NS_FLAKY"]
    domains = ["dane-ok.test", "stale.test", "partial.test"]
    proc, doc = lab.check_json(*domains, resolver=flaky, timeout=10)
    for d in doc["domains"]:
        assert_domain(d, lab.expected(d["domain"]))
    # One that never answers (the sink) still gives dns-error, within the DNS bound of
    # README "Limits": the resolver check, then the MX lookup, each min(--timeout, 5 s).
    proc, doc = lab.check_json("dane-ok.test", resolver=lab.vars["LAB_NS_SINK"],
                               timeout=3)
    d = doc["domains"][0]
    expect("dns-error" in codes_of(d) and "resolver-not-validating" in codes_of(d),
           f"a dead resolver gave {codes_of(d)}")
    expect(d["status"] == "critical" and proc.returncode == 2,
           f"status {d['status']}, exit {proc.returncode}")
    expect(proc.elapsed < 2 * 3 + 2, f"a dead resolver took {proc.elapsed:.1f} s with --timeout 3")


# Performance data as the Nagios plugin guidelines define it: space-separated items
#   'label'=value[UOM];[warn];[crit];[min];[max]
# label: any characters but '=' and "'" (quoted with ' when it has spaces; '' is a quote);
# value: a number, or U when it cannot be determined; UOM: none, s ms us, %, B KB MB TB, c;
# warn and crit: ranges [@][start:][end] (start may be ~); min and max: numbers. Trailing
# unfilled semicolons may be dropped.
PERF_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
PERF_RANGE = rf"@?(?:(?:~|{PERF_NUMBER})?:)?(?:{PERF_NUMBER})?"
PERF_ITEM = re.compile(
    rf"(?P<label>'(?:[^'=]|'')+'|[^' =]+)=(?P<value>{PERF_NUMBER}|U)"
    rf"(?P<uom>s|ms|us|%|B|KB|MB|TB|c)?"
    rf"(?:;(?P<warn>{PERF_RANGE})(?:;(?P<crit>{PERF_RANGE})(?:;(?P<min>{PERF_NUMBER})?"
    rf"(?:;(?P<max>{PERF_NUMBER})?)?)?)?)?$")


def parse_perfdata(text):
    """{label: item dict}; fails on anything the grammar does not allow."""
    items = {}
    for word in text.split(" "):
        m = PERF_ITEM.match(word)
        expect(m is not None, f"perfdata item {word!r} does not follow the guidelines' grammar")
        label = m["label"]
        if label.startswith("'"):
            label = label[1:-1].replace("''", "'")
        items[label] = m.groupdict()
    return items


NAGIOS_STATE = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def case_nagios_output(lab):
    domains = ["stale.test", "legacy-enabled.test", "dane-ok.test"]
    _, doc = lab.check_json(*domains)
    proc = lab.danemon("check", "--nagios", "--resolver", lab.resolver, *domains)
    lines = proc.stdout.rstrip("\n").split("\n")
    first = re.fullmatch(r"DANE (OK|WARNING|CRITICAL|UNKNOWN) - (\d+) critical, (\d+) warning: "
                         r"([^|]+) \| (.+)", lines[0])
    expect(first is not None, f"first line {lines[0]!r} is not the plugin status line")
    state, critical, warning, headline, perf = first.groups()
    expect(state == "CRITICAL" and proc.returncode == NAGIOS_STATE[state],
           f"state {state}, exit {proc.returncode}")
    problems = [(p["severity"], p["code"], p.get("mx", ""), p.get("address", ""), d["domain"])
                for d in doc["domains"] for p in problems_of(d)]
    expect(int(critical) == sum(p[0] == "critical" for p in problems)
           and int(warning) == sum(p[0] == "warning" for p in problems),
           f"counts {critical}/{warning} against the JSON report's {problems}")
    expect(headline == "tlsa-mismatch on mx.stale.test [127.0.25.8] (stale.test)",
           f"headline {headline!r}")
    items = parse_perfdata(perf)
    expect(list(items) == ["domains", "ok", "warning", "critical", "unknown", "duration",
                           "cert_expiry_days"], f"perfdata labels {list(items)}")
    by_status = {s: sum(d["status"] == s for d in doc["domains"])
                 for s in ("ok", "warning", "critical", "unknown")}
    expect(items["domains"]["value"] == "3", f"domains {items['domains']}")
    for status, n in by_status.items():
        expect(items[status]["value"] == str(n), f"{status}: {items[status]} want {n}")
    expect(items["duration"]["uom"] == "s" and 0 < float(items["duration"]["value"]) <= proc.elapsed,
           f"duration {items['duration']} for a run of {proc.elapsed:.1f} s")
    expiry = items["cert_expiry_days"]
    expect(expiry["warn"] == "21:" and expiry["crit"] == "0:" and int(expiry["value"]) > 21,
           f"cert_expiry_days {expiry}")
    # One long-text line per problem of the JSON report, in its order, none with a '|'.
    want = []
    for sev, code, mx, address, domain in problems:
        where = code + (f" on {mx}" if mx else "") + (f" [{address}]" if address else "")
        level = "UNKNOWN" if code == "check-incomplete" else sev.upper()
        want.append(f"{level} {where} ({domain}): ")
    # ... and last, who judged DNSSEC.
    expect(lines[-1] == f"DNSSEC: resolver {lab.resolver} (AD bit)",
           f"last line {lines[-1]!r} does not name the validator")
    lines = lines[:-1]
    expect(len(lines) - 1 == len(want), f"{len(lines) - 1} problem lines, want {len(want)}")
    for line, prefix in zip(lines[1:], want):
        expect(line.startswith(prefix) and "|" not in line, f"line {line!r}, want {prefix!r}...")
    ok = lab.danemon("check", "--nagios", "--resolver", lab.resolver, "dane-ok.test")
    expect(ok.returncode == 0 and ok.stdout.startswith("DANE OK - 0 critical, 0 warning: "),
           f"dane-ok.test: exit {ok.returncode}, {ok.stdout!r}")
    both = lab.danemon("check", "--nagios", "--json", "dane-ok.test")
    expect(both.returncode == 3 and "excludes" in both.stderr, f"--nagios --json: {both.stderr!r}")


def case_severity_policy(lab):
    # tls-legacy-enabled: a warning by default, info or off by --severity, critical by the
    # configuration's severity map, which --severity overrides.
    domain = "legacy-enabled.test"
    proc, doc = lab.check_json(domain)
    expect(proc.returncode == 1 and doc["domains"][0]["status"] == "warning",
           f"default: exit {proc.returncode}")
    proc, doc = lab.check_json(domain, extra=("--severity", "tls-legacy-enabled=info"))
    d = doc["domains"][0]
    legacy = [p for p in problems_of(d) if p["code"] == "tls-legacy-enabled"]
    expect(proc.returncode == 0 and d["status"] == "ok" and legacy
           and all(p["severity"] == "info" and p["default_severity"] == "warning" for p in legacy),
           f"info: exit {proc.returncode}, {legacy}")
    text = lab.danemon("check", "--resolver", lab.resolver, "--severity",
                       "tls-legacy-enabled=info", domain)
    expect(text.returncode == 0 and "info tls-legacy-enabled (policy: warning -> info)"
           in text.stdout, f"text: exit {text.returncode}\n{text.stdout}")
    proc, doc = lab.check_json(domain, extra=("--severity", "tls-legacy-enabled=off"))
    d = doc["domains"][0]
    legacy = [p for p in problems_of(d) if p["code"] == "tls-legacy-enabled"]
    expect(proc.returncode == 0 and d["status"] == "ok" and legacy
           and all(p["severity"] == "off" for p in legacy), f"off: exit {proc.returncode}, {legacy}")
    text = lab.danemon("check", "--resolver", lab.resolver, "--severity",
                       "tls-legacy-enabled=off", domain)
    expect(text.returncode == 0 and "tls-legacy-enabled" not in text.stdout,
           f"off is still in the text report:\n{text.stdout}")
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "danemon.yaml")
        with open(config, "w") as f:
            f.write(f"domains: [{domain}]\nresolver: {lab.resolver}\n"
                    f"severity:\n  tls-legacy-enabled: critical\n")
        proc = lab.danemon("check", "--config", config)
        expect(proc.returncode == 2 and "critical tls-legacy-enabled (policy: warning -> critical)"
               in proc.stdout, f"severity map: exit {proc.returncode}\n{proc.stdout}")
        proc = lab.danemon("check", "--config", config, "--severity", "tls-legacy-enabled=info")
        expect(proc.returncode == 0, f"--severity over the map: exit {proc.returncode}")
    bad = lab.danemon("check", "--severity", "tls-legacy-enable=info", domain)
    lines = bad.stderr.strip().splitlines()
    expect(bad.returncode == 3 and "did you mean 'tls-legacy-enabled'?" in lines[0],
           f"bad --severity: exit {bad.returncode}, {bad.stderr!r}")


def case_hostile_peers_bounded(lab):
    # Silent, trickling and endless servers cost at most the probe timeout, run beside the
    # others, and leave the other domains' verdicts untouched.
    timeout = 3
    domains = ["silent.test", "trickle.test", "endless.test", "dane-ok.test", "stale.test"]
    proc, doc = lab.check_json(*domains, timeout=timeout)
    for d in doc["domains"]:
        assert_domain(d, lab.expected(d["domain"]))
    expect(proc.returncode == 2, f"exit status {proc.returncode}, expected 2")
    # Several hostile hosts run in parallel: the whole run stays near one timeout.
    expect(proc.elapsed < timeout + 4, f"took {proc.elapsed:.1f} s with --timeout {timeout}")


def hostile_tls_log(lab):
    return open(os.path.join(lab.args.run_dir, "logs", "hostile-tls.out"), errors="replace").read()


def case_renegotiation_refused(lab):
    # A server that asks for renegotiation once after the handshake, and one that asks
    # mid-handshake and then every 10 ms: danemon refuses (no_renegotiation alert), keeps the
    # chain of the first handshake, and the DANE verdict stands (pass), within the farewell's
    # second per session.
    timeout = 5
    logged = len(hostile_tls_log(lab).splitlines())
    proc, doc = lab.check_json("reneg.test", "reneg-storm.test", "dane-ok.test", timeout=timeout)
    for d in doc["domains"]:
        assert_domain(d, lab.expected(d["domain"]))
    expect(proc.returncode == 0, f"exit status {proc.returncode}, expected 0")
    expect(proc.elapsed < 5, f"took {proc.elapsed:.1f} s (bound 5 s, --timeout {timeout})")
    for d in doc["domains"][:2]:
        ep = d["mx"][0]["endpoints"][0]
        expect(ep["tls_version"] == "TLSv1.2" and ep["dane"] == "pass" and ep["chain"]
               and ep["match"]["depth"] == 0,
               f"{d['domain']}: not a TLS 1.2 DANE pass with the chain: {json.dumps(ep)}")
    # The server's side: danemon said no at once; the storm really stormed.
    def new_lines():
        lines = hostile_tls_log(lab).splitlines()[logged:]
        single = [l for l in lines if l.split(" ")[2] == "reneg" and "tls TLSv1.2" in l]
        storm = [l for l in lines if l.split(" ")[2] == "reneg-storm" and "tls TLSv1.2" in l]
        return (single, storm) if single and storm else None
    single, storm = wait_for("the hostile TLS server's log lines", new_lines, timeout=10)
    expect(all("alerts received [warning no renegotiation" in l for l in single),
           "danemon did not refuse the renegotiation with a no_renegotiation alert:\n" +
           "\n".join(single))
    expect(all(int(re.search(r"hello_requests (\d+)", l).group(1)) >= 10 for l in storm),
           "the storm sent fewer than 10 HelloRequests:\n" + "\n".join(storm))


def ascii_only(data, what):
    """No byte outside printable ASCII and the newline: no ESC, CR, NUL, no UTF-8."""
    bad = sorted({b for b in data if not (0x20 <= b < 0x7f or b == 0x0A)})
    expect(not bad, f"{what} holds raw bytes {[hex(b) for b in bad]}")


def case_hostile_names_report(lab):
    # A leaf whose subject and DNS names carry CR, LF, ESC sequences, NUL, invalid UTF-8 and
    # shell syntax: the text and JSON reports show them escaped (\xNN), on their own lines.
    domains = ("badnames.test", "badnames-ta.test")
    cmd = [lab.args.danemon, "check", "--resolver", lab.resolver, "--timeout", "5"]
    start = time.monotonic()
    text = subprocess.run(cmd + ["--show-chain", *domains], capture_output=True, timeout=60)
    raw_json = subprocess.run(cmd + ["--json", *domains], capture_output=True, timeout=60)
    elapsed = time.monotonic() - start
    expect(elapsed < 8, f"two runs took {elapsed:.1f} s (bound 8 s)")
    for proc in (text, raw_json):
        expect(proc.returncode == 2, f"exit status {proc.returncode}, expected 2: {proc.stderr}")
        ascii_only(proc.stdout, "the report")
        ascii_only(proc.stderr, "stderr")
    out = text.stdout.decode()
    expected = [printable(n) for n in HOSTILE_DNS_NAMES]
    for name in expected:
        expect(name in out, f"the escaped name {name!r} is not shown:\n{out}")
    expect(not re.search(r"^\s*(X-Injected|Bcc):", out, re.M), "a name broke out of its line")
    expect("tlsa-name-mismatch" in out and "tlsa-mismatch" in out, "problem codes missing")

    doc = json.loads(raw_json.stdout)
    expect(json.loads(json.dumps(doc)) == doc, "the JSON report does not round-trip")
    by_domain = {d["domain"]: d for d in doc["domains"]}
    for domain in domains:
        want = lab.expected(domain)
        assert_domain(by_domain[domain], want)
        leaf = by_domain[domain]["mx"][0]["endpoints"][0]["chain"][0]
        expect(leaf["names"] == expected, f"names {leaf['names']} != {expected}")
        expect("X-Injected: cn" in leaf["subject"], f"the subject is not shown: {leaf['subject']!r}")
    ta = by_domain["badnames-ta.test"]["mx"][0]["endpoints"][0]["problems"][0]
    expect(ta["code"] == "tlsa-name-mismatch" and expected[3] in ta["message"],
           f"the name mismatch does not list the names: {ta}")

    # The saved chain, given to `danemon tlsa`: no name of it is a host name, so no zone-file
    # line is printed (a newline in a name would forge a second record), one sentence each.
    with tempfile.TemporaryDirectory() as tmp:
        lab.danemon("check", "--resolver", lab.resolver, "--timeout", "5", "--save-chain", tmp,
                    "badnames.test")
        saved = [os.path.join(tmp, f) for f in os.listdir(tmp)]
        expect(len(saved) == 1, f"saved chains: {saved}")
        tlsa = subprocess.run([lab.args.danemon, "tlsa", "--cert", saved[0]], capture_output=True,
                              timeout=30)
        expect(tlsa.returncode == 3 and tlsa.stdout == b"",
               f"tlsa printed records for hostile names: exit {tlsa.returncode} {tlsa.stdout!r}")
        ascii_only(tlsa.stderr, "tlsa's stderr")
        for name in expected:
            expect(name in tlsa.stderr.decode(), f"no sentence for {name!r}: {tlsa.stderr!r}")


def case_local_cert(lab):
    # The certificate file the MTA will load next (local_certs) has a key no record names.
    with tempfile.TemporaryDirectory() as tmp:
        cert = self_signed_cert(os.path.join(tmp, "fullchain.pem"), "mx.dane-ok.test")
        config = os.path.join(tmp, "danemon.yaml")
        with open(config, "w") as f:
            f.write(f"domains:\n  - name: dane-ok.test\n    local_certs:\n"
                    f"      mx.dane-ok.test: [{cert}]\nresolver: {lab.resolver}\n")
        proc = lab.danemon("check", "--json", "--timeout", "10", "--config", config)
        doc = json.loads(proc.stdout)
        d = doc["domains"][0]
        expect(codes_of(d) == ["local-cert-mismatch", "local-cert-not-served"],
               f"codes {codes_of(d)}")
        expect(d["status"] == "critical" and proc.returncode == 2, f"status {d['status']}")
        message = [p["message"] for p in d["mx"][0]["problems"] if p["code"] == "local-cert-mismatch"][0]
        expect(cert in message and "Publish _25._tcp.mx.dane-ok.test. IN TLSA 3 1 1 " in message,
               "the file and the record to publish are not named: " + message)

        # The MTA's chain file with the issuer first: check-incomplete (status unknown, exit 3)
        # naming the file and why, not a mismatch against the wrong certificate.
        with open(os.path.join(lab.vars["LAB_RUN_DIR"], "pki", "chains", "modern.pem")) as f:
            blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                                f.read(), re.S)
        reversed_chain = os.path.join(tmp, "reversed.pem")
        with open(reversed_chain, "w") as f:
            f.write("".join(reversed(blocks)))
        with open(config, "w") as f:
            f.write(f"domains:\n  - name: dane-ok.test\n    local_certs:\n"
                    f"      mx.dane-ok.test: [{reversed_chain}]\nresolver: {lab.resolver}\n")
        proc = lab.danemon("check", "--json", "--timeout", "10", "--config", config)
        d = json.loads(proc.stdout)["domains"][0]
        expect(codes_of(d) == ["check-incomplete"] and d["status"] == "unknown"
               and proc.returncode == 3, f"codes {codes_of(d)}, status {d['status']}, exit {proc.returncode}")
        message = d["mx"][0]["problems"][0]["message"]
        expect(reversed_chain in message and "in the wrong order" in message, message)


def case_bad_input_files(lab):
    # Files a user hands danemon: one sentence naming the file, exit 3, no stack trace.
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "state")
        os.makedirs(state)
        with open(os.path.join(state, "danemon.db"), "wb") as f:
            f.write(b"this is not a database\n" * 100)
        key = os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-out", key], check=True, capture_output=True, timeout=30)
        empty = os.path.join(tmp, "empty.pem")
        open(empty, "w").close()
        # The lab's modern chain (leaf, issuing CA) with the CA first, and the CA alone.
        with open(os.path.join(lab.vars["LAB_RUN_DIR"], "pki", "chains", "modern.pem")) as f:
            blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                                f.read(), re.S)
        expect(len(blocks) == 2, f"the modern chain has {len(blocks)} certificates, expected 2")
        reversed_chain = os.path.join(tmp, "reversed.pem")
        with open(reversed_chain, "w") as f:
            f.write(blocks[1] + blocks[0])
        ca_only = os.path.join(tmp, "chain.pem")
        with open(ca_only, "w") as f:
            f.write(blocks[1])
        config = os.path.join(tmp, "danemon.yaml")
        with open(config, "w") as f:
            f.write(f"domains: [dane-ok.test]\nresolver: {lab.resolver}\nstate_directory: {state}\n")
        cases = [
            (("status", "--state-dir", state), "danemon.db"),
            (("daemon", "--config", config), "danemon.db"),
            (("tlsa", "--cert", key), key),
            (("tlsa", "--cert", empty), empty),
            (("precheck", "--cert", key, "--resolver", lab.resolver, "--state-dir", tmp), key),
            (("config", "check", os.path.join(tmp, "missing.yaml")), "missing.yaml"),
            (("status", "--state-dir", os.path.join(empty, "state")), os.path.join(empty, "state")),
            (("tlsa", "--cert", reversed_chain), reversed_chain, "in the wrong order"),
            (("precheck", "--cert", reversed_chain, "--resolver", lab.resolver, "--state-dir", tmp),
             reversed_chain, "in the wrong order"),
            (("tlsa", "--cert", ca_only), ca_only, "only CA certificates"),
            (("precheck", "--cert", ca_only, "--resolver", lab.resolver, "--state-dir", tmp),
             ca_only, "only CA certificates"),
        ]
        for words, needle, *phrase in cases:
            start = time.monotonic()
            proc = lab.danemon(*words, timeout=60)
            lines = [l for l in proc.stderr.splitlines() if l.strip()]
            expect(proc.returncode == 3, f"exit {proc.returncode} for {words}, expected 3: {proc.stderr}")
            expect(lines and any(needle in l and all(p in l for p in phrase) for l in lines),
                   f"no sentence naming {needle} {phrase}: {proc.stderr!r}")
            if words[0] in ("precheck", "tlsa", "status"):
                expect(all(l.startswith(f"danemon {words[0]}: ") for l in lines),
                       f"{words[0]}'s sentence does not name the command: {proc.stderr!r}")
            expect(time.monotonic() - start < 10, f"{words} took more than 10 s")
            expect("terminate called" not in proc.stderr and "Traceback" not in proc.stderr,
                   "a crash: " + proc.stderr)
        # A state directory the daemon's user cannot enter (root could: run as nobody; the
        # lab, and so this test, runs as root).
        private = os.path.join(tmp, "private")
        os.makedirs(os.path.join(private, "state"))
        os.chmod(private, 0o700)
        os.chmod(tmp, 0o755)
        binary = os.path.join(tmp, "danemon")  # a copy nobody can run wherever the build is
        shutil.copy(lab.args.danemon, binary)
        os.chmod(binary, 0o755)
        nobody = pwd.getpwnam("nobody")
        proc = lab.danemon("setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                           "--clear-groups", "--", binary, "status", "--state-dir",
                           os.path.join(private, "state"), timeout=60, binary=False)
        expect(proc.returncode == 3 and os.path.join(private, "state") in proc.stderr
               and len(proc.stderr.strip().splitlines()) == 1,
               f"unreadable state directory: exit {proc.returncode}, {proc.stderr!r}")


def case_locked_state_db(lab):
    # Another process holds the state database's write lock: the commands that write it wait
    # for the busy timeout (5 s), then say so in one sentence and exit 3. status only reads:
    # a writer (the daemon in a cycle) does not block it, a lock that keeps readers out does.
    import sqlite3
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "state")
        cert = self_signed_cert(os.path.join(tmp, "fullchain.pem"), "mx.dane-ok.test")
        precheck = ("precheck", "--cert", cert, "--resolver", lab.resolver, "--state-dir", state,
                    "--timeout", "5")
        created = lab.danemon(*precheck, timeout=60)  # creates danemon.db (WAL); not vouched: 2
        db = os.path.join(state, "danemon.db")
        expect(created.returncode == 2 and os.path.exists(db),
               f"precheck did not create {db}: exit {created.returncode} {created.stderr}")
        config = os.path.join(tmp, "danemon.yaml")
        with open(config, "w") as f:
            f.write(f"domains: [dane-ok.test]\nresolver: {lab.resolver}\nstate_directory: {state}\n")
        # BEGIN EXCLUSIVE (in WAL mode: the write lock, readers go on); locking_mode EXCLUSIVE
        # plus a write also keeps readers out.
        for how in ("BEGIN EXCLUSIVE", "PRAGMA locking_mode = EXCLUSIVE"):
            holder = sqlite3.connect(db, isolation_level=None, timeout=0)
            try:
                if how == "BEGIN EXCLUSIVE":
                    holder.execute("BEGIN EXCLUSIVE")
                else:
                    holder.execute(how)
                    holder.execute("BEGIN EXCLUSIVE")
                    holder.execute("COMMIT")  # in this locking mode the lock stays until close
                for words in (("status", "--state-dir", state), ("daemon", "--config", config),
                              precheck):
                    proc = lab.danemon(*words, timeout=30)
                    lines = [l for l in proc.stderr.splitlines() if l.strip()]
                    expect("terminate called" not in proc.stderr and "Traceback" not in proc.stderr,
                           "a crash: " + proc.stderr)
                    expect(proc.elapsed < 12, f"{how}: {words[0]} took {proc.elapsed:.1f} s "
                                              f"(busy timeout 5 s)")
                    if words[0] == "status" and how == "BEGIN EXCLUSIVE":
                        expect(proc.returncode == 3 and "locked" not in proc.stderr
                               and "no check has been stored yet" in proc.stderr
                               and proc.elapsed < 2,
                               f"status was blocked by a writer: {proc.returncode} {proc.stderr!r}")
                        continue
                    expect(proc.returncode == 3, f"{how}: exit {proc.returncode} for {words[0]}, "
                                                 f"expected 3: {proc.stderr}")
                    expect(len(lines) == 1 and db in lines[0] and "locked" in lines[0],
                           f"{how}: {words[0]}: not one sentence naming the locked {db}: "
                           f"{proc.stderr!r}")
            finally:
                holder.close()
        after = lab.danemon("status", "--state-dir", state)
        expect(after.returncode in (0, 1, 2, 3) and "locked" not in after.stderr,
               f"still locked after the holder closed: {after.stderr}")


def case_check_config_settings(lab):
    # check --config takes the configuration's per-domain port and its timeout, as the daemon
    # does (danemon-check.service); options on the command line win.
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "danemon.yaml")
        with open(config, "w") as f:
            f.write(f"domains:\n  - name: dane-ok.test\n    port: 2599\n  - silent.test\n"
                    f"resolver: {lab.resolver}\ntimeout: 2s\n")
        proc = lab.danemon("check", "--json", "--config", config, timeout=60)
        doc = json.loads(proc.stdout)
        by_domain = {d["domain"]: d for d in doc["domains"]}
        ep = by_domain["dane-ok.test"]["mx"][0]["endpoints"][0]
        expect(ep["port"] == 2599 and "mx-unreachable" in codes_of(by_domain["dane-ok.test"]),
               f"the configured port was not probed: {json.dumps(ep)}")
        expect(proc.elapsed < run_bound(2), f"took {proc.elapsed:.1f} s with timeout: 2s "
                                            f"(silent.test waits out the timeout)")
        expect(proc.returncode == 2, f"exit {proc.returncode}")
        override = lab.danemon("check", "--json", "--config", config, "--port", "25",
                               "dane-ok.test", timeout=60)
        d = json.loads(override.stdout)["domains"][0]
        expect(override.returncode == 0 and d["mx"][0]["endpoints"][0]["port"] == 25,
               f"--port 25 did not win over the configured port: exit {override.returncode}")


def case_bad_arguments(lab):
    # Bad local input is the user's error: exit 3, one sentence naming the option or value,
    # nothing sent to DNS or an MX host, no report.
    cases = [((), "DOMAIN"), (("--port", "0", "x.test"), "--port"),
             (("--resolver", "not-an-address", "x.test"), "not-an-address"),
             (("--timeout", "abc", "x.test"), "--timeout"),
             (("--timeout", "nan", "x.test"), "'nan' is not a number of seconds"),
             (("--timeout", "inf", "x.test"), "'inf' is not a number of seconds"),
             (("",), "the domain name is empty"),
             (("bücher.example",), "give its A-label"),
             (("192.0.2.1",), "'192.0.2.1' is an IP address, not a mail domain"),
             (("a b.example",), "'a b.example' is not a domain name"),
             (("--helo", "mx.test\r\nMAIL FROM:<x>", "x.test"), "--helo"),
             (("--save-chain", "", "x.test"), "--save-chain: an empty path was given"),
             (("--bogus", "x.test"), "--bogus")]
    for words, needle in cases:
        proc = lab.danemon("check", "--resolver", lab.resolver, *words) if words[:1] != ("--resolver",) \
            else lab.danemon("check", *words)
        expect(proc.returncode == 3, f"exit {proc.returncode} for {words}, expected 3")
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        expect(lines and needle in lines[0], f"error does not name {needle}: {proc.stderr!r}")
        expect(proc.stdout == "", "bad arguments printed a report")
        expect(proc.elapsed < 2, f"{words} took {proc.elapsed:.1f} s: was it sent somewhere?")
    unknown = lab.danemon("frobnicate")
    expect(unknown.returncode == 3 and "unknown command 'frobnicate'" in unknown.stderr,
           f"an unknown command is not named: {unknown.stderr!r}")
    for words, needle in ((("precheck", "--cert", "/x.pem", "--host", "a b.test"), "--host"),
                          (("precheck", "--cert", "/x.pem", "--timeout", "nan"), "--timeout"),
                          (("tlsa", "--cert", "/x.pem", "--host", "mx.test\n_25._tcp.x"), "--host")):
        proc = lab.danemon(*words)
        expect(proc.returncode == 3 and needle in proc.stderr,
               f"{words}: exit {proc.returncode} {proc.stderr!r}")


def case_status_read_only(lab):
    # danemon status only reads, and says exactly what is wrong: no directory, not a
    # directory, permission denied, an empty file; it works on a read-only file system and
    # never creates anything.
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        state = os.path.join(tmp, "state")
        config = os.path.join(tmp, "danemon.yaml")
        with open(config, "w") as f:
            f.write(f"domains: [dane-ok.test]\nresolver: {lab.resolver}\nstate_directory: {state}\n"
                    "alerts:\n  syslog:\n    enabled: false\n")
        daemon = subprocess.Popen([lab.args.danemon, "daemon", "--config", config],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for("a stored check", lambda: lab.danemon("status", "--state-dir", state).returncode == 0)
        finally:
            daemon.terminate()
            daemon.wait(10)
        missing = os.path.join(tmp, "missing")
        regular = os.path.join(tmp, "file")
        open(regular, "w").close()
        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        open(os.path.join(empty, "danemon.db"), "w").close()
        for path, needle in ((missing, "no check has been stored yet: the state directory"),
                             (regular, "is not a directory"),
                             (empty, "danemon.db is empty: no check has been stored in it yet")):
            proc = lab.danemon("status", "--state-dir", path)
            lines = proc.stderr.strip().splitlines()
            expect(proc.returncode == 3 and len(lines) == 1 and needle in lines[0],
                   f"status --state-dir {path}: exit {proc.returncode}, {proc.stderr!r}")
        expect(not os.path.exists(missing), "status created the missing state directory")
        expect(os.path.getsize(os.path.join(empty, "danemon.db")) == 0,
               "status wrote into an empty database file")
        # As a user who cannot enter the directory (nobody; the suite runs as root).
        private = os.path.join(tmp, "private")
        shutil.copytree(state, os.path.join(private, "state"))
        os.chmod(private, 0o700)
        binary = os.path.join(tmp, "danemon")
        shutil.copy(lab.args.danemon, binary)
        os.chmod(binary, 0o755)
        nobody = pwd.getpwnam("nobody")
        proc = lab.danemon("setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                           "--clear-groups", "--", binary, "status", "--state-dir",
                           os.path.join(private, "state"), binary=False)
        expect(proc.returncode == 3 and "Permission denied" in proc.stderr
               and "no check" not in proc.stderr, f"as nobody: {proc.returncode} {proc.stderr!r}")
        # On a read-only file system (a read-only bind mount) it reads as usual.
        subprocess.run(["mount", "--bind", state, state], check=True, timeout=10)
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", state], check=True, timeout=10)
            proc = lab.danemon("status", "--state-dir", state)
            expect(proc.returncode == 0 and "dane-ok.test  ok" in proc.stdout,
                   f"status on a read-only file system: {proc.returncode} {proc.stderr!r}")
        finally:
            subprocess.run(["umount", "-l", state], timeout=10)


def case_bad_config_files(lab):
    # A configuration that is a FIFO, /dev/zero, a directory, several YAML documents, or has an
    # EHLO name with CR LF: config check, check --config and daemon refuse it at once (exit 3,
    # one sentence), without hanging or filling memory.
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "fifo.yaml")
        os.mkfifo(fifo)
        multi = os.path.join(tmp, "multi.yaml")
        with open(multi, "w") as f:
            f.write("domains: [a.test]\n---\ndomains: [b.test]\n")
        helo = os.path.join(tmp, "helo.yaml")
        with open(helo, "w") as f:
            f.write('domains: [a.test]\nhelo_name: "mx.test\\r\\nMAIL FROM:<x>"\n')
        certdir = os.path.join(tmp, "live")
        os.makedirs(certdir)
        localdir = os.path.join(tmp, "local.yaml")
        with open(localdir, "w") as f:
            f.write(f"domains:\n  - name: a.test\n    local_certs:\n      mx.a.test: [{certdir}/]\n")
        big = os.path.join(tmp, "big.yaml")
        with open(big, "wb") as f:
            f.write(b"domains: [a.test]\n" + b"#" * (5 << 20) + b"\n")
        cases = [(fifo, "is a FIFO, not a regular file"),
                 ("/dev/zero", "is a character device, not a regular file"),
                 (tmp, "is a directory, not a regular file"),
                 (big, "is larger than 4 MB"),
                 (multi, "2 YAML documents"),
                 (helo, "helo_name: 'mx.test\\x0d\\x0aMAIL FROM:<x>' is not a host name"),
                 (localdir, "is a directory, not a certificate file (line 4); name the file in "
                            f"it, e.g. {certdir}/fullchain.pem")]
        for path, needle in cases:
            for words in (("config", "check", path), ("check", "--config", path),
                          ("daemon", "--config", path)):
                proc = lab.danemon(*words, timeout=20)
                lines = [l for l in proc.stderr.splitlines() if l.strip()]
                expect(proc.returncode == 3 and len(lines) == 1 and needle in lines[0],
                       f"{words}: exit {proc.returncode}, {proc.stderr!r} (wanted {needle!r})")
                expect(proc.elapsed < 3, f"{words} took {proc.elapsed:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--danemon", required=True)
    ap.add_argument("--lab", required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("case")
    ap.add_argument("domain", nargs="?")
    args = ap.parse_args()
    lab = Lab(args)
    try:
        if args.case in ("scenario", "scenario-embedded"):
            globals()["case_" + args.case.replace("-", "_")](lab, args.domain)
        else:
            globals()["case_" + args.case.replace("-", "_")](lab)
    except (Failure, subprocess.TimeoutExpired) as f:
        print("FAILED: " + str(f))
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
