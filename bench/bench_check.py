"""Benchmark `tusz-guard check` on the scale corpus with a full-size cache index, against an MNE baseline.

The cache is written directly (sparse arrays with valid .npy headers, real meta.json and index records), so the
benchmark measures the check, not the builder. The baseline does what a naive preflight would: open every EDF
header with MNE and every cache file (both arrays memory-mapped, meta.json parsed).

    .venv/bin/python bench/bench_check.py [--workdir /tmp/tg-bench] [--repeat 5]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tusz_guard.cache.fingerprint import fingerprint_of, fingerprint_params
from tusz_guard.cache.store import CacheMeta, CacheStore, EntryMeta, utc_now
from tusz_guard.config import load_config
from tusz_guard.corpus.ledger import build_ledger

CONFIG = """experiment: {{name: tusz_train, kind: full}}
data: {{data_dir: {data}, cache_dir: cache/tusz}}
"""


def project(workdir: Path) -> Path:
    """Scale corpus + project/configs/train.yaml (generated once, reused)."""
    corpus = workdir / "scale_corpus"
    if not (corpus / "ground_truth.json").is_file():
        from tusz_guard.synth import generate
        generate(corpus, "scale", seed=0)
    root = workdir / "project"
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    (root / "configs" / "train.yaml").write_text(CONFIG.format(data=corpus / "edf"))
    return root / "configs" / "train.yaml"


def sparse_npy(path: Path, shape: tuple[int, ...], dtype: str) -> int:
    """A valid .npy header followed by a hole: full size on paper, no data blocks on disk."""
    header = np.lib.format.header_data_from_array_1_0(np.empty((0,), dtype=dtype))
    header["shape"] = shape
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.truncate(f.tell() + int(np.prod(shape)) * np.dtype(dtype).itemsize)
    return path.stat().st_size


def write_cache(config: Path) -> int:
    """Metadata, one sparse entry per included recording, and the index (skipped when already written)."""
    cfg = load_config(config)
    store = CacheStore(cfg.cache_dir)
    if store.index_path.is_file():
        return len(store.read_index() or {})
    params = fingerprint_params(cfg)
    fp = fingerprint_of(params)
    store.create_meta(CacheMeta(fp, params, utc_now(), "bench", "configs/train.yaml", str(cfg.data_dir),
                                throughput={"recording_hours_per_minute": 40.0, "workers": 8, "measured_at": utc_now()}))
    records = {}
    for i, rec in enumerate(build_ledger(cfg).included()):
        folder = store.entry_dir(rec.stem)
        folder.mkdir(parents=True, exist_ok=True)
        n = rec.n_samples
        seizure = sum(int(round(b * 256)) - int(round(a * 256)) for a, b in rec.seizure_intervals)
        # what a format-v2 entry of the builder carries (its memory and parse cost at scale): the labels' source
        # file, per-channel statistics, a build time of its own and the sha256 of both arrays (hash-shaped
        # strings here: the sparse arrays are never read, and only --deep verifies the sums)
        mean = tuple(round(((i * 19 + ch) % 997) / 997 - 0.5, 6) for ch in range(19))
        std = tuple(round(0.5 + ((i * 7 + ch) % 991) / 991, 6) for ch in range(19))
        fake = hashlib.sha256(rec.stem.encode()).hexdigest()
        meta = EntryMeta(rec.stem, rec.path, rec.file_size, rec.mtime_ns, fp, 19, n, 256, "float32",
                         rec.interpolated, seizure, mean, std, -10.0, 10.0, 0,
                         sparse_npy(folder / "signal.npy", (19, n), "float32"),
                         sparse_npy(folder / "labels.npy", (n,), "uint8"),
                         f"2026-11-{1 + i // 86400 % 28:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                         0.1, labels_source_size=rec.annotation_size, labels_source_mtime_ns=rec.annotation_mtime_ns,
                         labels_source_sha256=rec.annotation_sha256, signal_sha256=fake,
                         labels_sha256=hashlib.sha256(fake.encode()).hexdigest())
        (folder / "meta.json").write_text(json.dumps(meta.to_json()))
        records[rec.stem] = meta
    store.write_index(records, fp)
    return len(records)


def time_check(config: Path, repeat: int) -> tuple[float, list[float], int]:
    """Median wall time of the CLI (a fresh process each time: imports included), every run, the exit code.

    `--no-expectations`: the fast path without Great Expectations (bench/bench_expectations.py times the suites).
    """
    times, rc = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "check", str(config), "--no-expectations",
                             "--format", "json", "-o", str(config.parent.parent / "bench-check.json")],
                            capture_output=True, check=False).returncode
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, rc


PHASES = """
import json, sys, time
t = time.perf_counter()
from tusz_guard.checks import snapshot as S
from tusz_guard.app.preflight import available
from tusz_guard.checks.engine import choose, run_checks
from tusz_guard.checks.summary import build_report
from tusz_guard.config import load_config
out = {"imports": time.perf_counter() - t}
cfg = load_config(sys.argv[1])
t = time.perf_counter(); base = S.gather_config_snapshot(cfg); out["configs"] = time.perf_counter() - t
t = time.perf_counter(); S._ledger(cfg); out["ledger"] = time.perf_counter() - t
t = time.perf_counter(); S.read_cache(cfg.cache_dir, "cache"); out["cache"] = time.perf_counter() - t
snap = S.gather_snapshot(cfg)
t = time.perf_counter(); found = run_checks(snap, choose(available(None, []))); out["checks"] = time.perf_counter() - t
t = time.perf_counter(); build_report(snap, found); out["report"] = time.perf_counter() - t
print(json.dumps({k: round(v, 3) for k, v in out.items()}))
"""


def phases(config: Path) -> dict:
    """One in-process breakdown: imports, configs, ledger, cache snapshot, checks, report assembly."""
    out = subprocess.run([sys.executable, "-c", PHASES, str(config)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


BASELINE = """
import json, sys, time, numpy as np, mne
from pathlib import Path
start = time.perf_counter()
data, cache = Path(sys.argv[1]), Path(sys.argv[2])
edfs = sorted(data.rglob("*.edf"))
failed = 0
for p in edfs:
    try:
        mne.io.read_raw_edf(p, preload=False, verbose="error")
    except Exception:
        failed += 1
entries = sorted(d for d in (cache / "entries").iterdir() if d.is_dir())
for d in entries:
    json.loads((d / "meta.json").read_text())
    np.load(d / "signal.npy", mmap_mode="r", allow_pickle=False); np.load(d / "labels.npy", mmap_mode="r", allow_pickle=False)
print(json.dumps({"seconds": time.perf_counter() - start, "edfs": len(edfs), "mne_failed": failed,
                  "entries": len(entries)}))
"""


def run_script(script: str, *args: str) -> dict:
    """Run a baseline script in a fresh process (its imports timed too); its last stdout line is JSON."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    return result


def time_baseline(config: Path) -> dict:
    cfg = load_config(config)
    return run_script(BASELINE, str(cfg.data_dir), str(cfg.cache_dir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tg-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = project(args.workdir)
    entries = write_cache(config)
    load_before = os.getloadavg()[0]
    check_s, runs, rc = time_check(config, args.repeat)
    breakdown = phases(config)
    base = time_baseline(config)
    print(json.dumps({"entries": entries, "check_wall_s": round(check_s, 3),
                      "check_runs_s": [round(t, 3) for t in runs], "check_exit": rc, "phases_s": breakdown,
                      "baseline_wall_s": round(base["wall"], 3), "baseline_edfs": base["edfs"],
                      "baseline_mne_failed": base["mne_failed"], "baseline_entries": base["entries"],
                      "speedup": round(base["wall"] / check_s, 1), "cpus": os.cpu_count(),
                      "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}, indent=2))


if __name__ == "__main__":
    main()
