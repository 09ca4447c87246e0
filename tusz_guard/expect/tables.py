"""The pandas tables the suites run on, built from the ledger and the cache index (pure, except label reads).

Each table has one row per recording (or per window) and a path column naming the recording, so every
failing row can be reported by its recording path.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.channels import N_CHANNELS
from tusz_guard.corpus.ledger import Ledger, Recording
from tusz_guard.corpus.windows import FULL_RATIO, n_samples_at, n_windows, window_geometry
from tusz_guard.errors import GuardError
from tusz_guard.expect.schema import COLUMNS, TableName


@dataclass(frozen=True)
class Table:
    """One table plus the one-line problems met while building it (e.g. an unreadable labels file)."""

    name: TableName
    frame: pd.DataFrame
    problems: tuple[str, ...] = ()


def recordings_table(ledger: Ledger) -> Table:
    """One row per recording the config uses (status included): what will be trained or evaluated on."""
    rows = [_recording_row(r) for r in ledger.recordings if r.included]
    return Table("recordings", _frame(rows, "recordings"))


def _recording_row(r: Recording) -> dict[str, object]:
    duration = r.duration_s or 0.0
    return {
        "path": r.path, "split": r.split, "role": r.role, "patient": r.patient, "session": r.session,
        "montage": r.montage, "sfreq": r.sfreq, "duration_s": r.duration_s, "n_signals": r.n_signals,
        "n_channels": N_CHANNELS - len(r.missing_channels), "n_interpolated": len(r.interpolated),
        "annotation_rows": r.annotation_rows, "annotation_parsed": r.annotation_parsed,
        "seizure_seconds": r.seizure_seconds,
        "seizure_fraction": r.seizure_seconds / duration if duration > 0 else None,
        "n_samples": r.n_samples, "windows_expected": r.windows_expected,
    }


def cache_entries_table(index: Mapping[str, EntryMeta], ledger: Ledger | None, normalize: str) -> Table:
    """One row per index entry: its statistics, and the sample count its source's header implies."""
    rows = [_entry_row(meta, ledger.get(meta.source) if ledger else None, normalize)
            for _, meta in sorted(index.items())]
    return Table("cache_entries", _frame(rows, "cache_entries"))


def _entry_row(m: EntryMeta, rec: Recording | None, normalize: str) -> dict[str, object]:
    mean = np.asarray(m.mean, dtype=np.float64)
    std = np.asarray(m.std, dtype=np.float64)
    expected = n_samples_at(rec.duration_s, m.sampling_rate) if rec is not None and rec.duration_s else None
    return {
        "path": m.source, "key": m.key, "role": rec.role if rec else None, "dtype": m.dtype,
        "normalize": normalize, "n_channels": m.n_channels, "sampling_rate": m.sampling_rate,
        "n_samples": m.n_samples, "expected_n_samples": expected,
        # NaN propagates on purpose: a NaN channel statistic must show as a missing value, not vanish.
        "mean_abs_max": float(np.abs(mean).max()) if mean.size else None,
        "std_min": float(std.min()) if std.size else None, "std_max": float(std.max()) if std.size else None,
        "min": m.min, "max": m.max, "abs_max": max(abs(m.min), abs(m.max)), "nonfinite": m.nonfinite,
        "seizure_samples": m.seizure_samples,
        "seizure_fraction": m.seizure_samples / m.n_samples if m.n_samples > 0 else None,
        "n_interpolated": len(m.interpolated),
    }


def windows_table(store: CacheStore, index: Mapping[str, EntryMeta], ledger: Ledger | None,
                  cfg: LoadedConfig) -> Table:
    """One row per training window of every entry, from its labels (memory-mapped, read once each)."""
    win = cfg.config.windows
    frames: list[pd.DataFrame] = []
    problems: list[str] = []
    for key, meta in sorted(index.items()):
        try:
            labels = store.load_labels(key)
        except GuardError as exc:
            problems.append(str(exc))
            continue
        rec = ledger.get(meta.source) if ledger else None
        length, stride = window_geometry(win.length_s, win.stride_s, meta.sampling_rate)
        frames.append(_entry_windows(meta, rec, labels, length, stride))
    frame = pd.concat(frames, ignore_index=True) if frames else _frame([], "windows")
    return Table("windows", frame, tuple(problems))


def _entry_windows(meta: EntryMeta, rec: Recording | None, labels: np.ndarray, length: int,
                   stride: int) -> pd.DataFrame:
    flat = np.asarray(labels).reshape(-1)
    n = n_windows(flat.shape[0], length, stride)
    if n == 0:
        return _frame([], "windows")
    starts = np.arange(n, dtype=np.int64) * stride
    # Cumulative sums give every window's label sum in one pass; extremes come from a strided view (no copy).
    csum = np.concatenate(([0], np.cumsum(flat, dtype=np.int64)))
    fraction = (csum[starts + length] - csum[starts]) / float(length)
    view = np.lib.stride_tricks.sliding_window_view(flat, length)[::stride][:n]
    return pd.DataFrame({
        "path": meta.source, "key": meta.key, "role": rec.role if rec else None,
        "window": np.arange(n, dtype=np.int64), "start_s": starts / float(meta.sampling_rate),
        "seizure_fraction": fraction, "label_min": view.min(axis=1).astype(np.int64),
        "label_max": view.max(axis=1).astype(np.int64), "window_class": _classes(fraction),
    }, columns=list(COLUMNS["windows"]))


def _classes(fraction: np.ndarray) -> np.ndarray:
    return np.where(fraction <= 0, "background", np.where(fraction >= FULL_RATIO, "full", "partial"))


def _frame(rows: list[dict[str, object]], name: TableName) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(COLUMNS[name]))

