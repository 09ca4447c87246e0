"""Issue 15.4: time to first output of `tusz-guard --help`, `--version` and `check --help` (fresh processes).

Paired with the bare interpreter (`python -c pass`) and, with --base DIR, an older tree, in turn each round;
medians of wall time over --rounds.

    .venv/bin/python bench/bench_start.py --rounds 15 [--base /tmp/tg-base]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import FROM_TREE, compile_trees  # noqa: E402

CASES = {"--help": ["--help"], "--version": ["--version"], "check --help": ["check", "--help"]}


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--base", type=Path, default=None)
    args = parser.parse_args()
    compile_trees(Path(__file__).resolve().parents[1], *([args.base] if args.base else []))
    lines: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
    for name, argv in CASES.items():
        lines[name] = [sys.executable, "-m", "tusz_guard.cli", *argv]
        if args.base:
            lines[f"base {name}"] = [sys.executable, "-c", FROM_TREE, str(args.base), *argv]
    runs: dict[str, list[float]] = {k: [] for k in lines}
    for _ in range(args.rounds):
        for k, argv in lines.items():
            runs[k].append(timed(argv))
    print(json.dumps({k: round(statistics.median(v) * 1000, 1) for k, v in runs.items()} | {"unit": "ms"}, indent=2))


if __name__ == "__main__":
    main()
