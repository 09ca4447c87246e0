"""Paired A/B timing of two whole commands: A B A B ..., one warm-up each, user+sys CPU and wall per run.

The machines are shared and noisy: the ratio is taken pair by pair and the medians are reported; CPU time
(from the OS's accounting of the child, os.wait4) is the figure to read when other jobs load the machine.

    .venv/bin/python bench/bench_ab.py --pairs 5 --a "CMD A" --b "CMD B" [--json out.json]

Run it from /tmp (python -m puts the working folder first on sys.path) and compile each tree's bytecode first
(`python -m compileall -q TREE/tusz_guard`): with PYTHONDONTWRITEBYTECODE set, every run compiles every module.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import time


def _run(cmd: str) -> tuple[float, float, int]:
    """(wall s, user+sys CPU s, exit code) of one run of `cmd`, output discarded."""
    started = time.perf_counter()
    proc = subprocess.Popen(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="the baseline command")
    parser.add_argument("--b", required=True, help="the command measured against it")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    _run(args.a), _run(args.b)                      # warm-up: page cache, bytecode
    rows = []
    for _ in range(args.pairs):
        a, b = _run(args.a), _run(args.b)
        rows.append({"a_wall": a[0], "a_cpu": a[1], "a_exit": a[2], "b_wall": b[0], "b_cpu": b[1], "b_exit": b[2]})
    med = {k: statistics.median(r[k] for r in rows) for k in ("a_wall", "a_cpu", "b_wall", "b_cpu")}
    ratios = {"cpu": statistics.median(r["b_cpu"] / r["a_cpu"] for r in rows),
              "wall": statistics.median(r["b_wall"] / r["a_wall"] for r in rows)}
    out = {"pairs": rows, "median": med, "ratio_b_over_a": ratios, "load": os.getloadavg()[0]}
    print(json.dumps({"median": med, "ratio_b_over_a": ratios, "exits": sorted({(r["a_exit"], r["b_exit"]) for r in rows}),
                      "load": out["load"]}, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
