"""An origin-style project: its own configs under configs/local/, a profile in tusz-guard.toml, an NPZ cache."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import yaml

from tests.checks.conftest import built_project, project  # noqa: F401  (tusz-guard's own project, for `run`)
from tusz_guard.corpus.ledger import build_ledger
from tusz_guard.pipeline.foreign_config import load_any

# The example profile, verbatim.
PROFILE = '''[pipeline]
name = "brain-go-brr-v2"
configs = ["configs/local/*.yaml"]            # the pipeline's configs, checked together

[pipeline.keys]                               # dotted keys of the pipeline's own YAML
data_dir = "data.data_dir"
cache_dir = "data.cache_dir"                  # the key the pipeline reads
other_cache_keys = ["experiment.cache_dir"]   # keys that also name a cache: absent, or the same path
split_policy = "data.split_policy"
sampling_rate = "data.sampling_rate"
window_s = "data.window_size"
stride_s = "data.stride"
content = ["data.sampling_rate", "data.n_channels", "preprocessing"]   # what determines an entry's content

[pipeline.values.split_policy]                # the pipeline's words -> tusz-guard's
official_tusz = "official"

[pipeline.smoke]
env_limit = "BGB_LIMIT_FILES"                 # set in the environment: files per role (a smoke run)
path_contains = "smoke"                       # configs whose path contains this are smoke configs

[pipeline.cache]
entry = "{split}/{stem}_windows.npz"          # one entry per recording, relative to cache_dir
splits = { train = "train", val = "dev" }     # role -> folder
windows_array = "windows"                     # (n_windows, channels, samples)
labels_array = "labels"                       # (n_windows, samples), optional
index = "{split}/_dataset_index.json"         # {"files": [...], "window_counts": [...]}
manifest = "{split}/manifest.json"            # {"partial_seizure"|"full_seizure"|"no_seizure": [{"cache_file", "window_idx"}]}
'''
# Small windows keep the test caches small; the keys are origin's (data.window_size, data.stride in seconds).
RATE, WINDOW_S, STRIDE_S = 64, 4, 2
FOLDERS = {"train": "train", "val": "dev"}


def origin_config(data_dir: Path, cache_dir: str, experiment_cache: str | None, **data: Any) -> dict[str, Any]:
    """A config with the sections and keys of brain-go-brr-v2's configs/local/*.yaml."""
    experiment: dict[str, Any] = {"name": "bgb", "seed": 42, "output_dir": "results/bgb"}
    if experiment_cache is not None:
        experiment["cache_dir"] = experiment_cache
    return {"experiment": experiment,
            "model": {"architecture": "bi_mamba2_unet", "encoder": {"channels": [64, 128, 256, 512]}},
            "data": {"data_dir": str(data_dir), "cache_dir": cache_dir, "split_policy": "official_tusz",
                     "validation_split": 0.2, "sampling_rate": RATE, "n_channels": 19, "window_size": WINDOW_S,
                     "stride": STRIDE_S, "use_balanced_sampling": True, **data},
            "preprocessing": {"montage": "10-20", "bandpass": [0.5, 30.0], "notch_freq": 60, "normalize": True},
            "training": {"epochs": 100, "batch_size": 32, "learning_rate": 0.0003},
            "postprocessing": {"hysteresis": {"tau_on": 0.86}}, "evaluation": {"fa_rates": [10, 5, 1]},
            "logging": {"tensorboard": True}}


class Origin:
    """The project on disk and helpers that play the pipeline's own cache builder."""

    def __init__(self, root: Path, data_dir: Path) -> None:
        self.root, self.data_dir = root, data_dir

    def config(self, name: str, cache_dir: str, experiment_cache: str | None = None, **data: Any) -> Path:
        path = self.root / "configs" / "local" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(origin_config(self.data_dir, cache_dir, experiment_cache, **data),
                                       sort_keys=False))
        return path

    def recordings(self, config: Path, role: str) -> list:
        return build_ledger(load_any(config, env={})).included(role)

    def build(self, config: Path, cache: str, limit: int | None = None, index: bool = True,
              manifest: bool = True) -> dict[str, list[str]]:
        """Write <cache>/{train,dev}/<stem>_windows.npz (+ index, manifest) for the first `limit` per role."""
        written: dict[str, list[str]] = {}
        for role, folder in FOLDERS.items():
            recs = self.recordings(config, role)[:limit]
            out = self.root / cache / folder
            out.mkdir(parents=True, exist_ok=True)
            for rec in recs:
                write_entry(out / f"{rec.stem}_windows.npz", rec.windows_expected, rec.seizure_intervals)
            written[folder] = [r.stem for r in recs]
            if index:
                write_index(out, recs)
            if manifest:
                write_manifest(out)
        return written


def window_labels(n: int, intervals: tuple) -> np.ndarray:
    length, stride = WINDOW_S * RATE, STRIDE_S * RATE
    mask = np.zeros((n, length), np.float32)
    for i in range(n):
        for a, b in intervals:
            lo, hi = max(0, round(a * RATE) - i * stride), min(length, round(b * RATE) - i * stride)
            if hi > lo:
                mask[i, lo:hi] = 1
    return mask


def write_entry(path: Path, n: int, intervals: tuple = (), channels: int = 19, **extra: np.ndarray) -> None:
    ramp = np.arange(WINDOW_S * RATE, dtype=np.float32) / (WINDOW_S * RATE)
    windows = np.broadcast_to(ramp + np.arange(channels, dtype=np.float32)[:, None], (n, channels, ramp.size))
    np.savez_compressed(path, windows=np.ascontiguousarray(windows), labels=window_labels(n, intervals), **extra)


def write_index(folder: Path, recs: list) -> None:
    doc = {"files": [f"/data/tusz/edf/{r.path}" for r in recs], "window_counts": [r.windows_expected for r in recs]}
    (folder / "_dataset_index.json").write_text(json.dumps(doc))


def write_manifest(folder: Path) -> None:
    doc: dict[str, list[dict[str, Any]]] = {"partial_seizure": [], "full_seizure": [], "no_seizure": []}
    for path in sorted(folder.glob("*_windows.npz")):
        with np.load(path) as npz:
            ratios = npz["labels"].mean(axis=1)
        for i, r in enumerate(ratios):
            cls = "no_seizure" if r == 0 else "full_seizure" if r >= 0.99 else "partial_seizure"
            doc[cls].append({"cache_file": path.name, "window_idx": i})
    (folder / "manifest.json").write_text(json.dumps(doc))


@pytest.fixture
def origin(tiny_clean_corpus: Path, tmp_path: Path) -> Origin:
    root = tmp_path / "bgb"
    root.mkdir()
    (root / "tusz-guard.toml").write_text(PROFILE)
    return Origin(root, tiny_clean_corpus / "edf")


@pytest.fixture
def incident(origin: Origin) -> Origin:
    """The incident: smoke built cache/train (a few files); the full config reads cache/tusz and names a third."""
    smoke = origin.config("smoke", "cache/train", "cache/train")
    origin.config("train", "cache/tusz", "cache/full_training")
    origin.build(smoke, "cache/train", limit=2)
    return origin


@pytest.fixture
def fixed(incident: Origin) -> Origin:
    """After the fix: both configs read cache/train, and cache/train holds every train/val recording."""
    train = incident.config("train", "cache/train", "cache/train")
    incident.build(train, "cache/train")
    return incident


Runner = Callable[..., tuple[int, str]]
