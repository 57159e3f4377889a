#!/usr/bin/env python3
"""The whole test suite under fault injection (`make test-faultinj-suite`).

Runs every test of the fast set (what `make test` runs, as CTest lists it, each with its
own environment) once per failure rate, with failslab and fail_page_alloc failing that
percentage of all allocations (GFP_KERNEL ones and order 0 included, not __GFP_NOFAIL),
kmemleak on and kmm's exit check (KMM_CHECK_AT_EXIT, src/exit_check.c) armed. A test may
fail its own checks - an allocation it needed came back NULL - but:

  - nothing crashes: no signal, no sanitizer report (each aborts), no timeout;
  - the allocators stay consistent: the exit check's buddy, slab and vmap-tree checks
    find nothing (it exits with status 125 otherwise);
  - nothing of kmm's leaks: every object still allocated at exit that nothing points to
    (kmemleak's roots of what was lost) was asked for by the program - a test, or through
    the malloc shim the program that runs on it - never by kmm's own code in src/.
    Which code asked is the caller each allocation records, resolved with addr2line.

    scripts/faultinj-suite.py [--build BUILD] [--rates 1,10,50] [--jobs N] [-R REGEX]
    scripts/faultinj-suite.py --classify < OUTPUT   (whose is each leak: kmm or program)

Logs go to BUILD/faultinj-suite/RATE/TEST.log. Exit status 0 when every run held.
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys

ATTRS = ";".join([
    "failslab/ignore-gfp-wait=N", "failslab/verbose=0",
    "fail_page_alloc/ignore-gfp-wait=N", "fail_page_alloc/ignore-gfp-highmem=N",
    "fail_page_alloc/min-order=0", "fail_page_alloc/verbose=0",
])
FAST_SET = r"^(stress|fuzz|bench)$"
LEAK = re.compile(r"kmm: exit check: unreferenced object (0x[0-9a-f]+) \(size (\d+)\) "
                  r"from (\S+) \[(.+)\+(0x[0-9a-f]+)\]")
# Every sanitizer report ends the process with SIGABRT (a test's death-test children
# print reports on purpose, and a failed check prints what they said: no text is judged).
SANITIZERS = {"ASAN_OPTIONS": "abort_on_error=1",
              "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_stacktrace=1",
              "TSAN_OPTIONS": "halt_on_error=1:abort_on_error=1"}
EXIT_CHECK_FAILED = 125


def list_tests(build, regex):
    cmd = ["ctest", "--test-dir", build, "-N", "--show-only=json-v1", "-LE", FAST_SET]
    if regex:
        cmd += ["-R", regex]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["tests"]


def test_env(test, rate):
    props = {p["name"]: p["value"] for p in test.get("properties", [])}
    env = dict(os.environ)
    for item in props.get("ENVIRONMENT", []):
        key, value = item.split("=", 1)
        env[key] = value
    spec = f"1,{rate},0,-1"  # <interval>,<probability>,<space>,<times>
    env.update(KMM_FAILSLAB=spec, KMM_FAIL_PAGE_ALLOC=spec, KMM_FAULT_ATTR=ATTRS,
               KMM_CHECK_AT_EXIT="1", KMM_KMEMLEAK="on")
    for var, opts in SANITIZERS.items():
        env[var] = ":".join(filter(None, [env.get(var), opts]))
    return env, props.get("WORKING_DIRECTORY"), float(props.get("TIMEOUT", 120))


class Resolver:
    """Which source file holds a code address: addr2line, one batch per file."""

    def __init__(self):
        self.cache = {}

    def files(self, binary, offsets):
        todo = [o for o in offsets if (binary, o) not in self.cache]
        if todo:
            # -i: the chain of inlined calls, innermost first; the last is the function
            # the code really sits in (a test's, even where a header's was inlined into it)
            out = subprocess.run(["addr2line", "-a", "-i", "-e", binary] + todo,
                                 capture_output=True, text=True).stdout.splitlines()
            chains, chain = [], None
            for line in out:
                if line.startswith("0x"):
                    chain = []
                    chains.append(chain)
                elif chain is not None:
                    chain.append(line.split(":")[0])
            for off, chain in zip(todo, chains + [["??"]] * len(todo)):
                self.cache[(binary, off)] = chain[-1] if chain else "??"
        return [self.cache[(binary, o)] for o in offsets]


def kmm_owned(source, root):
    """kmm's own code: the library's sources, not its tests, tools or malloc shim."""
    return os.path.abspath(source).startswith(os.path.join(root, "src") + os.sep)


def owners(leaks, root, resolver):
    """For each exit-check leak line's fields: True if kmm's own code asked for it."""
    by_binary = {}
    for _, _, _, binary, off in leaks:
        by_binary.setdefault(binary, []).append(off)
    found = {}
    for binary, offsets in by_binary.items():
        for off, source in zip(offsets, resolver.files(binary, offsets)):
            found[(binary, off)] = kmm_owned(source, root)
    return [found[(binary, off)] for _, _, _, binary, off in leaks]


def classify(root):
    """--classify: read exit-check output on stdin, print "kmm" or "program" per leak."""
    leaks = LEAK.findall(sys.stdin.read())
    for kmm in owners(leaks, root, Resolver()):
        print("kmm" if kmm else "program")
    return 0


def judge(test, rate, build, root, resolver, logdir):
    env, cwd, timeout = test_env(test, rate)
    try:
        run = subprocess.run(test["command"], env=env, cwd=cwd, capture_output=True,
                             text=True, errors="replace", timeout=timeout * 3)
        rc, out = run.returncode, run.stdout + run.stderr
    except subprocess.TimeoutExpired as e:
        rc, out = None, (e.stdout or b"").decode(errors="replace") + \
            (e.stderr or b"").decode(errors="replace")
    with open(os.path.join(logdir, test["name"] + ".log"), "w") as log:
        log.write(out)
    problems = []
    if rc is None:
        problems.append(f"timed out after {timeout * 3:.0f} s")
    elif rc < 0:  # a sanitizer's report too
        problems.append(f"killed by {signal.Signals(-rc).name}")
    elif rc == EXIT_CHECK_FAILED:
        problems.append("the exit check found the allocators inconsistent")
    elif rc > EXIT_CHECK_FAILED:
        problems.append(f"exit status {rc}")
    leaks = LEAK.findall(out)
    kmm_leaks = sum(owners(leaks, root, resolver))
    if kmm_leaks:
        problems.append(f"{kmm_leaks} objects leaked by kmm itself")
    return test["name"], rc, len(leaks) - kmm_leaks, problems


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(root, "build"))
    ap.add_argument("--rates", default="1,10,50")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-R", dest="regex", default=None, help="only the tests matching REGEX")
    ap.add_argument("--classify", action="store_true",
                    help="only say whose each leak on stdin is (kmm or program)")
    args = ap.parse_args()
    if args.classify:
        return classify(root)
    build = os.path.abspath(args.build)
    tests = list_tests(build, args.regex)
    resolver = Resolver()
    failed = 0
    for rate in [int(r) for r in args.rates.split(",")]:
        logdir = os.path.join(build, "faultinj-suite", str(rate))
        os.makedirs(logdir, exist_ok=True)
        passed = graceful = program_leaks = 0
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            runs = pool.map(lambda t: judge(t, rate, build, root, resolver, logdir), tests)
            for name, rc, leaks, problems in runs:
                program_leaks += leaks
                if problems:
                    failed += 1
                    print(f"FAIL {rate:3d}% {name}: {'; '.join(problems)} "
                          f"(log: {os.path.join(logdir, name + '.log')})", flush=True)
                elif rc == 0:
                    passed += 1
                else:
                    graceful += 1
        print(f"fault injection at {rate:2d}%: {len(tests)} tests, {passed} passed, "
              f"{graceful} failed their own checks on a NULL, "
              f"{len(tests) - passed - graceful} broke kmm's guarantees; "
              f"{program_leaks} objects left unreferenced by the tests and programs",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
