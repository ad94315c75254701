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

Writes bench/results/: results.md (the table), targets.md (each target against this run),
results.dat (for gnuplot), wall.png,
memory.md and, with --profile, callgrind-distinct-N.txt. Needs the farm up (farm.py up).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
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


def run_danemon(danemon: str, shape: str, n: int, extra: list[str] = ()) -> dict:
    out = RUN / f"danemon-{shape}-{n}.json"
    r = measure([danemon, "check", "--resolver", farm.RESOLVER, "--json", *extra,
                 *domains_of(shape, n)], None, out)
    try:
        report = json.loads(out.read_text())
        r["ok"] = sum(d["status"] == "ok" for d in report["domains"])
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
LABELS = {"danemon": "danemon check", "ptf-seq": "posttls-finger, sequential",
          "ptf-P8": "posttls-finger, xargs -P 8", "danemon-nolegacy": "danemon --no-legacy-probe"}


def bench(args) -> tuple[dict, dict]:
    """The medians per (shape, N, tool), and every round's figures in round order."""
    env, resolv = ptf_env()
    runs: dict = {}
    for rnd in range(args.rounds):
        for shape in SHAPES:
            for n in args.sizes:
                tools = list(TOOLS) if rnd % 2 == 0 else list(reversed(TOOLS))  # alternate order
                if shape == "distinct":
                    tools.append("danemon-nolegacy")
                for tool in tools:
                    warm(shape, n)
                    if tool == "danemon":
                        r = run_danemon(args.danemon, shape, n)
                    elif tool == "danemon-nolegacy":
                        r = run_danemon(args.danemon, shape, n, ["--no-legacy-probe"])
                    else:
                        r = run_ptf(shape, n, 1 if tool == "ptf-seq" else 8, env, resolv)
                    runs.setdefault((shape, n, tool), []).append(r)
                    print(f"round {rnd + 1} {shape:<8} N={n:<5} {tool:<16} {r['wall']:7.2f} s wall "
                          f"{r['cpu']:7.2f} s CPU {r['rss'] / 1024:6.1f} MB  verified {r['ok']}/{n}",
                          flush=True)
    med = {k: {m: statistics.median(x[m] for x in v) for m in ("wall", "cpu", "rss")}
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


def daemon_memory(args) -> dict:
    """`danemon daemon` with the bulk names configured: peak RSS of its first cycle, RSS after
    it, and the CPU it uses while idle between cycles. Bounded: at most 10 minutes for the
    cycle, then SIGTERM (SIGKILL after 10 s)."""
    work = RUN / "daemon-memory"
    state = work / "state"
    if work.exists():
        shutil.rmtree(work)
    state.mkdir(parents=True)
    config = work / "danemon.yaml"
    config.write_text(
        "# the benchmark's daemon: the bulk names, metrics textfile on, one cycle an hour\n"
        "domains:\n" + "".join(f"  - {d}\n" for d in domains_of("bulk", args.bulk))
        + f"interval: 1h\njitter: 0s\nresolver: {farm.RESOLVER}\ntimeout: 10s\n"
        f"state_directory: {state}\nalerts:\n  syslog:\n    enabled: false\n"
        f"metrics:\n  textfile: {work / 'danemon.prom'}\n")
    warm("bulk", 0)
    log = open(work / "daemon.log", "wb")
    proc = subprocess.Popen([args.danemon, "daemon", "--config", str(config)], stdout=log,
                            stderr=subprocess.STDOUT)

    def status(field: str) -> int:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def cpu_ticks() -> int:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    result = {"cycle_done": False}
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            if b"cycle done" in (work / "daemon.log").read_bytes():
                result["cycle_done"] = True
                break
            time.sleep(0.5)
        if result["cycle_done"]:
            result["cycle_cpu_s"] = cpu_ticks() / os.sysconf("SC_CLK_TCK")
            time.sleep(1)
            result["peak_kb"] = status("VmHWM")
            result["after_kb"] = status("VmRSS")
            ticks = cpu_ticks()
            time.sleep(20)
            result["idle_ticks"] = cpu_ticks() - ticks
            result["threads"] = status("Threads")
            result["line"] = [l for l in (work / "daemon.log").read_text().splitlines()
                              if "cycle done" in l][0].split(" info ", 1)[-1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    return result


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
            + f" (`--no-legacy-probe`, the same job as posttls-finger: 1/{1 / q:.1f})", r <= 1 / 3)
        c = ratio("distinct", 200, "cpu")
        row("distinct N=200: CPU per domain <= 1/3 of posttls-finger",
            f"{1000 * d['cpu'] / 200:.2f} ms vs {1000 * p['cpu'] / 200:.2f} ms: 1/{1 / c:.1f}",
            c <= 1 / 3)
    if daemon and daemon.get("cycle_done"):
        row(f"daemon with {args.bulk:,} domains: peak RSS < 40 MB",
            f"{daemon['peak_kb'] / 1024:.1f} MB peak, {daemon['after_kb'] / 1024:.1f} MB after "
            "the cycle", daemon["peak_kb"] < 40 * 1024)
        row("daemon idle between cycles: no work beyond timers",
            f"{daemon['idle_ticks']} CPU ticks in 20 s, {daemon['threads']} thread(s)",
            daemon["idle_ticks"] == 0)
    elif daemon is not None:
        row(f"daemon with {args.bulk:,} domains: peak RSS < 40 MB", "the cycle did not finish "
            "within 10 minutes", False)
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
        daemon = daemon_memory(args)
        if daemon.get("cycle_done"):
            note += (f"danemon daemon with the same {args.bulk} domains configured (metrics "
                     f"textfile on): peak RSS {daemon['peak_kb'] / 1024:.1f} MB during the first "
                     f"cycle, {daemon['after_kb'] / 1024:.1f} MB after it, "
                     f"{daemon['idle_ticks']} CPU ticks in the next 20 s; the first cycle "
                     f"took {daemon['cycle_cpu_s']:.2f} s of CPU ({daemon['line']}).\n")
        (RESULTS / "memory.md").write_text(note)
        print(note)
    config = config_load(args)
    summary = targets(med, runs, daemon, args, config)
    (RESULTS / "targets.md").write_text(summary)
    print(summary)
    if args.profile:
        profile(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
