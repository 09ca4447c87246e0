"""build-cache end to end: plan, build, rerun, refusals, stale entries, failures, a full disk, the gate."""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from tusz_guard.cache.builder import execute, open_cache, tasks_for
from tusz_guard.cache.executors import ExecutorSpec
from tusz_guard.cache.fingerprint import fingerprint_of, fingerprint_params
from tusz_guard.cache.plan import plan
from tusz_guard.cache.store import CacheStore, verify_index
from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.corpus.ledger import build_ledger


def _expected(config: Path) -> list[str]:
    ledger = build_ledger(load_config(config))
    return sorted(r.stem for role in ("train", "val") for r in ledger.included(role))


def _build(config: Path, *extra: str) -> int:
    return run(["build-cache", str(config), "--workers", "1", *extra])


def _store(config: Path) -> CacheStore:
    return CacheStore(load_config(config).cache_dir)


def _entry_bytes(store: CacheStore) -> dict[str, tuple[bytes, bytes]]:
    return {k: (store.signal_path(k).read_bytes(), store.labels_path(k).read_bytes()) for k in store.list_entries()}


@pytest.fixture
def project(corpus_copy: Path, make_project: Callable[..., Path]) -> Path:
    return make_project(corpus_copy)


def test_build_then_rerun_skips_everything(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = _expected(project)
    assert len(expected) >= 5
    assert _build(project) == 0
    out = capsys.readouterr().out
    assert f"  missing  {len(expected):>6}" in out and f"built {len(expected)}, replaced 0" in out
    store = _store(project)
    assert store.list_entries() == expected and verify_index(store, deep=True) == []
    assert store.list_temp() == [] and store.list_foreign() == []
    meta = store.read_meta()
    assert meta.fingerprint == fingerprint_of(fingerprint_params(load_config(project)))
    assert meta.throughput["recording_hours_per_minute"] > 0 and meta.throughput["entries"] == len(expected)
    assert _build(project) == 0
    assert f"built 0, replaced 0, skipped as current {len(expected)}" in capsys.readouterr().out


def test_entries_agree_with_the_ledger(project: Path) -> None:
    assert _build(project) == 0
    store, ledger = _store(project), build_ledger(load_config(project))
    for key in store.list_entries():
        rec, meta = next(r for r in ledger.recordings if r.stem == key), store.read_entry_meta(key)
        signal, labels = store.load_signal(key), store.load_labels(key)
        assert signal.shape == (19, rec.n_samples) and labels.shape == (rec.n_samples,)
        assert (meta.source, meta.source_size, meta.source_mtime_ns) == (rec.path, rec.file_size, rec.mtime_ns)
        assert meta.interpolated == rec.interpolated
        assert abs(int(labels.sum()) / 256 - rec.seizure_seconds) <= 2 / 256 * len(rec.seizure_intervals)


def test_dry_run_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _build(project, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run: nothing written" in out and "estimated time:" in out and "(default 12 recording-hours/min" in out
    assert not load_config(project).cache_dir.exists()


def test_fingerprint_mismatch_is_refused_with_the_differences(project: Path, make_project: Callable[..., Path],
                                                                corpus_copy: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert _build(project) == 0
    before = _entry_bytes(_store(project))
    other = make_project(corpus_copy, name="other", preprocessing={"clip": 5.0, "notch": None})
    capsys.readouterr()
    assert _build(other) == 1      # the gate: two sibling configs, different fingerprints, one cache_dir
    assert "FAIL  config.consistency" in capsys.readouterr().err
    assert _build(other, "--force") == 1   # past the gate, the builder itself refuses the foreign fingerprint
    err = capsys.readouterr().err
    old, new = fingerprint_of(fingerprint_params(load_config(project))), fingerprint_of(
        fingerprint_params(load_config(other)))
    assert f"holds fingerprint {old}, the config needs {new}: notch: 60.0 -> none; clip: 10.0 -> 5.0" in err
    assert "set another data.cache_dir, or pass --rebuild-stale" in err
    assert _entry_bytes(_store(project)) == before
    project.unlink()    # the old config is gone: converting the cache is now the one config's decision
    assert _build(other, "--rebuild-stale") == 0
    assert f"replaced {len(before)}" in capsys.readouterr().out
    store = _store(other)
    assert store.read_meta().fingerprint == new and {store.read_entry_meta(k).fingerprint for k in before} == {new}


def test_foreign_directory_and_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache_dir = load_config(project).cache_dir
    cache_dir.mkdir(parents=True)
    (cache_dir / "thesis.tex").write_text("mine")
    assert _build(project) == 1
    assert "is not empty and is not a tusz-guard cache (holds thesis.tex)" in capsys.readouterr().err
    (cache_dir / "thesis.tex").unlink()
    assert _build(project) == 0
    (cache_dir / "notes.txt").write_text("mine")
    (cache_dir / "entries" / "zzzzzzzz_s001_t000").mkdir()
    capsys.readouterr()
    assert _build(project) == 0
    out = capsys.readouterr().out
    assert "foreign (reported, never touched):\n  entries/zzzzzzzz_s001_t000\n  notes.txt\n" in out
    assert (cache_dir / "notes.txt").read_text() == "mine" and (cache_dir / "entries" / "zzzzzzzz_s001_t000").is_dir()


def test_cache_dir_that_is_a_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache_dir = load_config(project).cache_dir
    cache_dir.parent.mkdir(parents=True)
    cache_dir.write_text("")
    assert _build(project) == 1
    assert f"error: cache_dir {cache_dir} is a file, not a directory" in capsys.readouterr().err


def test_cache_dir_below_a_file(corpus_copy: Path, make_project: Callable[..., Path],
                                capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(corpus_copy, cache_dir="blocker/cache")
    blocker = config.parent.parent / "blocker"
    blocker.write_text("")
    assert _build(config) == 1
    assert f"cannot be written: {blocker} is a file, not a folder; choose another path" in capsys.readouterr().err


def test_unwritable_cache_dir(project: Path, corpus_copy: Path, make_project: Callable[..., Path],
                              capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() != 0:
        parent = load_config(project).cache_dir.parent
        parent.mkdir(parents=True)
        parent.chmod(0o500)
        try:
            assert _build(project) == 1
            assert (f"error: cache_dir {parent / 'tusz'} cannot be written: {parent} is not writable by this user; "
                    "fix the folder's permissions or write elsewhere") in capsys.readouterr().err
        finally:
            parent.chmod(0o700)
        return
    # root may write anywhere, except where the kernel says no: sysfs refuses new directories (EPERM)
    config = make_project(corpus_copy, cache_dir="/sys/tusz-guard-test/cache")
    assert _build(config) == 1
    err = capsys.readouterr().err
    # sysfs says EPERM where it is mounted read-write, EROFS where a container mounts it read-only
    assert re.search(r"error: cannot write the cache metadata in /sys/tusz-guard-test/cache: "
                     r"(Operation not permitted|Read-only file system)", err), err
    assert "Traceback" not in err and not Path("/sys/tusz-guard-test").exists()


def test_stale_entries_are_kept_unless_rebuild_stale(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _build(project) == 0
    store = _store(project)
    key = store.list_entries()[0]
    source = load_config(project).data_dir / store.read_entry_meta(key).source
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 5_000_000_000))
    capsys.readouterr()
    assert _build(project) == 0
    out = capsys.readouterr().out
    assert f"stale:\n  {key}: source changed: mtime " in out and "stale kept 1" in out
    assert store.read_entry_meta(key).source_mtime_ns != source.stat().st_mtime_ns
    assert _build(project, "--rebuild-stale") == 0
    assert "built 0, replaced 1" in capsys.readouterr().out
    assert store.read_entry_meta(key).source_mtime_ns == source.stat().st_mtime_ns
    assert verify_index(store, deep=True) == []


def test_failing_files_are_reported_and_the_build_continues(project: Path) -> None:
    cfg = load_config(project)
    params = fingerprint_params(cfg)
    store, _ = open_cache(cfg.cache_dir, params, False)
    p = plan(build_ledger(cfg), None, fingerprint_of(params))
    tasks = tasks_for(p, store, cfg, False)
    truncated, unparsable = (cfg.data_dir / tasks[0].source), (cfg.data_dir / tasks[1].source).with_suffix(".csv_bi")
    truncated.write_bytes(truncated.read_bytes()[:-512])        # the files change after planning
    unparsable.write_text("channel,start_time,stop_time,label,confidence\nTERM,zero,1.0,seiz,1.0\n")
    summary = execute(store, p.fingerprint, tasks, ExecutorSpec("inline", 1))
    assert summary.built == len(tasks) - 2
    assert summary.failed == [
        (tasks[0].source, "truncated: 512 bytes short of the "
                          f"{truncated.stat().st_size + 512:,} the header declares"),
        (tasks[1].source, "1 of 1 annotation rows cannot be parsed"),
    ]
    assert store.list_temp() == [] and verify_index(store) == [] and len(store.list_entries()) == len(tasks) - 2


def test_full_disk_stops_cleanly_and_a_rerun_finishes(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import tusz_guard.cache.store as store_module

    real_save, calls = store_module._save_npy, []

    def filling_disk(path: Path, array: np.ndarray) -> None:
        calls.append(path)
        if len(calls) >= 5:                  # entries 1 and 2 fit; the third signal does not
            path.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_save(path, array)

    monkeypatch.setattr(store_module, "_save_npy", filling_disk)
    assert _build(project) == 1
    captured = capsys.readouterr()
    assert "error: disk full while writing" in captured.err and "2 entries built before it filled" in captured.err
    store = _store(project)
    assert len(store.list_entries()) == 2 and store.list_temp() == [] and verify_index(store, deep=True) == []
    monkeypatch.setattr(store_module, "_save_npy", real_save)
    assert _build(project) == 0
    assert store.list_entries() == _expected(project) and verify_index(store, deep=True) == []


def test_gate_blocks_and_force_is_recorded(corpus_copy: Path, make_project: Callable[..., Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The incident's first command: a smoke build into cache/train while train.yaml reads cache/tusz."""
    train = make_project(corpus_copy)
    smoke = make_project(corpus_copy, name="smoke", kind="smoke", cache_dir="cache/train", data={"limit_files": 2})
    assert _build(smoke) == 1
    err = capsys.readouterr().err
    assert "blocked: config checks failed: config.consistency (fix them, or pass --force)" in err
    assert "FAIL  config.consistency: " in err and "cache/train" in err
    reports = smoke.parent.parent / "reports"
    assert [p.suffix for p in sorted(reports.glob("build-gate-*"))] == [".html", ".json"]
    assert not (reports / "latest.json").exists()     # the gate's config-only report never replaces check's
    assert not load_config(smoke).cache_dir.exists()
    assert _build(smoke, "--force") == 0
    forced = _store(smoke).read_meta().forced
    assert [f["reason"] for f in forced] == ["build-cache --force: config checks failed: config.consistency"]
    make_project(corpus_copy, name="smoke", kind="smoke", cache_dir="cache/tusz", data={"limit_files": 2})
    assert _build(train) == 0 and _store(train).read_meta().forced == ()


def test_pool_build_equals_in_process_build(project: Path) -> None:
    assert _build(project) == 0
    inline = _entry_bytes(_store(project))
    shutil.rmtree(load_config(project).cache_dir)
    assert run(["build-cache", str(project), "--workers", "2"]) == 0
    assert _entry_bytes(_store(project)) == inline and len(inline) == len(_expected(project))
    assert json.loads(_store(project).meta_path.read_text())["throughput"]["executor"] == "pool"
