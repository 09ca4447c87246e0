"""The tables suites run on: exact columns and values from a handmade ledger and cache."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.config import load_config
from tusz_guard.corpus.ledger import Ledger, Recording
from tusz_guard.expect.schema import COLUMNS
from tusz_guard.expect.tables import cache_entries_table, recordings_table, windows_table

SOURCE = "train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf"


def _recording(**changes: object) -> Recording:
    base = dict(path=SOURCE, split="train", role="train", patient="aaaaaaac", session="s001_2002",
                montage="01_tcp_ar", file_size=1, mtime_ns=1, sfreq=250.0, duration_s=100.0, n_signals=33,
                interpolated=("Fz",), annotation_rows=3, annotation_parsed=3, seizure_seconds=25.0,
                n_samples=25600, windows_expected=5)
    return Recording(**{**base, **changes})


def _ledger(*recs: Recording) -> Ledger:
    return Ledger(data_dir=Path("/data"), policy="official", recordings=recs)


def _meta(n_samples: int, **changes: object) -> EntryMeta:
    base = dict(key="aaaaaaac_s001_t000", source=SOURCE, source_size=1, source_mtime_ns=1, fingerprint="f" * 16,
                n_channels=19, n_samples=n_samples, sampling_rate=256, dtype="float32", interpolated=("Fz",),
                seizure_samples=256, mean=(0.0,) * 18 + (-0.25,), std=(1.0,) * 18 + (0.5,), min=-7.0, max=9.5,
                nonfinite=0, signal_bytes=0, labels_bytes=0, built_at="", build_seconds=0.0)
    return EntryMeta(**{**base, **changes})


def test_recordings_table_holds_included_recordings_only() -> None:
    excluded = _recording(path="train/aaaaaaad/s001_2002/01_tcp_ar/aaaaaaad_s001_t000.edf", status="excluded",
                          reason="too_short")
    frame = recordings_table(_ledger(_recording(), excluded)).frame
    assert tuple(frame.columns) == COLUMNS["recordings"]
    assert frame.to_dict("records") == [{
        "path": SOURCE, "split": "train", "role": "train", "patient": "aaaaaaac", "session": "s001_2002",
        "montage": "01_tcp_ar", "sfreq": 250.0, "duration_s": 100.0, "n_signals": 33, "n_channels": 19,
        "n_interpolated": 1, "annotation_rows": 3, "annotation_parsed": 3, "seizure_seconds": 25.0,
        "seizure_fraction": 0.25, "n_samples": 25600, "windows_expected": 5}]


def test_cache_entries_table_derives_statistics() -> None:
    frame = cache_entries_table({"k": _meta(25600)}, _ledger(_recording()), "zscore").frame
    assert tuple(frame.columns) == COLUMNS["cache_entries"]
    row = frame.to_dict("records")[0]
    assert {k: row[k] for k in ("path", "role", "normalize", "n_samples", "expected_n_samples", "mean_abs_max",
                                "std_min", "std_max", "abs_max", "seizure_fraction", "n_interpolated")} == {
        "path": SOURCE, "role": "train", "normalize": "zscore", "n_samples": 25600, "expected_n_samples": 25600,
        "mean_abs_max": 0.25, "std_min": 0.5, "std_max": 1.0, "abs_max": 9.5, "seizure_fraction": 0.01,
        "n_interpolated": 1}


def test_cache_entries_table_keeps_nan_statistics_visible() -> None:
    frame = cache_entries_table({"k": _meta(100, mean=(float("nan"),) * 19)}, None, "zscore").frame
    assert np.isnan(frame.loc[0, "mean_abs_max"])
    assert frame.loc[0, "role"] is None and frame.loc[0, "expected_n_samples"] is None


def test_windows_table_from_labels(tmp_path: Path, make_project, tiny_clean_corpus: Path) -> None:
    # 60 s windows every 10 s at 256 Hz: 90 s of labels give (23040 - 15360) // 2560 + 1 = 4 windows.
    cfg = load_config(make_project(tiny_clean_corpus))
    store = CacheStore(tmp_path / "cache")
    labels = np.zeros(23040, np.uint8)
    labels[15360:17920] = 1                      # seconds 60-70: in windows 1, 2, 3 (starting at 10, 20, 30 s)
    meta = store.write_entry("aaaaaaac_s001_t000", np.zeros((19, 23040), np.float32), labels, _meta(23040))[1]
    frame = windows_table(store, {meta.key: meta}, _ledger(_recording()), cfg).frame
    assert tuple(frame.columns) == COLUMNS["windows"]
    assert frame["window"].tolist() == [0, 1, 2, 3]
    assert frame["start_s"].tolist() == [0.0, 10.0, 20.0, 30.0]
    assert frame["seizure_fraction"].tolist() == pytest.approx([0.0, 1 / 6, 1 / 6, 1 / 6])
    assert frame["label_max"].tolist() == [0, 1, 1, 1]
    assert frame["window_class"].tolist() == ["background", "partial", "partial", "partial"]
    assert set(frame["path"]) == {SOURCE} and set(frame["role"]) == {"train"}


def test_windows_table_reports_unreadable_labels(tmp_path: Path, make_project, tiny_clean_corpus: Path) -> None:
    cfg = load_config(make_project(tiny_clean_corpus))
    store = CacheStore(tmp_path / "cache")
    table = windows_table(store, {"aaaaaaac_s001_t000": _meta(100)}, None, cfg)
    assert len(table.frame) == 0
    [problem] = table.problems
    assert problem.startswith(f"{store.labels_path('aaaaaaac_s001_t000')} does not exist")
