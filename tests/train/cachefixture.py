"""Tiny caches written directly through CacheStore (no corpus, no builder) for dataset and loop tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from tusz_guard.cache.plan import Plan, PlanItem
from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.corpus.ledger import Recording

FINGERPRINT = "0123456789abcdef"


def write_entry(store: CacheStore, key: str, signal: np.ndarray, labels: np.ndarray) -> EntryMeta:
    """One entry with a meta record consistent with its arrays."""
    meta = EntryMeta(key=key, source=f"train/{key[:8]}/s001_2002/01_tcp_ar/{key}.edf", source_size=1,
                     source_mtime_ns=1, fingerprint=FINGERPRINT, n_channels=signal.shape[0],
                     n_samples=signal.shape[1], sampling_rate=256, dtype=str(signal.dtype), interpolated=(),
                     seizure_samples=int(labels.sum()), mean=tuple(0.0 for _ in range(signal.shape[0])),
                     std=tuple(1.0 for _ in range(signal.shape[0])), min=float(signal.min()),
                     max=float(signal.max()), nonfinite=int((~np.isfinite(signal)).sum()), signal_bytes=0,
                     labels_bytes=0, built_at="2026-01-01T00:00:00Z", build_seconds=0.0)
    return store.write_entry(key, signal, labels, meta)[1]


def seizure_signal(labels: np.ndarray, seed: int, dtype: str = "float32") -> np.ndarray:
    """Noise with a strong 4 Hz rhythm wherever the labels say seizure: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    t = np.arange(labels.size) / 256.0
    rhythm = 3.0 * np.sin(2 * np.pi * 4.0 * t) * labels
    return (rng.standard_normal((19, labels.size)) + rhythm).astype(dtype)


def labels_with(n_samples: int, intervals: list[tuple[int, int]]) -> np.ndarray:
    """uint8 labels with 1 inside each [start, stop) sample interval."""
    labels = np.zeros(n_samples, np.uint8)
    for a, b in intervals:
        labels[a:b] = 1
    return labels


def recording(key: str, role: str, n_samples: int) -> Recording:
    return Recording(path=f"x/{key}.edf", split="train", role=role, patient=key[:8], session="s001_2002",
                     montage="01_tcp_ar", file_size=1, mtime_ns=1, n_samples=n_samples)


def make_plan(root: Path, spec: dict[str, tuple[str, np.ndarray]], dtype: str = "float32") -> tuple[CacheStore, Plan]:
    """A cache at root with one entry per key (role, labels) and a plan marking every entry current."""
    store = CacheStore(root)
    items = []
    for seed, (key, (role, labels)) in enumerate(sorted(spec.items())):
        meta = write_entry(store, key, seizure_signal(labels, seed, dtype), labels)
        items.append(PlanItem(recording(key, role, labels.size), "current", "cached", meta))
    store.sync_index(FINGERPRINT)
    return store, Plan(FINGERPRINT, ("train", "val"), tuple(items))
