"""Benchmark `tusz-guard inventory` on the scale corpus against the same header scan done with MNE.

`inventory` reads every EDF header and every annotation file and decides role and status per recording. The
baseline only opens every EDF header with `mne.io.read_raw_edf(preload=False)` (no annotations, no decisions),
so the ratio understates the difference. Both run as a fresh process (imports included), in the same run.

    .venv/bin/python bench/bench_inventory.py [--workdir /tmp/tg-bench] [--repeat 5]
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

from bench_check import project, run_script  # same corpus and project as the check benchmark (bench/ is on sys.path)

from tusz_guard.config import load_config


def time_inventory(config: Path, repeat: int) -> tuple[float, list[float], int, int]:
    """Median wall time of the CLI, every run's time, the exit code and the number of recordings listed."""
    times, rc, listed = [], 0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "inventory", str(config), "--format", "json"],
                              capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        rc = done.returncode
        listed = len(json.loads(done.stdout)["recordings"]) if rc == 0 else 0
    return statistics.median(times), times, rc, listed


BASELINE = """
import json, os, sys, time
start = time.perf_counter()
import mne
data = sys.argv[1]
edfs = sorted(os.path.join(d, n) for d, _, names in os.walk(data) for n in names if n.lower().endswith(".edf"))
failed = 0
for p in edfs:
    try:
        mne.io.read_raw_edf(p, preload=False, verbose="error")
    except Exception:
        failed += 1
print(json.dumps({"seconds": time.perf_counter() - start, "edfs": len(edfs), "mne_failed": failed}))
"""


def time_baseline(config: Path) -> dict:
    """One run of the MNE header scan in a fresh process (its wall time includes importing MNE)."""
    return run_script(BASELINE, str(load_config(config).data_dir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tg-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = project(args.workdir)
    load_before = os.getloadavg()[0]
    inv_s, runs, rc, listed = time_inventory(config, args.repeat)
    base = time_baseline(config)
    print(json.dumps({"recordings": listed, "inventory_wall_s": round(inv_s, 3),
                      "inventory_runs_s": [round(t, 3) for t in runs], "inventory_exit": rc,
                      "baseline_wall_s": round(base["wall"], 3), "baseline_edfs": base["edfs"],
                      "baseline_mne_failed": base["mne_failed"], "speedup": round(base["wall"] / inv_s, 1),
                      "cpus": os.cpu_count(), "load_before": round(load_before, 2),
                      "load_after": round(os.getloadavg()[0], 2)}, indent=2))


if __name__ == "__main__":
    main()
