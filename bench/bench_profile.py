"""Benchmark `check` on a team's own pipeline: a full-size (7,364 recordings) foreign NPZ cache, one run.

The project follows the brain-go-brr-v2 layout (configs/local/train.yaml, tusz-guard.toml with the issue's
profile, <cache>/{train,dev,eval}/<stem>_windows.npz + _dataset_index.json + manifest.json per folder) over the
`scale` synthetic corpus. Entries are compressed NPZs of zeros with the real window counts (60 s windows, 10 s
stride) at 16 Hz instead of 256 Hz, so the fixture fits on a laptop (each array is 16x shorter than the real
one); the baseline's cost grows with array length and the header reader's does not, so the ratio is a lower bound.

Baseline: what a pipeline does to learn shapes and window counts: `np.load` every NPZ and read its arrays.
Also counted: the bytes `check` inflates (zlib), to show it never decompresses an array without --deep.

    .venv/bin/python bench/bench_profile.py [--workdir /tmp/tg-bench]
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RATE, WINDOW_S, STRIDE_S, CHANNELS = 16, 60, 10, 19
FOLDERS = {"train": "train", "val": "dev", "test": "eval"}
PROFILE = '''[pipeline]
name = "brain-go-brr-v2"
configs = ["configs/local/*.yaml"]
[pipeline.keys]
data_dir = "data.data_dir"
cache_dir = "data.cache_dir"
other_cache_keys = ["experiment.cache_dir"]
split_policy = "data.split_policy"
sampling_rate = "data.sampling_rate"
window_s = "data.window_size"
stride_s = "data.stride"
content = ["data.sampling_rate", "data.n_channels", "preprocessing"]
[pipeline.values.split_policy]
official_tusz = "official"
[pipeline.smoke]
env_limit = "BGB_LIMIT_FILES"
path_contains = "smoke"
[pipeline.cache]
entry = "{split}/{stem}_windows.npz"
splits = { train = "train", val = "dev", test = "eval" }
index = "{split}/_dataset_index.json"
manifest = "{split}/manifest.json"
'''
CONFIG = """experiment: {{name: bgb, cache_dir: cache/tusz, output_dir: results/bgb}}
data: {{data_dir: {data}, cache_dir: cache/tusz, split_policy: official_tusz, sampling_rate: {rate},
       n_channels: 19, window_size: {window}, stride: {stride}}}
preprocessing: {{montage: 10-20, bandpass: [0.5, 7.5], notch_freq: null, normalize: true}}
model: {{architecture: bi_mamba2_unet}}
"""


def project(workdir: Path) -> Path:
    corpus = workdir / "scale_corpus"
    if not (corpus / "ground_truth.json").is_file():
        from tusz_guard.synth import generate
        generate(corpus, "scale", seed=0)
    root = workdir / "profile_project"
    (root / "configs" / "local").mkdir(parents=True, exist_ok=True)
    (root / "tusz-guard.toml").write_text(PROFILE)
    config = root / "configs" / "local" / "train.yaml"
    config.write_text(CONFIG.format(data=corpus / "edf", rate=RATE, window=WINDOW_S, stride=STRIDE_S))
    return config


def _blob(n: int, blobs: dict[int, bytes]) -> bytes:
    if n not in blobs:
        buf = io.BytesIO()
        length = WINDOW_S * RATE
        np.savez_compressed(buf, windows=np.zeros((n, CHANNELS, length), np.float32),
                            labels=np.zeros((n, length), np.float32))
        blobs[n] = buf.getvalue()
    return blobs[n]


def write_cache(config: Path) -> int:
    """One NPZ per included recording (identical bytes per window count), index and manifest per folder."""
    from tusz_guard.corpus.ledger import build_ledger
    from tusz_guard.pipeline.foreign_config import load_any

    cfg = load_any(config, env={})
    done = cfg.cache_dir / "eval" / "manifest.json"
    ledger = build_ledger(cfg)
    if done.is_file():
        return len(ledger.included())
    blobs: dict[int, bytes] = {}
    for role, folder in FOLDERS.items():
        out = cfg.cache_dir / folder
        out.mkdir(parents=True, exist_ok=True)
        recs = ledger.included(role)
        manifest: dict[str, list] = {"partial_seizure": [], "full_seizure": [], "no_seizure": []}
        for rec in recs:
            (out / f"{rec.stem}_windows.npz").write_bytes(_blob(rec.windows_expected, blobs))
            manifest["no_seizure"] += [{"cache_file": f"{rec.stem}_windows.npz", "window_idx": i}
                                       for i in range(rec.windows_expected)]
        (out / "_dataset_index.json").write_text(json.dumps({"files": [f"/data/edf/{r.path}" for r in recs],
                                                             "window_counts": [r.windows_expected for r in recs]}))
        (out / "manifest.json").write_text(json.dumps(manifest))
    return len(ledger.included())


INFLATED = """
import json, sys, time, zlib
import tusz_guard.pipeline.npz as npz
total = [0]
real = zlib.decompressobj
class Counting:
    def __init__(self, *a): self.d = real(*a)
    unconsumed_tail = property(lambda self: self.d.unconsumed_tail)
    def decompress(self, data, max_length=0):
        out = self.d.decompress(data, max_length); total[0] += len(out); return out
npz.zlib = type("Z", (), {"decompressobj": staticmethod(lambda *a: Counting(*a)), "error": zlib.error})
from tusz_guard.pipeline.foreign_config import load_any
from tusz_guard.pipeline.foreign_cache import read_foreign_cache
cfg = load_any(sys.argv[1], env={})
t = time.perf_counter()
cache = read_foreign_cache(cfg.cache_dir, cfg.profile)
seconds = time.perf_counter() - t
entries = cache.all_entries()
print(json.dumps({"seconds": seconds, "entries": len(entries), "inflated_bytes": total[0],
                  "errors": sum(e.error is not None for e in entries)}))
"""

BASELINE = """
import json, sys, time, numpy as np
from pathlib import Path
start = time.perf_counter()
shapes, inflated = 0, 0
for p in sorted(Path(sys.argv[1]).glob("*/*_windows.npz")):
    with np.load(p, allow_pickle=False) as f:
        for name in f.files:
            a = f[name]; shapes += 1; inflated += a.nbytes
print(json.dumps({"seconds": time.perf_counter() - start, "arrays": shapes, "inflated_bytes": inflated}))
"""


def run_script(script: str, *args: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    return result


def time_check(config: Path) -> tuple[float, int, dict]:
    report = config.parent.parent.parent / "bench-profile-check.json"
    start = time.perf_counter()
    rc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "check", str(config), "--no-expectations",
                         "--format", "json", "-o", str(report)], capture_output=True, check=False).returncode
    seconds = time.perf_counter() - start
    found = {f["id"]: f["status"] for f in json.loads(report.read_text())["checks"]}
    return seconds, rc, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tg-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    config = project(args.workdir)
    entries = write_cache(config)
    setup = time.perf_counter() - t
    check_s, rc, found = time_check(config)
    headers = run_script(INFLATED, str(config))
    cache_dir = config.parent.parent.parent / "cache" / "tusz"
    baseline = run_script(BASELINE, str(cache_dir))
    print(json.dumps({
        "entries": entries, "setup_s": round(setup, 1),
        "check_s": round(check_s, 3), "check_rc": rc, "check_statuses": found,
        "header_read_s": round(headers["seconds"], 3), "header_read_entries": headers["entries"],
        "header_read_errors": headers["errors"], "check_inflated_bytes": headers["inflated_bytes"],
        "baseline_s": round(baseline["seconds"], 3), "baseline_wall_s": round(baseline["wall"], 3),
        "baseline_arrays": baseline["arrays"], "baseline_inflated_bytes": baseline["inflated_bytes"],
        "ratio_check": round(baseline["wall"] / check_s, 1),
        "ratio_cache_read": round(baseline["seconds"] / headers["seconds"], 1)}, indent=1))


if __name__ == "__main__":
    main()
