#!/usr/bin/env python3
"""Mutation check of the pure core: do the unit tests catch a plausible wrong verdict?

Applies each mutant of tests/mutation/mutants.tsv (one single-line change to lib/check,
lib/dane, lib/alert or lib/rollover) on its own, rebuilds incrementally in build-mutate/,
runs the unit test executables the rebuild relinked, restores the file, and prints which
mutants survived. A mutant is killed when a unit test fails (or the tests exceed the
timeout); it survives when they all pass. Survivors that the list marks as equivalent
(with the reason) are accepted; any other survivor makes the exit status 1.

  scripts/mutate.py                 # every mutant: 9 to 15 minutes on 2 cores, plus the
                                    # first build of build-mutate/ (Debug, about 5 minutes)
  scripts/mutate.py --only ID[,ID]  # some mutants, e.g. check.bogus-address-dropped
  scripts/mutate.py --list          # the list, with the equivalence reasons

A tool for developers, not part of CI. No root, no network: unit tests only. Every mutated
file is restored when the run ends, is interrupted (Ctrl-C, SIGTERM, SIGHUP) or fails; a
copy of the original also waits in build-mutate/mutate-backup/ until it is restored, so a
run killed with SIGKILL is repaired by the next one. Exit status: 0 every survivor is a
listed equivalent mutant, 1 otherwise, 2 a stale mutant (its original text does not occur
exactly once), a build failure or a failing unmodified suite.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LIST = os.path.join(ROOT, "tests", "mutation", "mutants.tsv")
MUTABLE = ("lib/check/", "lib/dane/", "lib/alert/", "lib/rollover/")


class Mutant:
    def __init__(self, ident, path, original, replacement, description, equivalent, line):
        self.id = ident
        self.path = path
        self.original = original
        self.replacement = replacement
        self.description = description
        self.equivalent = equivalent  # why the mutant cannot change behaviour; "" if it can
        self.line = line  # in the list file


def unescape(field):
    # \n, \t and \\ in the list stand for a newline, a tab and a backslash.
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}.get(m.group(1),
                                                                           m.group(0)), field)


def read_list(path):
    mutants = []
    seen = set()
    errors = []
    with open(path, encoding="utf-8") as listing:
        for number, raw in enumerate(listing, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) not in (5, 6):
                errors.append(f"{path}:{number}: expected 5 or 6 tab-separated fields, "
                              f"found {len(fields)}")
                continue
            ident, file, original, replacement, description = fields[:5]
            equivalent = fields[5].strip() if len(fields) == 6 else ""
            if ident in seen:
                errors.append(f"{path}:{number}: duplicate mutant id {ident}")
            seen.add(ident)
            if not file.startswith(MUTABLE):
                errors.append(f"{path}:{number}: {file} is outside {', '.join(MUTABLE)}")
            original, replacement = unescape(original), unescape(replacement)
            if original == replacement:
                errors.append(f"{path}:{number}: {ident} changes nothing")
            mutants.append(Mutant(ident, file, original, replacement, description, equivalent,
                                  number))
    return mutants, errors


def stale_mutants(mutants):
    stale = []
    for m in mutants:
        full = os.path.join(ROOT, m.path)
        if not os.path.isfile(full):
            stale.append((m, "the file does not exist"))
            continue
        with open(full, encoding="utf-8") as source:
            count = source.read().count(m.original)
        if count != 1:
            stale.append((m, f"the original text occurs {count} times, not once"))
    return stale


def unit_executables(build_dir):
    """(target, directory in the build tree) of every unit test executable."""
    found = []
    unit = os.path.join(ROOT, "tests", "unit")
    for module in sorted(os.listdir(unit)):
        cmake = os.path.join(unit, module, "CMakeLists.txt")
        if not os.path.isfile(cmake):
            continue
        with open(cmake, encoding="utf-8") as text:
            for name in re.findall(r"danemon_unit_test\(\s*(\w+)", text.read()):
                found.append(("unit_" + name, os.path.join(build_dir, "tests", "unit", module)))
    return found


class Restorer:
    """Keeps the original of the one mutated file and puts it back, whatever happens."""

    def __init__(self, backup_dir):
        self.backup_dir = backup_dir
        self.current = None  # (path, original text)

    def repair_interrupted_run(self):
        if not os.path.isdir(self.backup_dir):
            return
        for dirpath, _, files in os.walk(self.backup_dir):
            for name in files:
                backup = os.path.join(dirpath, name)
                relative = os.path.relpath(backup, self.backup_dir)
                shutil.copyfile(backup, os.path.join(ROOT, relative))
                os.remove(backup)
                print(f"mutate: restored {relative}, left mutated by an interrupted run")

    def mutate(self, mutant):
        full = os.path.join(ROOT, mutant.path)
        with open(full, encoding="utf-8") as source:
            original = source.read()
        backup = os.path.join(self.backup_dir, mutant.path)
        os.makedirs(os.path.dirname(backup), exist_ok=True)
        shutil.copyfile(full, backup)
        self.current = (full, original, backup)
        with open(full, "w", encoding="utf-8") as source:
            source.write(original.replace(mutant.original, mutant.replacement, 1))

    def restore(self):
        if self.current is None:
            return
        full, original, backup = self.current
        with open(full, "w", encoding="utf-8") as source:
            source.write(original)
        os.remove(backup)
        self.current = None


def interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run(command, timeout=None, cwd=None):
    return subprocess.run(command, cwd=cwd, timeout=timeout, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)


def configure(build_dir):
    if not os.path.isfile(os.path.join(build_dir, "CMakeCache.txt")):
        command = ["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Debug",
                   "-DDANEMON_BUILD_TESTS=ON",
                   # A mutant may leave a variable unused; that must not stop its build.
                   "-DDANEMON_WERROR=OFF"]
        if shutil.which("ninja"):
            command += ["-G", "Ninja"]
        result = run(command)
        if result.returncode != 0:
            sys.exit("mutate: cmake configure failed:\n" + result.stdout)


def build(build_dir, targets, jobs, timeout):
    try:
        result = run(["cmake", "--build", build_dir, "-j", str(jobs), "--target", *targets],
                     timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "build timed out"
    return result.returncode == 0, result.stdout


def failed_cases(report):
    """The names of the failing test cases in a Catch2 JUnit report."""
    try:
        tree = ElementTree.parse(report)
    except (ElementTree.ParseError, OSError):
        return []
    names = []
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            names.append(case.get("name", "?"))
    return names


def run_tests(executables, timeout, report_dir):
    """(killed, reason): runs each executable; the first failure kills the mutant."""
    deadline = time.monotonic() + timeout
    for target, directory in executables:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True, "timeout"
        report = os.path.join(report_dir, target + ".xml")
        try:
            result = run([os.path.join(directory, target), "-r", "junit", "-o", report],
                         timeout=remaining, cwd=directory)
        except subprocess.TimeoutExpired:
            return True, f"{target}: timeout after {timeout} s"
        if result.returncode != 0:
            cases = failed_cases(report)
            what = "; ".join(f'"{c}"' for c in cases[:3]) or f"exit status {result.returncode}"
            more = f" (+{len(cases) - 3} more)" if len(cases) > 3 else ""
            return True, f"{target}: {what}{more}"
    return False, ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument("--only", help="comma-separated mutant ids to run")
    parser.add_argument("--mutants", default=DEFAULT_LIST, help="the list (default: %(default)s)")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build-mutate"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=int, default=180,
                        help="seconds the tests of one mutant may take (default %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="print which test killed each")
    args = parser.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `--list | head` ends quietly

    mutants, errors = read_list(args.mutants)
    if errors:
        sys.exit("mutate: " + "\nmutate: ".join(errors))
    restorer = Restorer(os.path.join(args.build_dir, "mutate-backup"))
    restorer.repair_interrupted_run()
    stale = stale_mutants(mutants)
    for m, why in stale:
        print(f"stale mutant {m.id} ({m.path}, list line {m.line}): {why}; update or drop it")
    if stale:
        return 2

    if args.list:
        for m in mutants:
            print(f"{m.id:44} {m.path:32} {m.description}")
            if m.equivalent:
                print(f"{'':44} equivalent: {m.equivalent}")
        return 0
    if args.only:
        wanted = args.only.split(",")
        unknown = [w for w in wanted if w not in {m.id for m in mutants}]
        if unknown:
            sys.exit("mutate: no mutant " + ", ".join(unknown) + " (see --list)")
        mutants = [m for m in mutants if m.id in wanted]

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    try:
        return run_all(args, mutants, restorer)
    except KeyboardInterrupt:
        restorer.restore()
        print("\nmutate: interrupted; every file is restored")
        return 130
    finally:
        restorer.restore()


def run_all(args, mutants, restorer):
    executables = unit_executables(args.build_dir)
    targets = [t for t, _ in executables]
    report_dir = os.path.join(args.build_dir, "mutate-reports")
    os.makedirs(report_dir, exist_ok=True)

    configure(args.build_dir)
    print(f"mutate: building the unmodified tree in {os.path.relpath(args.build_dir, ROOT)}/")
    ok, output = build(args.build_dir, targets, args.jobs, None)
    if not ok:
        print(output)
        print("mutate: the unmodified tree does not build")
        return 2
    killed, why = run_tests(executables, args.timeout * 4, report_dir)
    if killed:
        print(f"mutate: the unmodified unit tests fail ({why}); fix that first")
        return 2

    results = []  # (mutant, outcome, detail)
    started = time.monotonic()
    for index, m in enumerate(mutants, 1):
        marker = time.time()
        restorer.mutate(m)
        try:
            ok, output = build(args.build_dir, targets, args.jobs, 900)
        finally:
            # The binaries hold the mutant now; the source need not.
            restorer.restore()
        if not ok:
            errors = [line for line in output.splitlines() if "error" in line]
            outcome, detail = "build-error", (errors or output.strip().splitlines() or [""])[0]
        else:
            # The executables that link the mutated library were relinked.
            relinked = [(t, d) for t, d in executables
                        if os.path.getmtime(os.path.join(d, t)) >= marker - 1]
            dead, detail = run_tests(relinked or executables, args.timeout, report_dir)
            if dead:
                outcome = "killed"
            elif m.equivalent:
                outcome, detail = "equivalent", m.equivalent
            else:
                outcome, detail = "SURVIVED", ""
        results.append((m, outcome, detail))
        shown = f"  {detail}" if args.verbose or outcome != "killed" else ""
        print(f"[{index:2}/{len(mutants)}] {outcome:11} {m.id}{shown}", flush=True)

    print()
    print(f"{'id':44} {'result':11} description")
    for m, outcome, _ in results:
        print(f"{m.id:44} {outcome:11} {m.description}")
    count = {k: sum(1 for _, o, _ in results if o == k)
             for k in ("killed", "equivalent", "SURVIVED", "build-error")}
    total = len(results)
    print()
    print(f"mutate: {count['killed']}/{total} killed ({100.0 * count['killed'] / total:.1f} %), "
          f"{count['equivalent']} equivalent, {count['SURVIVED']} survived, "
          f"{count['build-error']} did not build; "
          f"{(time.monotonic() - started) / 60:.1f} min")
    for m, outcome, detail in results:
        if outcome == "equivalent":
            print(f"  equivalent {m.id}: {detail}")
        if outcome == "SURVIVED":
            print(f"  SURVIVED {m.id} ({m.path}): {m.description}: write the test that kills it")
        if outcome == "build-error":
            print(f"  build-error {m.id}: {detail}")
    for m, outcome, _ in results:
        if outcome == "killed" and m.equivalent:
            print(f"  note: {m.id} is listed as equivalent but was killed; drop its reason")
    if count["build-error"]:
        return 2
    return 1 if count["SURVIVED"] else 0


if __name__ == "__main__":
    sys.exit(main())
