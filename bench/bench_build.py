"""Cache build benchmark: tusz-guard build-cache vs the published-recipe baseline, same machine, same run.

    .venv/bin/python bench/bench_build.py [--corpus DIR] [--workers N] [--repeat 1]

Generates the demo corpus (unless --corpus is given), then on the included train+val recordings:
  1. EDF sample reading: our numpy reader vs mne.io.read_raw_edf (same channels, values compared);
  2. build throughput (recording-hours per minute, wall clock of the whole command) and bytes on disk for
     `tusz-guard build-cache` (float32 and float16) and for bench/baseline_recipe.py with the same workers.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    args = _args()
    work = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    corpus = Path(args.corpus) if args.corpus else _demo(work / "demo")
    config = _project(work / "project", corpus, "float32")
    from tusz_guard.config import load_config
    from tusz_guard.corpus.ledger import build_ledger

    ledger = build_ledger(load_config(config))
    recs = [r for role in ("train", "val") for r in ledger.included(role)]
    hours = sum(r.duration_s for r in recs) / 3600
    print(f"corpus {corpus}: {len(recs)} train+val recordings, {hours:.2f} recording-hours, workers {args.workers}")
    results = {"recordings": len(recs), "recording_hours": hours, "workers": args.workers,
               "reader": _bench_reader(ledger.data_dir, recs)}
    for dtype in ("float32", "float16"):
        cfg = _project(work / f"project-{dtype}", corpus, dtype)
        results[f"ours_{dtype}"] = _best(args.repeat, lambda cfg=cfg: _ours(cfg, args.workers, hours))
    results["baseline"] = _best(args.repeat, lambda: _baseline(ledger.data_dir, recs, work / "baseline",
                                                               args.workers, hours))
    _report(results)
    shutil.rmtree(work, ignore_errors=True)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", help="an existing synthetic corpus root (default: generate the demo profile)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--repeat", type=int, default=1, help="runs per variant; the fastest is kept")
    p.add_argument("--json", help="also write the figures here")
    return p.parse_args()


def _demo(dest: Path) -> Path:
    from tusz_guard.synth import generate

    generate(dest, "demo", seed=0)
    return dest


def _project(root: Path, corpus: Path, dtype: str) -> Path:
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    cfg = {"data": {"data_dir": str(corpus / "edf"), "cache_dir": "cache"}, "preprocessing": {"dtype": dtype}}
    path = root / "configs" / "train.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _best(repeat: int, fn):  # noqa: ANN001, ANN202 - tiny helper
    runs = [fn() for _ in range(repeat)]
    return max(runs, key=lambda r: r["hours_per_minute"])


def _du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _ours(config: Path, workers: int, hours: float) -> dict[str, float]:
    cache = config.parent.parent / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    tg = Path(sys.executable).with_name("tusz-guard")
    start = time.perf_counter()
    subprocess.run([str(tg), "build-cache", str(config), "--workers", str(workers)], check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return {"seconds": wall, "hours_per_minute": hours / (wall / 60), "bytes": _du(cache)}


def _baseline(data_dir: Path, recs: list, out: Path, workers: int, hours: float) -> dict[str, float]:
    from baseline_recipe import _task

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    tasks = [(str(data_dir / r.path), str(out), list(r.seizure_intervals)) for r in recs]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_task, tasks))
    wall = time.perf_counter() - start
    return {"seconds": wall, "hours_per_minute": hours / (wall / 60), "bytes": _du(out)}


def _bench_reader(data_dir: Path, recs: list) -> dict[str, float]:
    from tusz_guard.cache.edfread import read_channels, read_channels_mne
    from tusz_guard.corpus.channels import map_channels
    from tusz_guard.corpus.edf import read_header

    totals = {"numpy_s": 0.0, "mne_s": 0.0, "files": 0, "identical": 0}
    for rec in recs:
        path = data_dir / rec.path
        header = read_header(path)
        picks = [i for i in map_channels(header.labels, ()).indices if i is not None]
        t0 = time.perf_counter()
        ours = read_channels(path, picks, header)
        t1 = time.perf_counter()
        theirs = read_channels_mne(path, picks, header)
        t2 = time.perf_counter()
        totals["numpy_s"] += t1 - t0
        totals["mne_s"] += t2 - t1
        totals["files"] += 1
        totals["identical"] += all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=False))
    return totals


def _report(r: dict) -> None:
    base = r["baseline"]
    rd = r["reader"]
    print(f"\nEDF reading ({rd['files']} files): numpy {rd['numpy_s']:.3f} s, MNE {rd['mne_s']:.3f} s "
          f"({rd['mne_s'] / rd['numpy_s']:.1f}x); identical values on {rd['identical']}/{rd['files']} files")
    print("\n| variant | wall s | recording-hours/min | bytes on disk | throughput vs baseline | bytes vs baseline |")
    print("|---|---|---|---|---|---|")
    for name in ("ours_float32", "ours_float16", "baseline"):
        v = r[name]
        print(f"| {name} | {v['seconds']:.1f} | {v['hours_per_minute']:.1f} | {v['bytes']:,} | "
              f"{v['hours_per_minute'] / base['hours_per_minute']:.2f}x | {v['bytes'] / base['bytes']:.3f} |")
    args = _args()
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
