"""Issue 15.5: `build-cache` throughput against its floor (numpy EDF read + resample_poly only), paired per round.

Each round runs, in turn: the floor, a process pool of --workers running only the numpy EDF reader and
scipy.signal.resample_poly on every included train+val recording (no filters, z-score, labels or writes; the
pool forks from this process, which has imported both already); the whole `tusz-guard build-cache --workers N`
of this tree into an empty cache; and with --base DIR the same command of an older tree. Recording-hours per
minute of wall time; ratios of each round, then the median.

    .venv/bin/python bench/bench_build_floor.py [--corpus DIR] [--workers 2] [--rounds 5] [--base OLD] [--json F]
    (without --corpus: the demo corpus is generated into a temporary folder)
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import FROM_TREE  # noqa: E402

from tusz_guard.cache.edfread import read_channels  # noqa: E402
from tusz_guard.corpus.channels import map_channels  # noqa: E402
from tusz_guard.corpus.edf import read_header  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATE = 256


def floor_task(path: str) -> int:
    """Read the channels the pipeline reads and resample them: the floor's work for one recording."""
    header = read_header(path)
    picks = [i for i in map_channels(header.labels, ("Fz", "Pz")).indices if i is not None]
    raw = read_channels(path, picks, header)
    rates = [int(header.sfreqs[i]) for i in picks]
    for rate in sorted(set(rates)):
        block = np.stack([raw[j] for j, r in enumerate(rates) if r == rate])
        g = np.gcd(rate, TARGET_RATE)
        if rate != TARGET_RATE:
            block = resample_poly(block, TARGET_RATE // g, rate // g, axis=-1)
    return len(picks)


def floor(paths: list[str], workers: int) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(floor_task, paths))
    return time.perf_counter() - start


def command(tree: Path, config: Path, workers: int) -> float:
    shutil.rmtree(config.parent.parent / "cache", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", FROM_TREE, str(tree), "build-cache", str(config), "--workers", str(workers)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def project(root: Path, corpus: Path) -> Path:
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    config = root / "configs" / "train.yaml"
    config.write_text(f"data: {{data_dir: {corpus / 'edf'}, cache_dir: cache}}\n")
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--base", type=Path, default=None, help="an older tree (holding tusz_guard/) to pair with")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tg-bench-build-"))
    try:
        corpus = args.corpus or _demo(work / "demo")
        print(json.dumps(measure(corpus, project(work / "project", corpus), args), indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(corpus: Path, config: Path, args: argparse.Namespace) -> dict[str, object]:
    from tusz_guard.config import load_config
    from tusz_guard.corpus.ledger import build_ledger

    ledger = build_ledger(load_config(config))
    recs = [r for role in ("train", "val") for r in ledger.included(role)]
    paths = [str(ledger.data_dir / r.path) for r in recs]
    hours = sum(r.duration_s for r in recs) / 3600
    runs = {"floor": lambda: floor(paths, args.workers), "build-cache": lambda: command(ROOT, config, args.workers)}
    if args.base is not None:
        runs["base build-cache"] = lambda: command(args.base, config, args.workers)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.rounds):
        for name, fn in runs.items():
            times[name].append(fn())
    out: dict[str, object] = {"recordings": len(recs), "recording_hours": round(hours, 2), "workers": args.workers,
                              "rounds": args.rounds, "load": os.getloadavg()[0]}
    for name, values in times.items():
        out[name] = {"median_s": round(statistics.median(values), 2),
                     "hours_per_minute": round(hours / (statistics.median(values) / 60), 1),
                     "of_floor": round(statistics.median(f / v for f, v in zip(times["floor"], values, strict=True)), 3)}
    if "base build-cache" in times:
        out["base_over_this"] = round(statistics.median(
            b / v for b, v in zip(times["base build-cache"], times["build-cache"], strict=True)), 3)
    return out


def _demo(dest: Path) -> Path:
    from tusz_guard.synth import generate

    generate(dest, "demo", seed=0)
    return dest


if __name__ == "__main__":
    main()
