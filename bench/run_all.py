"""Run every benchmark in sequence and keep each one's output under bench/out/ (`make bench`).

Each benchmark measures its target as a ratio against a baseline in the same run; the figures and their
analysis are summarised in docs/benchmarks.md (details per area in docs/benchmarks/*.md). Run it on a quiet
machine: these are wall-clock figures.

    .venv/bin/python bench/run_all.py [--only NAME ...]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# name -> arguments after the script (each script generates its own corpus when none is given)
BENCHMARKS: dict[str, list[str]] = {
    "bench_inventory": [],
    "bench_check": [],
    "bench_build": ["--repeat", "2"],
    "bench_archive": ["--repeat", "3"],
    "bench_loader": ["--passes", "5"],
    "bench_expectations": ["--repeat", "3"],
    "ecosystem_hook": ["--repeat", "15"],
    "bench_profile": [],
    "bench_copy": ["--repeat", "3"],
    "bench_checkpoint": ["--repeat", "20"],
    "bench_verify": ["--rounds", "7"],                 # issue 15.5: against zstd -dc
    "bench_build_floor": ["--rounds", "3"],            # issue 15.5: against read + resample_poly
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these (repeatable)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in args.only or list(BENCHMARKS):
        script = ROOT / "bench" / f"{name}.py"
        if not script.is_file():
            print(f"[bench] {name}: missing {script}", file=sys.stderr)
            failed.append(name)
            continue
        print(f"[bench] {name} ...", flush=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script), *BENCHMARKS[name]], cwd=ROOT, capture_output=True, text=True)
        (OUT / f"{name}.txt").write_text(proc.stdout + ("\n--- stderr ---\n" + proc.stderr if proc.stderr else ""))
        print(proc.stdout.rstrip())
        print(f"[bench] {name}: exit {proc.returncode} in {time.perf_counter() - start:.0f} s -> {OUT / (name + '.txt')}")
        if proc.returncode != 0:
            failed.append(name)
    if failed:
        print(f"[bench] failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
