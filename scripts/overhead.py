#!/usr/bin/env python3
"""Wrapper overhead on a real project: plain `cargo check ARGS` against `cargo-explain-async
ARGS`, alternating one run of each, ROUNDS rounds, in the no-op case (nothing changed) and
after touching one source file. Prints the median wall time and the median CPU time of the
whole process tree (user + sys of every child, from getrusage), and the differences/ratios.

    scripts/overhead.py PROJECT_DIR [--tool PATH] [--base OLD_BINARY] [--rounds N] [--touch FILE] [-- ARGS...]

ARGS default to `--all-targets`; --touch defaults to src/lib.rs (else src/main.rs);
--via-cargo runs the tool as `cargo explain-async` (cargo's own dispatch to the subcommand
included, as an editor's or hook's command line runs it); --base adds an older build of the
tool to every round, so two builds are compared in the same run (the base build keeps its
caches under a directory of its own: two builds of one version would otherwise find each
other's entries stale at every run and both miss).
BENCHMARKS.md records what it printed.
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time

def run(cmd, cwd, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("project")
    p.add_argument("--tool", default=os.path.join(here, "..", "target", "release", "cargo-explain-async"))
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--touch")
    p.add_argument("--base", help="an older build of the tool, run in every round too")
    p.add_argument("--via-cargo", action="store_true",
                   help="run `cargo explain-async ARGS` (as editors and hooks do) with the tool's directory first on PATH")
    p.add_argument("args", nargs="*", default=["--all-targets"])
    a = p.parse_args()
    touch = a.touch or next(f for f in ("src/lib.rs", "src/main.rs") if os.path.exists(os.path.join(a.project, f)))
    plain = ["cargo", "check"] + a.args
    ours = [os.path.abspath(a.tool)] + a.args
    if a.via_cargo:
        os.environ["PATH"] = os.path.dirname(os.path.abspath(a.tool)) + os.pathsep + os.environ["PATH"]
        ours = ["cargo", "explain-async"] + a.args
    cmds = [("plain", plain, None), ("ours", ours, None)]
    if a.base:
        cache = tempfile.mkdtemp(prefix="overhead-base-cache-")
        cmds.append(("base", [os.path.abspath(a.base)] + a.args, dict(os.environ, XDG_CACHE_HOME=cache)))
    for _, cmd, env in cmds:  # warm every command (and build anything missing)
        run(cmd, a.project, env)
    for case in ("no-op", "touched"):
        res = {name: [] for name, _, _ in cmds}
        for _ in range(a.rounds):
            for name, cmd, env in cmds:
                if case == "touched":
                    os.utime(os.path.join(a.project, touch))
                res[name].append(run(cmd, a.project, env))
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in res.items()}
        (pw, pc), (ow, oc) = med["plain"], med["ours"]
        print(f"{case:8} plain cargo check: wall {pw*1000:7.1f} ms  cpu {pc*1000:7.1f} ms")
        print(f"{case:8} {' '.join(ours[:2]) if a.via_cargo else 'cargo-explain-async'}: wall {ow*1000:7.1f} ms  cpu {oc*1000:7.1f} ms")
        print(f"{case:8} difference: wall {1000*(ow-pw):+6.1f} ms ({ow/pw:.3f}x)  cpu {1000*(oc-pc):+6.1f} ms ({oc/pc:.3f}x)  [{a.rounds} alternating rounds, medians]")
        if a.base:
            bw, bc = med["base"]
            print(f"{case:8} base {a.base}: wall {bw*1000:7.1f} ms  cpu {bc*1000:7.1f} ms  difference: wall {1000*(bw-pw):+6.1f} ms ({bw/pw:.3f}x)  cpu {1000*(bc-pc):+6.1f} ms ({bc/pc:.3f}x)")
    print("load average:", open("/proc/loadavg").read().split()[:3])
    if a.base:
        shutil.rmtree(cache, ignore_errors=True)

if __name__ == "__main__":
    main()
