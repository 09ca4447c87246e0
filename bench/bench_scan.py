"""Issue 15: cold and warm (scan memo) `check --no-expectations` / `inventory` against the floor and an old tree.

Variants, run in turn each round (paired: the machine's load drifts alike for all of them), whole processes:
  floor   stat + header bytes + both annotation files of every recording, no parsing (bench/scan_floor.py)
  stat    the floor of a memoised scan: every folder listed and every file lstat'ed, corpus and cache entries
          (scan_floor.py --stat-only): what any memo must do to know nothing changed (--variants ...,stat)
  base    the old tree (--base DIR: a `git archive` of an older commit), same interpreter
  cold    this tree with --no-memo
  warm    this tree with its scan memo (primed by one run before the first round)
Both trees' bytecode is written first (compile_trees). Reported: per-variant medians of wall, CPU (user+sys) and
peak RSS from the OS's accounting per child, and
ratios taken round by round (cold/floor, warm/floor, cold/base, warm/cold), then their medians.

    .venv/bin/python bench/bench_scan.py --workdir /tmp/tg-bench --rounds 5 [--base /tmp/tg-base] [--command inventory]
    .venv/bin/python bench/bench_scan.py --workdir /tmp/tg-bench --latency-ms 20 --command inventory --rounds 1
        (every stat/scandir/open under the corpus waits 20 ms first: bench/latency_site/sitecustomize.py)

The memo goes to WORKDIR/memo (TUSZ_GUARD_MEMO_DIR; the base tree's to WORKDIR/memo-base), never to the
user's cache folder.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# runs a tree given as a folder, even though this tree is installed in editable mode (its finder wins otherwise)
FROM_TREE = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
             "sys.path.insert(0, sys.argv.pop(1)); from tusz_guard.cli import main; sys.argv[0] = 'tusz-guard'; main()")


SETUP = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bench_check import project, write_cache
config = project(Path(sys.argv[2]))
if sys.argv[3] == "check":
    write_cache(config)
print(config)
"""


def command_line(variant: str, command: str, config: Path, out: Path, base: Path | None,
                 extra: tuple[str, ...] = ()) -> list[str]:
    if variant == "floor":
        return [sys.executable, str(HERE / "scan_floor.py"), str(config), command]
    if variant == "stat":
        return [sys.executable, str(HERE / "scan_floor.py"), str(config), command, "--stat-only"]
    args = [command, str(config)]
    args += ["--no-expectations", "--format", "json", "-o", str(out)] if command == "check" else \
        ["--format", "json", "-o", str(out)]
    if variant == "base":
        return [sys.executable, "-c", FROM_TREE, str(base), *args]
    return [sys.executable, "-m", "tusz_guard.cli", *args, *extra, *(["--no-memo"] if variant == "cold" else [])]


def compile_trees(*trees: Path) -> None:
    """Write the bytecode of each tree first: where PYTHONDONTWRITEBYTECODE is set (this VM sets it) every run would
    otherwise compile every module it imports, and the larger tree would pay more. An installed package has it."""
    import compileall

    for tree in trees:
        compileall.compile_dir(str(tree / "tusz_guard"), quiet=1)


def run_once(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall, user+sys CPU and peak RSS (MiB) of one child, from wait4's accounting."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {code}: {err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tg-bench"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--command", choices=["check", "inventory"], default="check")
    parser.add_argument("--base", type=Path, default=None, help="an older tree (folder holding tusz_guard/)")
    parser.add_argument("--variants", default="floor,cold,warm", help="comma-separated; base is added with --base")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="inject this much per metadata operation under the corpus (bench/latency_site)")
    parser.add_argument("--scan-workers", type=int, default=None, help="passed to this tree's cold and warm runs")
    args = parser.parse_args()
    # the project is made in a child: this parent stays small, since a forked child's peak RSS starts at its parent's
    config = Path(subprocess.run([sys.executable, "-c", SETUP, str(HERE), str(args.workdir), args.command],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    env = {**os.environ, "TUSZ_GUARD_MEMO_DIR": str(args.workdir / "memo")}
    if args.latency_ms:
        env.update(PYTHONPATH=str(HERE / "latency_site"), TG_LATENCY_MS=str(args.latency_ms),
                   TG_LATENCY_ROOT=str(args.workdir / "scale_corpus"))
    variants = args.variants.split(",") + (["base"] if args.base else [])
    # the old tree gets a memo folder of its own: both write the cache index memo under one name, and each would
    # find the other's format and parse index.json again, every round
    envs = {v: {**env, "TUSZ_GUARD_MEMO_DIR": str(args.workdir / "memo-base")} if v == "base" else env
            for v in variants}
    compile_trees(HERE.parent, *([args.base] if args.base else []))
    out = args.workdir / "bench-scan.json"
    extra = ("--scan-workers", str(args.scan_workers)) if args.scan_workers is not None else ()
    lines = {v: command_line(v, args.command, config, out, args.base, extra) for v in variants}
    if "warm" in variants:       # prime the memo (twice: files younger than the racy margin are kept only later)
        for _ in range(2):
            run_once(lines["warm"], env)
    for v in variants if not args.latency_ms else []:   # one warm-up each: the page cache holds the corpus
        run_once(lines[v], envs[v])
    load_before = os.getloadavg()[0]
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for _ in range(args.rounds):
        for v in variants:
            runs[v].append(run_once(lines[v], envs[v]))
    medians = {v: {k: round(statistics.median(r[k] for r in rs), 3) for k in ("wall", "cpu", "rss_mib")}
               for v, rs in runs.items()}
    ratios = {}
    for a, b in [("cold", "floor"), ("warm", "floor"), ("warm", "stat"), ("cold", "base"), ("warm", "base"),
                 ("warm", "cold")]:
        if a in runs and b in runs:
            for k in ("wall", "cpu"):
                ratios[f"{a}/{b} {k}"] = round(statistics.median(x[k] / y[k] for x, y in zip(runs[a], runs[b], strict=True)), 3)
    print(json.dumps({"command": args.command, "rounds": args.rounds, "medians": medians, "ratios": ratios,
                      "cpus": os.cpu_count(), "load_before": round(load_before, 2),
                      "load_after": round(os.getloadavg()[0], 2)}, indent=2))


if __name__ == "__main__":
    main()
