"""cache.fingerprint, cache.coverage, cache.index, cache.integrity, windows.count: passing and failing cases."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from tusz_guard.cache.fingerprint import fingerprint
from tusz_guard.cache.store import CacheStore
from tusz_guard.config import load_config

KEY = "aaagnsyj_s001_t000"


def _cfg(project: Path) -> Path:
    return project / "configs" / "train.yaml"


def _store(project: Path) -> CacheStore:
    return CacheStore(load_config(_cfg(project)).cache_dir)


def test_cache_fingerprint_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "cache.fingerprint")
    fp = fingerprint(load_config(_cfg(project)))
    assert (f.status, f.message) == ("pass", f"cache/tusz fingerprint {fp} equals the config's (20 entries agree)")


def test_cache_fingerprint_names_the_differing_parameter(project: Path, tiny_clean_corpus: Path, write_cfg,
                                                         run_check) -> None:
    old = fingerprint(load_config(_cfg(project)))
    cfg = write_cfg(project, "train", tiny_clean_corpus / "edf", preprocessing={"clip": 5.0},
                    labels={"seizure": ["seiz", "mysz"]})
    f = run_check(cfg, "cache.fingerprint")
    assert f.status == "fail"
    assert f.message.startswith(f"cache/tusz was built with fingerprint {old}, configs/train.yaml has "
                                f"{fingerprint(load_config(cfg))}: clip: 10.0 -> 5.0; seizure_labels: - absz, ")
    assert f.details["differs"][0] == "clip: 10.0 -> 5.0"


def test_cache_coverage_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "cache.coverage")
    assert (f.status, f.message) == ("pass", "cache/tusz holds all 17 train+val recordings and all 3 test recordings")


def test_cache_coverage_fails_on_a_stale_entry(project: Path, edit_entry, run_check) -> None:
    edit_entry(_store(project).root, KEY, source_size=1)
    f = run_check(_cfg(project), "cache.coverage")
    assert f.status == "fail"
    assert f.message.startswith("cache/tusz holds 16 of 17 train+val recordings: 1 recording(s) would be processed "
                                "live during training (0 missing, 1 stale: source changed: size 1 -> ")
    assert f.message.endswith("run `tusz-guard build-cache configs/train.yaml`")
    assert f.details["not_current"] == ["dev/aaagnsyj/s001_2008/01_tcp_ar/aaagnsyj_s001_t000.edf"]


def test_cache_index_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "cache.index")
    assert (f.status, f.message) == ("pass", "index.json lists exactly the 20 complete entries and is newer than each")


def test_cache_index_fails_when_an_entry_is_newer_than_the_index(project: Path, run_check) -> None:
    store = _store(project)
    later = store.index_path.stat().st_mtime_ns + 5_000_000_000
    os.utime(store.entry_dir(KEY) / "meta.json", ns=(later, later))
    f = run_check(_cfg(project), "cache.index")
    assert f.status == "fail"
    assert f.message == (f"1 entries/<key>/meta.json newer than index.json: {KEY}; run `tusz-guard build-cache "
                         "configs/train.yaml` to reconcile the index")


def test_cache_index_fails_when_the_index_misses_entries(project: Path, run_check) -> None:
    store = _store(project)
    index = store.read_index_file()
    assert index is not None
    store.write_index({k: v for k, v in index.entries.items() if k != KEY}, index.fingerprint)
    shutil.copytree(store.entry_dir(KEY), store.entries_dir / ".tmp-x-1-ab")
    f = run_check(_cfg(project), "cache.index")
    assert f.status == "fail"
    assert f.message.startswith(f"1 complete entr(ies) missing from the index: {KEY}; 1 leftover temporary entr(ies) "
                                "from an interrupted build: entries/.tmp-x-1-ab")


def test_cache_integrity_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "cache.integrity")
    assert (f.status, f.message) == ("pass", "20 entries checked: shapes, file sizes and recorded statistics (add "
                                     "--deep to read the values and verify the sha256)")
    deep = run_check(_cfg(project), "cache.integrity", deep=True)
    assert (deep.status, deep.message) == ("pass", "20 entries checked: shapes, sizes, values and sha256 read from "
                                           "every entry (--deep)")


def _flip_in_range(path: Path) -> None:
    """Change one stored value to another inside the clip range: sizes, shapes and statistics stay plausible."""
    signal = np.load(path, allow_pickle=False)
    signal[5, 100] = signal[5, 100] / 2 + 0.125
    np.save(path, signal, allow_pickle=False)


def test_cache_integrity_deep_fails_on_a_value_changed_inside_the_range(project: Path, run_check) -> None:
    _flip_in_range(_store(project).signal_path(KEY))
    assert run_check(_cfg(project), "cache.integrity").status == "pass"     # sizes cannot see it
    f = run_check(_cfg(project), "cache.integrity", deep=True)
    assert f.status == "fail"
    assert f.message.startswith(f"1 of 20 entr(ies) are damaged: {KEY}: signal.npy sha256 ")
    assert "(changed after it was written)" in f.message


def test_cache_integrity_deep_fails_on_a_flipped_label_bit(project: Path, run_check) -> None:
    path = _store(project).labels_path(KEY)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    f = run_check(_cfg(project), "cache.integrity", deep=True)
    assert f.status == "fail" and f"{KEY}: labels.npy sha256 " in f.message


def test_cache_integrity_of_a_v1_cache_without_sums_checks_sizes_only(project: Path, edit_entry, run_check) -> None:
    store = _store(project)
    index = store.read_index_file()
    assert index is not None
    for key in index.entries:
        edit_entry(store.root, key, signal_sha256=None, labels_sha256=None)
    _flip_in_range(store.signal_path(KEY))
    f = run_check(_cfg(project), "cache.integrity", deep=True)
    assert (f.status, f.message) == ("pass", "20 entries checked: shapes, sizes, values and sha256 read from every "
                                     "entry (--deep); 20 entr(ies) carry no checksums (cache format v1): sizes only")


def test_cache_integrity_fails_on_a_label_mask_of_the_wrong_length(project: Path, run_check) -> None:
    store = _store(project)
    labels = np.load(store.labels_path(KEY), allow_pickle=False)
    np.save(store.labels_path(KEY), np.zeros(labels.shape[0] * 2, dtype=np.uint8), allow_pickle=False)
    f = run_check(_cfg(project), "cache.integrity")
    assert f.status == "fail"
    assert f.message.startswith(f"1 of 20 entr(ies) are damaged: {KEY}: labels.npy is ")
    assert f"not a ({labels.shape[0]:,},) uint8 mask" in f.message


def test_cache_integrity_fails_when_samples_disagree_with_the_header(project: Path, edit_entry, run_check) -> None:
    edit_entry(_store(project).root, KEY, n_samples=3_932_160)
    f = run_check(_cfg(project), "cache.integrity")
    assert f.status == "fail"
    assert f"{KEY}: 3,932,160 samples, the header says 20,480 (80 s at 256 Hz)" in f.message


def test_cache_integrity_deep_finds_nan_and_flat_channels(project: Path, run_check) -> None:
    store = _store(project)
    signal = np.load(store.signal_path(KEY), allow_pickle=False)
    signal[0, 10] = np.nan
    signal[3, :] = 0.0
    np.save(store.signal_path(KEY), signal, allow_pickle=False)
    assert run_check(_cfg(project), "cache.integrity").status == "pass"     # the recorded statistics look fine
    f = run_check(_cfg(project), "cache.integrity", deep=True)
    assert f.status == "fail"
    assert f.message.startswith(f"1 of 20 entr(ies) are damaged: {KEY}: 1 non-finite value(s); zero-variance "
                                "channel(s) P3")


def test_cache_integrity_fails_on_recorded_out_of_clip_values(project: Path, edit_entry, run_check) -> None:
    edit_entry(_store(project).root, KEY, max=121.0)
    f = run_check(_cfg(project), "cache.integrity")
    assert f.status == "fail"
    assert "exceed the clip ±10" in f.message


def test_windows_count_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "windows.count")
    assert f.status == "pass"
    t = f.details["roles"]
    assert all(t[r]["expected"] == t[r]["cached"] > 0 for r in ("train", "val", "test"))
    assert f.message.endswith("(60 s windows, 10 s stride)")


def test_windows_count_fails_when_the_cache_yields_other_windows(project: Path, edit_entry, run_check) -> None:
    edit_entry(_store(project).root, KEY, n_samples=256 * 200)
    f = run_check(_cfg(project), "windows.count")
    assert (f.status, f.message) == ("fail", f"1 cached recording(s) yield a different window count than their header: "
                                     f"{KEY}: 15 cached, 3 expected; rebuild them with "
                                     "`tusz-guard build-cache --rebuild-stale`")


def test_windows_count_fails_when_no_window_fits(project: Path, tiny_clean_corpus: Path, write_cfg,
                                                 run_check) -> None:
    cfg = write_cfg(project, "train", tiny_clean_corpus / "edf", windows={"length_s": 600.0, "stride_s": 10.0})
    f = run_check(cfg, "windows.count")
    assert f.status == "fail"
    assert f.message.startswith("role(s) train, val yield no 600 s window")
