"""CacheStore: atomic entries, the index and its verification, entry states, the plan."""
from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tusz_guard.cache.plan import entry_state, plan
from tusz_guard.cache.store import CacheMeta, CacheStore, EntryMeta, utc_now, verify_index
from tusz_guard.cache.temps import temp_name
from tusz_guard.corpus.ledger import Ledger, Recording
from tusz_guard.errors import GuardError

FP = "0123456789abcdef"


def _meta(key: str = "aaaaaaac_s001_t000", **changes: object) -> EntryMeta:
    base = EntryMeta(key=key, source=f"train/aaaaaaac/s001_2002/01_tcp_ar/{key}.edf", source_size=1234,
                     source_mtime_ns=1_732_800_000_123_456_789, fingerprint=FP, n_channels=19, n_samples=100,
                     sampling_rate=256, dtype="float32", interpolated=("Fz", "Pz"), seizure_samples=10,
                     mean=(0.0,) * 19, std=(1.0,) * 19, min=-2.5, max=3.0, nonfinite=0, signal_bytes=0,
                     labels_bytes=0, built_at="2026-11-28T17:00:00Z", build_seconds=0.25)
    return replace(base, **changes)


def _write(store: CacheStore, key: str = "aaaaaaac_s001_t000", value: float = 0.0, replace_existing: bool = False):
    signal = np.full((19, 100), value, dtype=np.float32)
    labels = np.zeros(100, dtype=np.uint8)
    labels[:10] = 1
    return store.write_entry(key, signal, labels, _meta(key), replace_existing)


def _rec(key: str = "aaaaaaac_s001_t000", **changes: object) -> Recording:
    """A real ledger Recording (the plan is typed: no duck-typed stand-ins)."""
    rec = Recording(path=f"train/aaaaaaac/s001_2002/01_tcp_ar/{key}.edf", split="train", role="train",
                    patient="aaaaaaac", session="s001_2002", montage="01_tcp_ar", file_size=1234,
                    mtime_ns=1_732_800_000_123_456_789, duration_s=3600.0)
    return replace(rec, **changes)  # type: ignore[arg-type]


def test_entry_meta_json_round_trip_keeps_big_integers() -> None:
    meta = _meta()
    again = EntryMeta.from_json(json.loads(json.dumps(meta.to_json())))
    assert again == meta and again.source_mtime_ns == 1_732_800_000_123_456_789
    assert meta.to_json()["schema"] == "tusz-guard/cache-entry/v1"


@pytest.mark.parametrize("broken, message", [
    ({"n_samples": "many"}, "meta.json: malformed entry record (n_samples must be a number)"),
    ({"mean": 3}, "meta.json: malformed entry record (mean must be a list)"),
    ({"key": None}, "meta.json: malformed entry record (key must be a string)"),
    ({"n_samples": 1.5}, "meta.json: malformed entry record (n_samples must be an integer)"),
])
def test_entry_meta_rejects_mistyped_fields(broken: dict, message: str) -> None:
    with pytest.raises(GuardError) as err:
        EntryMeta.from_json({**_meta().to_json(), **broken})
    assert err.value.message == message


def test_write_entry_records_the_sha256_of_each_file_as_written(tmp_path: Path) -> None:
    import hashlib

    store = CacheStore(tmp_path / "c")
    _, meta = _write(store, value=1.5)
    on_disk = store.read_entry_meta(meta.key)
    for path, recorded in ((store.signal_path(meta.key), meta.signal_sha256),
                           (store.labels_path(meta.key), meta.labels_sha256)):
        assert recorded == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (on_disk.signal_sha256, on_disk.labels_sha256) == (meta.signal_sha256, meta.labels_sha256)
    assert np.array_equal(store.load_signal(meta.key), np.full((19, 100), 1.5, dtype=np.float32))


def test_a_v1_entry_record_without_sums_still_reads() -> None:
    data = _meta().to_json()
    del data["signal_sha256"], data["labels_sha256"]
    again = EntryMeta.from_json(data)
    assert (again.signal_sha256, again.labels_sha256) == (None, None) and again == _meta()


def test_new_cache_metadata_is_format_version_2_and_v1_still_reads() -> None:
    meta = CacheMeta("f" * 16, {}, utc_now(), "tusz-guard", "c.yaml", "/d")
    assert meta.to_json()["format_version"] == 2
    assert CacheMeta.from_json({**meta.to_json(), "format_version": 1}).format_version == 1


def test_entry_meta_names_missing_fields() -> None:
    data = _meta().to_json()
    del data["fingerprint"], data["std"]
    with pytest.raises(GuardError, match=r"^meta.json: missing field\(s\) fingerprint, std"):
        EntryMeta.from_json(data)


def test_write_entry_outcomes_and_loading(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    outcome, meta = _write(store)
    assert outcome == "written" and meta.signal_bytes == 19 * 100 * 4 + 128 and meta.labels_bytes == 100 + 128
    assert _write(store, value=1.0)[0] == "exists"
    assert float(store.load_signal("aaaaaaac_s001_t000")[0, 0]) == 0.0        # not overwritten
    outcome, meta = _write(store, value=2.0, replace_existing=True)
    assert outcome == "replaced"
    signal = store.load_signal("aaaaaaac_s001_t000")
    assert isinstance(signal, np.memmap) and signal.shape == (19, 100) and float(signal[3, 7]) == 2.0
    assert int(store.load_labels("aaaaaaac_s001_t000", mmap=False).sum()) == 10
    assert store.list_entries() == ["aaaaaaac_s001_t000"] and store.list_temp() == []
    assert store.read_entry_meta("aaaaaaac_s001_t000") == meta


def test_write_entry_never_touches_a_foreign_directory(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    foreign = store.entries_dir / "aaaaaaac_s001_t000"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine")
    assert _write(store, replace_existing=True)[0] == "foreign"
    assert (foreign / "notes.txt").read_text() == "mine" and sorted(os.listdir(foreign)) == ["notes.txt"]
    assert store.list_foreign() == ["entries/aaaaaaac_s001_t000"] and store.list_temp() == []


def test_failed_write_leaves_no_temp_and_no_entry(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    bad_labels = np.zeros(100, dtype=object)       # np.save refuses object arrays without pickle
    with pytest.raises(ValueError):
        store.write_entry("k", np.zeros((19, 100), np.float32), bad_labels, _meta("k"))
    assert store.list_entries() == [] and store.list_temp() == []


def test_listing_foreign_and_temp_names(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    _write(store)
    (store.root / "README.txt").write_text("x")
    (store.entries_dir / "aaaaaaac_s001_t000" / "extra.npy").write_bytes(b"")
    dead = f".tmp-other_s001_t000-99999999-{'ab' * 8}.0"
    (store.root / f".tmp-builder-99999999-{'ab' * 8}").write_text(json.dumps(
        {"tool": "tusz-guard", "pid": 99999999, "host": socket.gethostname(), "token": "ab" * 8}))
    (store.entries_dir / dead).mkdir()
    (store.entries_dir / "stray.bin").write_bytes(b"")
    assert store.list_foreign() == ["README.txt", "entries/aaaaaaac_s001_t000/extra.npy", "entries/stray.bin"]
    assert store.list_temp() == [f"entries/{dead}"]
    assert store.remove_dead_temps() == [f"entries/{dead}"]
    live = store.entries_dir / temp_name(store.root, "other_s001_t000")     # this (live) process's temp
    live.mkdir()
    assert store.remove_dead_temps() == [] and live.is_dir()
    assert (store.root / "README.txt").is_file()


def test_index_sync_verify_and_corruption(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    assert store.read_index() is None and verify_index(store) == []
    _write(store, "a_s001_t000")
    _write(store, "b_s001_t000")
    assert [p.code for p in verify_index(store)] == ["index_missing"]
    store.sync_index(FP)
    assert verify_index(store, deep=True) == [] and sorted(store.read_index()) == ["a_s001_t000", "b_s001_t000"]
    _write(store, "c_s001_t000")
    os.utime(store.entry_dir("b_s001_t000") / "meta.json", ns=(0, store.index_path.stat().st_mtime_ns + 10**9))
    assert [(p.code, p.keys) for p in verify_index(store)] == [("unlisted", ("c_s001_t000",)),
                                                               ("meta_newer", ("b_s001_t000",))]
    (store.entry_dir("a_s001_t000") / "meta.json").unlink()
    store.index_path.write_text("{not json")
    with pytest.raises(GuardError, match=r"index.json: corrupt JSON at line 1, column 2 \(restore"):
        store.read_index()
    assert sorted(store.sync_index(FP)) == ["b_s001_t000", "c_s001_t000"]    # rebuilt from the entries
    assert store.read_index_file().fingerprint == FP


def test_index_record_that_differs_from_meta_is_found(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    _write(store, "a_s001_t000")
    store.write_index({"a_s001_t000": _meta("a_s001_t000", n_samples=5)}, FP)
    assert verify_index(store) == []
    assert [(p.code, p.keys) for p in verify_index(store, deep=True)] == [("record_differs", ("a_s001_t000",))]


def test_cache_meta_create_is_first_writer_wins(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    first = CacheMeta(FP, {"clip": 10.0}, utc_now(), "tusz-guard 0.1.0", "configs/a.yaml", "/data")
    assert store.create_meta(first) == first
    second = CacheMeta("ffffffffffffffff", {"clip": 5.0}, utc_now(), "tusz-guard 0.1.0", "configs/b.yaml", "/data")
    assert store.create_meta(second) == first
    updated = store.update_meta(throughput={"recording_hours_per_minute": 40.0, "workers": 2})
    assert store.read_meta() == updated and updated.throughput["workers"] == 2
    assert store.list_temp() == [] and store.list_foreign() == []


def test_corrupt_or_foreign_metadata_is_named(tmp_path: Path) -> None:
    store = CacheStore(tmp_path)
    store.meta_path.write_text('{"schema": "something/else"}')
    with pytest.raises(GuardError, match="tusz-guard-cache.json is not tusz-guard cache metadata"):
        store.read_meta()
    store.meta_path.write_text("[1,")
    with pytest.raises(GuardError, match="tusz-guard-cache.json: corrupt JSON"):
        store.read_meta()


@pytest.mark.parametrize("changes, rec_changes, expected", [
    ({}, {}, ("current", "cached")),
    ({"fingerprint": "ffffffffffffffff"}, {}, ("stale", f"fingerprint differs: entry ffffffffffffffff, config {FP}")),
    ({}, {"file_size": 1300}, ("stale", "source changed: size 1,234 -> 1,300")),
    ({}, {"mtime_ns": 1_732_800_001_000_000_000},
     ("stale", "source changed: mtime 2024-11-28T13:20:00.123457Z -> 2024-11-28T13:20:01.000000Z")),
    ({"source": "dev/x.edf"}, {}, ("stale", "source path differs: dev/x.edf -> "
                                            "train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf")),
])
def test_entry_state(changes: dict, rec_changes: dict, expected: tuple[str, str]) -> None:
    assert entry_state(_meta(**changes), _rec(**rec_changes), FP) == expected


def test_entry_state_missing() -> None:
    assert entry_state(None, _rec(), FP) == ("missing", "no cache entry")


def test_plan_states_hours_and_orphans() -> None:
    recs = {"train": [_rec("a_s001_t000"), _rec("b_s001_t000")],
            "val": [_rec("c_s001_t000", file_size=9, role="val")], "test": [_rec("d_s001_t000", role="test")]}
    ledger = Ledger(data_dir=Path("/corpus"), policy="official",
                    recordings=tuple(r for rows in recs.values() for r in rows))
    entries = {"a_s001_t000": _meta("a_s001_t000", source=recs["train"][0].path),
               "c_s001_t000": _meta("c_s001_t000", source=recs["val"][0].path), "zz_s001_t000": _meta("zz")}
    p = plan(ledger, entries, FP)
    assert p.counts() == {"current": 1, "stale": 1, "missing": 1}
    assert [i.recording.stem for i in p.missing] == ["b_s001_t000"]
    assert p.stale[0].reason == "source changed: size 1,234 -> 9"
    assert p.orphans == ("zz_s001_t000",) and p.hours() == 3.0 and p.hours("current") == 1.0
    assert plan(ledger, None, FP, ("test",)).counts() == {"current": 0, "stale": 0, "missing": 1}


def test_changed_annotation_file_makes_the_entry_stale(tiny_clean_corpus, make_project, tmp_path) -> None:
    """A corrected annotation file (catalogue rows 4-6) must not leave stale labels in the cache."""
    import shutil

    from tusz_guard.cache.plan import entry_state
    from tusz_guard.cache.store import EntryMeta
    from tusz_guard.config import load_config
    from tusz_guard.corpus.ledger import build_ledger

    corpus = tmp_path / "c"
    shutil.copytree(tiny_clean_corpus, corpus)
    cfg = load_config(make_project(corpus))
    ledger = build_ledger(cfg)
    rec = ledger.included("train")[0]
    assert rec.annotation_size is not None and rec.annotation_mtime_ns is not None
    entry = EntryMeta(key=rec.stem, source=rec.path, source_size=rec.file_size, source_mtime_ns=rec.mtime_ns,
                      fingerprint="f" * 16, n_channels=19, n_samples=rec.n_samples, sampling_rate=256,
                      dtype="float32", interpolated=(), seizure_samples=0, mean=(0.0,) * 19, std=(1.0,) * 19,
                      min=-1.0, max=1.0, nonfinite=0, signal_bytes=0, labels_bytes=0, built_at="x",
                      build_seconds=0.0, labels_source_size=rec.annotation_size,
                      labels_source_mtime_ns=rec.annotation_mtime_ns)
    assert entry_state(entry, rec, "f" * 16) == ("current", "cached")
    ann = (corpus / "edf" / rec.path).with_suffix(".csv_bi")
    ann.write_text(ann.read_text() + "\n")
    changed = build_ledger(cfg).get(rec.path)
    assert entry_state(entry, changed, "f" * 16) == ("stale", "annotation file changed since the entry was built")


def test_annotation_rewritten_with_same_size_and_mtime_is_stale(tiny_clean_corpus, make_project, tmp_path) -> None:
    """A seizure moved inside the annotation file, size and mtime restored: the content hash notices."""
    import os
    import shutil

    from tusz_guard.cache.plan import entry_state
    from tusz_guard.cli import run
    from tusz_guard.config import load_config
    from tusz_guard.corpus.ledger import build_ledger

    corpus = tmp_path / "c"
    shutil.copytree(tiny_clean_corpus, corpus)
    config = make_project(corpus)
    assert run(["build-cache", str(config), "--workers", "1"]) == 0
    cfg = load_config(config)
    store = CacheStore(cfg.cache_dir)
    rec = next(r for r in build_ledger(cfg).included("train") if r.seizure_seconds > 0)
    entry = store.read_entry_meta(rec.stem)
    assert entry.labels_source_sha256 == rec.annotation_sha256
    assert entry_state(entry, rec, entry.fingerprint) == ("current", "cached")
    ann = (corpus / "edf" / rec.path).with_suffix(".csv_bi")
    st = ann.stat()
    text = ann.read_text()
    moved = text.replace("seiz", "SEIZ", 1)          # same byte count, different content
    assert moved != text and len(moved) == len(text)
    ann.write_text(moved)
    os.utime(ann, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed = build_ledger(cfg).get(rec.path)
    assert (changed.annotation_size, changed.annotation_mtime_ns) == (rec.annotation_size, rec.annotation_mtime_ns)
    assert entry_state(entry, changed, entry.fingerprint) == ("stale", "annotation file changed since the entry was built")
    ann.write_text(text)                              # back to the built content, with a new mtime:
    os.utime(ann)                                     # a touch alone changes nothing
    assert entry_state(entry, build_ledger(cfg).get(rec.path), entry.fingerprint) == ("current", "cached")


def test_an_array_read_from_bytes_is_judged_by_its_header_before_any_allocation() -> None:
    """Regression: a remote .npy whose header declared a huge shape made np.load allocate it (MemoryError, exit 3
    under `check --deep` of a cache on object storage); now the header is checked against the bytes first."""
    import io

    from tusz_guard.cache.store import array_from_bytes
    from tusz_guard.errors import GuardError

    buf = io.BytesIO()
    np.save(buf, np.arange(12, dtype=np.float32).reshape(3, 4))
    data = buf.getvalue()
    assert np.array_equal(array_from_bytes(data, "x"), np.arange(12, dtype=np.float32).reshape(3, 4))
    huge = data.replace(b"'shape': (3, 4)", b"'shape': (99999999999999, 4)")
    for bad, reason in ((huge, "its header declares (99999999999999, 4)"), (data[:-4], "the object holds 44"),
                        (b"", "empty file"), (data[:20], "unreadable array")):
        with pytest.raises(GuardError, match=re.escape(reason)):
            array_from_bytes(bad, "entries/k/signal.npy")
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(GuardError, match="never unpickled"):
        array_from_bytes(pickled.getvalue(), "entries/k/signal.npy")
