#!/usr/bin/env python3
"""danemon check against a loop of posttls-finger over the same farm domains, in one run.

    bench.py --danemon PATH [--sizes 50,200,1000] [--rounds 3] [--bulk 10000] [--profile 50]

For each shape (shared, distinct) and size N, and for each round, it runs alternately:
`danemon check --json` over all N domains, posttls-finger once per domain sequentially
(xargs -P 1) and with xargs -P 8. posttls-finger asks the system resolver, so it runs in a
private mount namespace where /etc/resolv.conf names the farm's unbound. Before every timed
run the resolver cache is warmed with the run's queries and every SMTP listener of the run is
touched (so that each has an idle smtpd): both tools are measured, not unbound's or
postfix's cold start. Wall time, CPU (user + system, children included, GNU time) and peak
RSS (the largest single process) are medians over the rounds.

In the same rounds, danemon's other ways of validating DNSSEC: the farm's unbound with its
cache flushed just before the run (cold), and danemon's embedded validator (libunbound) on
the farm's root trust anchor and root hints, which a one-shot check always starts cold. The
daemon with the bulk names runs once per round and validator (the farm's unbound, embedded):
its first cycle (the embedded validator cold) and a second one right after (warm).

Writes bench/results/: results.md (the table), targets.md (each target against this run),
results.dat (for gnuplot), wall.png, validators.md (the validators compared),
memory.md and, with --profile, callgrind-distinct-N.txt. Needs the farm up (farm.py up).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
import farm  # noqa: E402
from farm import lab  # noqa: E402

RESULTS = BENCH_DIR / "results"
RUN = BENCH_DIR / ".run"
POSTTLS_FINGER = "/usr/sbin/posttls-finger"
PTF_ARGS = ["-t", "5", "-T", "10", "-l", "dane", "-c"]  # -c: no SMTP chat log, TLS summary only
SHAPES = ("shared", "distinct")
UNBOUND_DIR = farm.DEFAULT_RUN_DIR / "unbound"  # the farm's unbound, its trust anchor, root hints
VALIDATORS = ("resolver", "embedded")
VALIDATOR_LABELS = {"resolver": f"the farm's unbound {farm.RESOLVER}",
                    "embedded": "embedded validator"}


def domains_of(shape: str, n: int) -> list[str]:
    name = {"shared": farm.shared_domain, "distinct": farm.distinct_domain,
            "bulk": farm.bulk_domain}[shape]
    return [name(i) for i in range(1, n + 1)]


def mx_hosts(shape: str, n: int) -> list[tuple[str, str]]:
    """(MX host, address) pairs the N domains of SHAPE use."""
    if shape == "distinct":
        return [(f"mx.{farm.distinct_domain(i)}", farm.distinct_address(i)) for i in range(1, n + 1)]
    return [(f"mx{k}.farm-hosting.test", f"127.0.26.{k}") for k in range(1, farm.SHARED_HOSTS + 1)]


def warm(shape: str, n: int) -> None:
    """Untimed: the run's DNS answers into unbound's cache, an idle smtpd per listener."""
    queries = [(".", "SOA")] + [(d, "MX") for d in domains_of(shape, n)]
    hosts = mx_hosts(shape, n)
    for host, _ in hosts:
        queries += [(host, "A"), ("_25._tcp." + host, "TLSA")]  # lab.py has no AAAA query
    with cf.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda q: lab.dns_query(farm.RESOLVER, q[0], q[1], timeout=5), queries))
        list(pool.map(lambda h: lab.smtp_banner(h[1], timeout=10), hosts))


def flush_resolver() -> None:
    """Untimed: the farm's unbound forgets everything at or below the root (messages, RRsets,
    keys) and every server's round-trip and EDNS data: the next run resolves from the root."""
    conf = str(UNBOUND_DIR / "unbound.conf")
    for command in (["flush_zone", "."], ["flush_infra", "all"], ["flush_requestlist"]):
        subprocess.run(["unbound-control", "-c", conf, *command], check=True,
                       stdout=subprocess.DEVNULL)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process PID has used so far, all its threads (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resolver_usage() -> dict:
    """The farm's unbound so far: CPU seconds (the validation a resolver-mode danemon leaves
    to it), queries and cache hits among them (unbound-control stats_noreset)."""
    stats = dict(line.split("=", 1) for line in subprocess.run(
        ["unbound-control", "-c", str(UNBOUND_DIR / "unbound.conf"), "stats_noreset"],
        capture_output=True, text=True, check=True).stdout.split())
    return {"resolver_cpu": cpu_seconds(int((UNBOUND_DIR / "unbound.pid").read_text())),
            "resolver_queries": int(stats["total.num.queries"]),
            "resolver_hits": int(stats["total.num.cachehits"])}


def usage_since(before: dict) -> dict:
    """resolver_usage() from BEFORE (an earlier resolver_usage()) to now."""
    now = resolver_usage()
    return {k: now[k] - before[k] for k in now}


def validator_options(validator: str) -> list[str]:
    """danemon check's options for VALIDATOR: the farm's unbound, or the embedded validator
    on the farm's root (its DS as the trust anchor, its name server as the root hints)."""
    if validator == "embedded":
        return ["--resolver", "embedded", "--trust-anchor", str(UNBOUND_DIR / "root.ds"),
                "--root-hints", str(UNBOUND_DIR / "root.hints")]
    return ["--resolver", farm.RESOLVER]


def validator_named(validator: str) -> str:
    """How danemon's report begins to name VALIDATOR (each domain's dnssec_validator)."""
    return "embedded validator" if validator == "embedded" else f"resolver {farm.RESOLVER}"


def measure(cmd: list[str], stdin_path: Path | None, stdout_path: Path, env=None) -> dict:
    """Runs CMD under GNU time: wall seconds, CPU seconds (user + system, waited-for
    descendants included) and peak RSS in KB (the largest single process). GNU time rather
    than wait4 here: a child forked from this Python process inherits its RSS high-water mark."""
    usage = stdout_path.with_suffix(".time")
    with open(stdout_path, "wb") as out, open(stdin_path or os.devnull, "rb") as inp:
        rc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(usage), *cmd],
                            stdin=inp, stdout=out, stderr=subprocess.STDOUT, env=env).returncode
    wall, user, system, rss = usage.read_text().split()[-4:]
    return {"wall": float(wall), "cpu": float(user) + float(system), "rss": int(rss), "rc": rc}


def ptf_env() -> tuple[dict, Path]:
    conf = RUN / "ptf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "main.cf").write_text(
        "# posttls-finger's settings for the benchmark (MAIL_CONFIG)\n"
        "compatibility_level = 3.6\nmyhostname = bench.lab.test\ninet_protocols = ipv4\n"
        "smtp_dns_support_level = dnssec\nsmtp_host_lookup = dns\n"
        "smtp_tls_security_level = dane\n")
    resolv = conf / "resolv.conf"
    resolv.write_text(f"nameserver {farm.RESOLVER}\noptions trust-ad\n")
    return dict(os.environ, MAIL_CONFIG=str(conf)), resolv


def run_danemon(danemon: str, shape: str, n: int, extra: list[str] = (),
                validator: str = "resolver") -> dict:
    """One timed check, and what the farm's unbound did meanwhile; ok counts the domains found
    ok through VALIDATOR."""
    out = RUN / f"danemon-{shape}-{n}.json"
    before = resolver_usage()
    r = measure([danemon, "check", *validator_options(validator), "--json", *extra,
                 *domains_of(shape, n)], None, out) | usage_since(before)
    try:
        report = json.loads(out.read_text())
        r["ok"] = sum(d["status"] == "ok" and d["dnssec_validator"].startswith(
            validator_named(validator)) for d in report["domains"])
    except (ValueError, KeyError):
        r["ok"] = 0
    return r


def run_ptf(shape: str, n: int, parallel: int, env: dict, resolv: Path) -> dict:
    listing = RUN / f"domains-{shape}-{n}.txt"
    listing.write_text("\n".join(domains_of(shape, n)) + "\n")
    out = RUN / f"ptf-{shape}-{n}-P{parallel}.txt"
    # $0 = resolv.conf, $1 = parallelism, $2 = posttls-finger, then its options
    script = ('mount --bind "$0" /etc/resolv.conf && p=$1 && f=$2 && shift 2 && '
              'exec xargs -P "$p" -n 1 "$f" "$@"')
    cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, str(resolv),
           str(parallel), POSTTLS_FINGER, *PTF_ARGS]
    r = measure(cmd, listing, out, env)
    r["ok"] = out.read_text(errors="replace").count("Verified TLS connection established")
    return r


TOOLS = ("danemon", "ptf-seq", "ptf-P8")
MODES = ("danemon-cold", "danemon-embedded")  # danemon check's other validators, same rounds
LABELS = {"danemon": "danemon check", "ptf-seq": "posttls-finger, sequential",
          "ptf-P8": "posttls-finger, xargs -P 8", "danemon-nolegacy": "danemon --no-legacy-probe --no-key-probe"}


def bench(args) -> tuple[dict, dict]:
    """The medians per (shape, N, tool), and every round's figures in round order."""
    env, resolv = ptf_env()
    runs: dict = {}
    for rnd in range(args.rounds):
        for shape in SHAPES:
            for n in args.sizes:
                order = TOOLS + MODES
                tools = list(order) if rnd % 2 == 0 else list(reversed(order))  # alternate order
                if shape == "distinct":
                    tools.append("danemon-nolegacy")
                for tool in tools:
                    warm(shape, n)
                    if tool == "danemon":
                        r = run_danemon(args.danemon, shape, n)
                    elif tool == "danemon-nolegacy":
                        r = run_danemon(args.danemon, shape, n,
                                        ["--no-legacy-probe", "--no-key-probe"])
                    elif tool == "danemon-cold":
                        flush_resolver()
                        r = run_danemon(args.danemon, shape, n)
                    elif tool == "danemon-embedded":
                        r = run_danemon(args.danemon, shape, n, validator="embedded")
                    else:
                        r = run_ptf(shape, n, 1 if tool == "ptf-seq" else 8, env, resolv)
                    runs.setdefault((shape, n, tool), []).append(r)
                    unbound = (f"  unbound {r['resolver_cpu']:.2f} s, {r['resolver_hits']}/"
                               f"{r['resolver_queries']} hits" if "resolver_cpu" in r else "")
                    print(f"round {rnd + 1} {shape:<8} N={n:<5} {tool:<16} {r['wall']:7.2f} s wall "
                          f"{r['cpu']:7.2f} s CPU {r['rss'] / 1024:6.1f} MB  verified {r['ok']}/{n}"
                          + unbound, flush=True)
    med = {k: {m: statistics.median(x[m] for x in v) for m in v[0] if m not in ("rc", "ok")}
           | {"ok": min(x["ok"] for x in v)} for k, v in runs.items()}
    return med, runs


def write_table(med: dict, args) -> str:
    lines = [f"Median of {args.rounds} rounds. CPU: user + system of the command and all its "
             "children (GNU time). Peak RSS: the largest single process. Ratios: danemon / "
             "posttls-finger in the same run.", "",
             "| shape | N | tool | wall s | CPU s | CPU ms/domain | peak RSS MB | verified | "
             "wall ratio | CPU/domain ratio |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for shape in SHAPES:
        for n in args.sizes:
            d = med[(shape, n, "danemon")]
            for tool in TOOLS + (("danemon-nolegacy",) if shape == "distinct" else ()):
                r = med[(shape, n, tool)]
                ratio_wall = ratio_cpu = ""
                if tool.startswith("ptf"):
                    ratio_wall = f"1/{r['wall'] / d['wall']:.1f}"
                    ratio_cpu = f"1/{r['cpu'] / d['cpu']:.1f}"
                lines.append(f"| {shape} | {n} | {LABELS[tool]} | {r['wall']:.2f} | {r['cpu']:.2f} | "
                             f"{1000 * r['cpu'] / n:.2f} | {r['rss'] / 1024:.1f} | {r['ok']}/{n} | "
                             f"{ratio_wall} | {ratio_cpu} |")
    lines += ["", "Ratio columns on a posttls-finger row: danemon's figure divided by that row's "
              "(1/20 = danemon needs a twentieth)."]
    return "\n".join(lines) + "\n"


def write_plot(med: dict, args) -> None:
    dat = RESULTS / "results.dat"
    rows = ["# shape N danemon_wall ptf_seq_wall ptf_P8_wall"]
    for shape in SHAPES:
        for n in args.sizes:
            rows.append(f"{shape} {n} " + " ".join(f"{med[(shape, n, t)]['wall']:.3f}" for t in TOOLS))
    dat.write_text("\n".join(rows) + "\n")
    script = f"""
set terminal pngcairo size 1100,450 font ",10"
set output "{RESULTS / 'wall.png'}"
set multiplot layout 1,2 title "Wall time against N (median of {args.rounds} rounds; log scales)"
set logscale xy
set xlabel "domains N"
set ylabel "wall seconds"
set key top left
set grid
set xtics ({", ".join(str(n) for n in args.sizes)})
do for [shape in "shared distinct"] {{
  set title shape." MX hosts"
  plot "< grep '^".shape." ' {dat}" using 2:3 with linespoints lw 2 title "danemon check", \\
       "" using 2:4 with linespoints lw 2 title "posttls-finger sequential", \\
       "" using 2:5 with linespoints lw 2 title "posttls-finger xargs -P 8"
}}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def memory(args) -> str:
    warm("bulk", 0)  # the shared hosts
    r = run_danemon(args.danemon, "bulk", args.bulk)
    return (f"danemon check --json over {args.bulk} domains of the shared shape (one signed "
            f"zone, MX on the five shared hosts): peak RSS {r['rss'] / 1024:.1f} MB, "
            f"wall {r['wall']:.2f} s, CPU {r['cpu']:.2f} s, {r['ok']}/{args.bulk} ok.\n")


def daemon_config(work: Path, args, validator: str) -> Path:
    """The benchmark's daemon: the bulk names, metrics textfile on, one cycle an hour."""
    state = work / "state"
    state.mkdir(parents=True)
    dnssec = (f"resolver: embedded\ntrust_anchor: {UNBOUND_DIR / 'root.ds'}\n"
              f"root_hints: {UNBOUND_DIR / 'root.hints'}\n" if validator == "embedded"
              else f"resolver: {farm.RESOLVER}\n")
    config = work / "danemon.yaml"
    config.write_text(
        "# the benchmark's daemon: the bulk names, metrics textfile on, one cycle an hour\n"
        "domains:\n" + "".join(f"  - {d}\n" for d in domains_of("bulk", args.bulk))
        + f"interval: 1h\njitter: 0s\n{dnssec}timeout: 10s\n"
        f"state_directory: {state}\nalerts:\n  syslog:\n    enabled: false\n"
        f"metrics:\n  textfile: {work / 'danemon.prom'}\n")
    return config


def daemon_run(args, validator: str) -> dict:
    """`danemon daemon` with the bulk names configured, validating through VALIDATOR: its first
    cycle (wall and CPU from the start, peak RSS, RSS after it), a second one asked for with
    SIGUSR1 a second later (the same figures, the peak reset in between; the embedded
    validator's cache warm), then the CPU it uses in 20 s idle and its threads. A cycle's wall
    time ends at its last store commit (the state database's mtime): the daemon logs `cycle
    done` only at the next of its one-second polls. Bounded: at most 10 minutes per cycle,
    then SIGTERM (SIGKILL after 10 s)."""
    work = RUN / f"daemon-{validator}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    config = daemon_config(work, args, validator)
    log_path = work / "daemon.log"
    flush_resolver()  # what earlier runs left in unbound (TTLs capped at 30 s) does not count
    warm("bulk", 0)
    log = open(log_path, "wb")
    started = (time.time(), 0.0, resolver_usage())  # wall clock: compared with a file's mtime
    proc = subprocess.Popen([args.danemon, "daemon", "--config", str(config)], stdout=log,
                            stderr=subprocess.STDOUT)

    def status(field: str) -> int:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def done_lines() -> list[str]:
        return [l.split(" info ", 1)[-1] for l in log_path.read_text().splitlines()
                if "cycle done" in l]

    def mark() -> tuple[float, float, dict]:
        return time.time(), cpu_seconds(proc.pid), resolver_usage()

    def wait_cycle(count: int, since: tuple[float, float, dict]) -> dict | None:
        """The figures of cycle COUNT, measured from SINCE (a mark)."""
        while time.time() < since[0] + 600 and proc.poll() is None:
            if len(done_lines()) >= count:
                committed = max(f.stat().st_mtime for f in (work / "state").glob("danemon.db*"))
                cycle = {"wall": committed - since[0], "cpu": cpu_seconds(proc.pid) - since[1]}
                cycle |= usage_since(since[2])
                time.sleep(1)
                return cycle | {"peak_kb": status("VmHWM"), "after_kb": status("VmRSS"),
                                "line": done_lines()[count - 1]}
            time.sleep(0.1)
        return None

    result = {"cycles": []}
    try:
        cold = wait_cycle(1, started)
        if cold:
            result["cycles"].append(cold)
            Path(f"/proc/{proc.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
            since = mark()
            proc.send_signal(signal.SIGUSR1)  # check every domain now
            warm_cycle = wait_cycle(2, since)
            if warm_cycle:
                result["cycles"].append(warm_cycle)
                idle = cpu_seconds(proc.pid)
                time.sleep(20)
                idle = cpu_seconds(proc.pid) - idle
                result["idle_ticks"] = round(idle * os.sysconf("SC_CLK_TCK"))
                result["threads"] = status("Threads")
        started_line = next((l for l in log_path.read_text().splitlines() if " started " in l),
                            "")
        result["dnssec"] = started_line.split('dnssec="', 1)[-1].rstrip('"')
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    return result


def daemon_rounds(args) -> dict:
    """daemon_run per validator, args.rounds times, the order flipping every round: per
    validator its median figures per cycle (None when a cycle did not finish in some round)."""
    runs: dict = {v: [] for v in VALIDATORS}
    for rnd in range(args.rounds):
        for validator in VALIDATORS if rnd % 2 == 0 else reversed(VALIDATORS):
            r = daemon_run(args, validator)
            runs[validator].append(r)
            print(f"round {rnd + 1} daemon {validator:<8} " + "; ".join(
                f"{name} cycle {cycle_text(c)}" for name, c in zip(("cold", "warm"), r["cycles"]))
                  + f"; idle {r.get('idle_ticks')} ticks, {r.get('threads')} threads", flush=True)
    med = {}
    for validator, rs in runs.items():
        if any(len(r["cycles"]) < 2 for r in rs):
            med[validator] = None
            continue
        med[validator] = {
            "cycles": [{m: statistics.median(r["cycles"][i][m] for r in rs)
                        for m in rs[0]["cycles"][i] if m != "line"}
                       | {"line": rs[-1]["cycles"][i]["line"]} for i in (0, 1)],
            "idle_ticks": max(r["idle_ticks"] for r in rs),
            "threads": max(r["threads"] for r in rs), "dnssec": rs[-1]["dnssec"]}
    return med


def cycle_text(c: dict) -> str:
    """A daemon cycle's figures (daemon_run's) in words."""
    return (f"{c['wall']:.2f} s wall, {c['cpu']:.2f} s CPU (unbound {c['resolver_cpu']:.2f} s, "
            f"{c['resolver_hits']:.0f}/{c['resolver_queries']:.0f} cache hits), peak RSS "
            f"{c['peak_kb'] / 1024:.1f} MB, {c['after_kb'] / 1024:.1f} MB after it")


def daemon_note(validator: str, d: dict | None, args) -> str:
    """memory.md's sentence on the daemon through VALIDATOR (daemon_rounds' medians)."""
    head = (f"danemon daemon with the same {args.bulk} domains configured (metrics textfile on, "
            f"{VALIDATOR_LABELS[validator]}, medians of {args.rounds} rounds)")
    if d is None:
        return head + ": a cycle did not finish within 10 minutes.\n"
    cold, warm_ = d["cycles"]
    return (head + f": first cycle (from the start) {cycle_text(cold)}; second cycle "
            f"{cycle_text(warm_)}; then {d['idle_ticks']} CPU ticks in 20 s, {d['threads']} "
            f"thread(s) (dnssec \"{d['dnssec']}\"; {cold['line']}).\n")


def write_validators(med: dict, daemon: dict | None, args) -> str:
    """validators.md: danemon check and the daemon through each validator, cold and warm."""
    lines = [f"Medians of {args.rounds} rounds, {os.cpu_count()} cores; load average "
             f"{os.getloadavg()[1]:.2f} over the last 5 minutes of the run. danemon check: "
             "GNU time (CPU user + system, peak RSS). Daemon: the first cycle from the process "
             "start, the second from its SIGUSR1, wall to the cycle's last store commit, CPU "
             "from /proc/PID/stat; peak RSS VmHWM, reset between the cycles. unbound: what the "
             "farm's unbound did meanwhile, its CPU (the validation a resolver-mode danemon "
             "leaves to it; not in danemon's CPU) and its cache hits among the queries it "
             "answered (unbound-control stats).", "",
             "| what | validator | DNSSEC cache | domains | wall s | CPU s | unbound CPU s | "
             "unbound hits/queries | peak RSS MB | verified |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    caches = {"danemon": ("resolver", "unbound warm"), "danemon-cold": ("resolver", "unbound "
              "flushed"), "danemon-embedded": ("embedded", "cold (a new process)")}
    for shape in SHAPES:
        for n in args.sizes:
            for tool, (validator, cache) in caches.items():
                r = med[(shape, n, tool)]
                lines.append(f"| check | {VALIDATOR_LABELS[validator]} | {cache} | {n} {shape} | "
                             f"{r['wall']:.2f} | {r['cpu']:.2f} | {r['resolver_cpu']:.2f} | "
                             f"{r['resolver_hits']:.0f}/{r['resolver_queries']:.0f} | "
                             f"{r['rss'] / 1024:.1f} | {r['ok']}/{n} |")
    cycle_caches = {"resolver": ("unbound flushed, the shared MX hosts asked",
                                 "unbound as the first cycle left it"),
                    "embedded": ("cold", "warm (its own, from the first cycle)")}
    for validator, d in (daemon or {}).items():
        for i, cycle in enumerate(d["cycles"] if d else ()):
            lines.append(f"| daemon cycle {i + 1} | {VALIDATOR_LABELS[validator]} | "
                         f"{cycle_caches[validator][i]} | {args.bulk} bulk | {cycle['wall']:.2f} | "
                         f"{cycle['cpu']:.2f} | {cycle['resolver_cpu']:.2f} | "
                         f"{cycle['resolver_hits']:.0f}/{cycle['resolver_queries']:.0f} | "
                         f"{cycle['peak_kb'] / 1024:.1f} | "
                         f"{cycle['line'].split(': ', 1)[-1].split(';')[0]} |")
    return "\n".join(lines) + "\n"


def config_load(args) -> dict:
    """`danemon config check` of 10,000 and 100,000 configured domains, in the list form and
    the map form (name and port): the best of three runs each, in seconds."""
    work = RUN / "config-load"
    work.mkdir(parents=True, exist_ok=True)
    result = {}
    for n in (10_000, 100_000):
        for form in ("list", "map"):
            path = work / f"{form}-{n}.yaml"
            entries = (f"  - d{i}.example.org\n" if form == "list"
                       else f"  - name: d{i}.example.org\n    port: 25\n" for i in range(n))
            path.write_text("domains:\n" + "".join(entries))
            best = None
            for _ in range(3):
                start = time.monotonic()
                subprocess.run([args.danemon, "config", "check", str(path)], check=True,
                               stdout=subprocess.DEVNULL)
                took = time.monotonic() - start
                best = took if best is None else min(best, took)
            result[(form, n)] = best
    return result


def targets(med: dict, runs: dict, daemon: dict | None, args, config: dict | None = None) -> str:
    """The targets of the benchmark, each against the figure of this run."""
    rows = ["| target | measured | held? |", "| --- | --- | --- |"]

    def row(target: str, measured: str, held: bool) -> None:
        rows.append(f"| {target} | {measured} | {'yes' if held else '**no**'} |")

    def ratio(shape: str, n: int, metric: str, tool: str = "danemon") -> float:
        return med[(shape, n, tool)][metric] / med[(shape, n, "ptf-P8")][metric]

    if ("shared", 1000, "danemon") in med:
        d, p = med[("shared", 1000, "danemon")], med[("shared", 1000, "ptf-P8")]
        r = ratio("shared", 1000, "wall")
        row("shared N=1000: wall <= 1/20 of posttls-finger -P 8, and < 10 s",
            f"{d['wall']:.2f} s vs {p['wall']:.2f} s: 1/{1 / r:.1f}", r <= 1 / 20 and d["wall"] < 10)
    if ("distinct", 200, "danemon") in med:
        d, p = med[("distinct", 200, "danemon")], med[("distinct", 200, "ptf-P8")]
        r = ratio("distinct", 200, "wall")
        q = ratio("distinct", 200, "wall", "danemon-nolegacy")
        row("distinct N=200: wall <= 1/3 of posttls-finger -P 8",
            f"{d['wall']:.2f} s vs {p['wall']:.2f} s: 1/{1 / r:.1f}; round by round "
            + ", ".join(f"1/{p_r['wall'] / d_r['wall']:.1f}" for d_r, p_r in
                        zip(runs[("distinct", 200, "danemon")], runs[("distinct", 200, "ptf-P8")]))
            + f" (`--no-legacy-probe --no-key-probe`, the same job as posttls-finger: "
            f"1/{1 / q:.1f})", r <= 1 / 3)
        c = ratio("distinct", 200, "cpu")
        row("distinct N=200: CPU per domain <= 1/3 of posttls-finger",
            f"{1000 * d['cpu'] / 200:.2f} ms vs {1000 * p['cpu'] / 200:.2f} ms: 1/{1 / c:.1f}",
            c <= 1 / 3)
    for validator, d in (daemon or {}).items():
        name = f"daemon with {args.bulk:,} domains, {VALIDATOR_LABELS[validator]}"
        if d is None:
            row(f"{name}: peak RSS < 40 MB", "a cycle did not finish within 10 minutes", False)
            continue
        cold, warm_ = d["cycles"]
        row(f"{name}: peak RSS < 40 MB",
            f"{cold['peak_kb'] / 1024:.1f} MB peak in the first cycle, "
            f"{warm_['peak_kb'] / 1024:.1f} MB in the second, {warm_['after_kb'] / 1024:.1f} MB "
            "after it", max(cold["peak_kb"], warm_["peak_kb"]) < 40 * 1024)
        row(f"{name}, idle between cycles: no work beyond timers",
            f"{d['idle_ticks']} CPU ticks in 20 s, {d['threads']} thread(s)",
            d["idle_ticks"] == 0)
    if config:
        worst = max(config[(f, 100_000)] for f in ("list", "map"))
        growth = max(config[(f, 100_000)] / config[(f, 10_000)] for f in ("list", "map"))
        row("config check of 100,000 domains: < 5 s, and linear (at most 15 x the time of "
            "10,000)", ", ".join(f"{f} form {config[(f, 10_000)]:.2f} s -> "
                                 f"{config[(f, 100_000)]:.2f} s" for f in ("list", "map")),
            worst < 5 and growth <= 15)
    return "\n".join(rows) + "\n"


def profile(args) -> None:
    n = args.profile
    warm("distinct", n)
    out = RUN / f"callgrind-distinct-{n}.out"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                    args.danemon, "check", "--resolver", farm.RESOLVER, "--json", "--timeout", "60",
                    *domains_of("distinct", n)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)],
                          capture_output=True, text=True).stdout
    exclusive = subprocess.run(["callgrind_annotate", str(out)], capture_output=True,
                               text=True).stdout
    root = str(BENCH_DIR.parent) + "/"  # no paths of this machine in the committed summary
    trim = lambda t, k: "\n".join(l.replace(root, "")[:200] for l in t.splitlines()[:k])  # noqa: E731
    (RESULTS / f"callgrind-distinct-{n}.txt").write_text(
        f"# callgrind, danemon check over {n} distinct-shape domains\n\n## inclusive\n"
        + trim(text, 90) + "\n\n## exclusive\n" + trim(exclusive, 60) + "\n")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--danemon", required=True)
    p.add_argument("--sizes", default="50,200,1000")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--bulk", type=int, default=0, help="domains for the memory figure (0: skip)")
    p.add_argument("--profile", type=int, default=0, help="callgrind over N distinct domains")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    RESULTS.mkdir(exist_ok=True)
    RUN.mkdir(exist_ok=True)
    med, runs = bench(args)
    table = write_table(med, args)
    (RESULTS / "results.md").write_text(table)
    print("\n" + table)
    write_plot(med, args)
    daemon = None
    if args.bulk:
        note = memory(args)
        daemon = daemon_rounds(args)
        note += "".join(daemon_note(v, d, args) for v, d in daemon.items())
        (RESULTS / "memory.md").write_text(note)
        print(note)
    validators = write_validators(med, daemon, args)
    (RESULTS / "validators.md").write_text(validators)
    print(validators)
    config = config_load(args)
    summary = targets(med, runs, daemon, args, config)
    (RESULTS / "targets.md").write_text(summary)
    print(summary)
    if args.profile:
        profile(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
