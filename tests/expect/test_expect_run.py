"""The shipped suites pass on a clean generated corpus + cache and fail, naming the recording, on corrupted ones."""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from tusz_guard.cache.builder import signal_stats
from tusz_guard.cache.store import CacheStore
from tusz_guard.config import LoadedConfig, load_config
from tusz_guard.corpus.ledger import Ledger, build_ledger
from tusz_guard.errors import GuardError
from tusz_guard.expect import run_expectations
from tusz_guard.expect.suites import read_suites

SUITES = Path(__file__).resolve().parents[2] / "expectations"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, tiny_clean_corpus: Path) -> tuple[LoadedConfig, Ledger]:
    """A project over the clean tiny corpus with every role cached by the real builder (read-only)."""
    from tusz_guard.app.build import build_cache
    from tusz_guard.cache.executors import ExecutorSpec

    root = tmp_path_factory.mktemp("expect_project")
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "configs").mkdir()
    config = root / "configs" / "train.yaml"
    config.write_text(yaml.safe_dump({"data": {"data_dir": str(tiny_clean_corpus / "edf"), "cache_dir": "cache/tusz"}}))
    cfg = load_config(config)
    assert build_cache(cfg, roles=("train", "val", "test"), spec=ExecutorSpec("inline", 1), dry_run=False,
                       rebuild_stale=False, force=True) == 0
    return cfg, build_ledger(cfg)


@pytest.fixture
def cache_copy(project: tuple[LoadedConfig, Ledger], tmp_path: Path) -> CacheStore:
    """A writable copy of the module's cache."""
    dest = tmp_path / "cache"
    shutil.copytree(project[0].cache_dir, dest)
    return CacheStore(dest)


def _by_id(findings: list) -> dict:
    return {f.id: f for f in findings}


def _first_entry(store: CacheStore) -> tuple[str, object]:
    index = store.read_index()
    key = sorted(index)[0]
    return key, index[key]


def test_clean_corpus_passes_every_shipped_suite(project: tuple[LoadedConfig, Ledger]) -> None:
    cfg, ledger = project
    found = _by_id(run_expectations(ledger, CacheStore(cfg.cache_dir), cfg, read_suites(SUITES, str(SUITES))))
    assert sorted(found) == ["expectations.cache_entries", "expectations.recordings", "expectations.windows"]
    assert {f.status for f in found.values()} == {"pass"}
    included = len(ledger.included())
    rec = found["expectations.recordings"]
    assert rec.message == f"{SUITES}/recordings.json on {included} recordings rows: all 13 expectations met"
    assert rec.details["failed"] == [] and rec.details["rows"] == included
    assert found["expectations.cache_entries"].details["rows"] == included
    windows = sum(r.windows_expected for r in ledger.included())
    assert found["expectations.windows"].details["rows"] == windows


def test_nan_bearing_entry_fails_cache_entries_naming_the_recording(project, cache_copy: CacheStore) -> None:
    cfg, ledger = project
    key, meta = _first_entry(cache_copy)
    signal = np.array(cache_copy.load_signal(key, mmap=False))
    signal[3, 100:105] = np.nan
    labels = np.array(cache_copy.load_labels(key, mmap=False))
    _, written = cache_copy.write_entry(key, signal, labels, replace(meta, **signal_stats(signal)), replace_existing=True)
    cache_copy.sync_index(meta.fingerprint, {key: written})
    found = _by_id(run_expectations(ledger, cache_copy, cfg, read_suites(SUITES, str(SUITES))))
    bad = found["expectations.cache_entries"]
    assert bad.status == "fail"
    assert [(f["type"], f["kwargs"]["column"], f["unexpected_count"]) for f in bad.details["failed"]] == [
        ("expect_column_values_to_be_between", "nonfinite", 1)]
    assert bad.details["failed"][0]["first_rows"] == [{"path": meta.source, "nonfinite": 5}]
    assert bad.message.endswith(f"1 of 10 expectations failed: expect_column_values_to_be_between on nonfinite: "
                                f"1 of {bad.details['rows']} rows, first {meta.source} (5)")
    assert found["expectations.recordings"].status == "pass"


def test_label_fraction_above_one_fails_windows_naming_the_recording(project, cache_copy: CacheStore) -> None:
    cfg, ledger = project
    key, meta = _first_entry(cache_copy)
    signal = np.array(cache_copy.load_signal(key, mmap=False))
    labels = np.full(meta.n_samples, 2, dtype=np.uint8)       # a label mask that is not 0/1
    _, written = cache_copy.write_entry(key, signal, labels, meta, replace_existing=True)
    cache_copy.sync_index(meta.fingerprint, {key: written})
    found = _by_id(run_expectations(ledger, cache_copy, cfg, read_suites(SUITES, str(SUITES))))
    bad = found["expectations.windows"]
    assert bad.status == "fail"
    failed = {f["kwargs"]["column"]: f for f in bad.details["failed"]}
    assert sorted(failed) == ["label_max", "seizure_fraction"]
    n = ledger.get(meta.source).windows_expected
    assert failed["seizure_fraction"]["unexpected_count"] == n
    assert failed["seizure_fraction"]["first_rows"][0] == {"path": meta.source, "window": 0, "seizure_fraction": 2.0}
    assert f"first {meta.source} window 0 (2.0)" in bad.message


def _corrupt_rate(corpus: Path) -> str:
    """Double the data-record duration of one included EDF: 256 samples per 2 s record read as 128 Hz."""
    edf = sorted((corpus / "edf" / "train").rglob("*.edf"))[0]
    raw = bytearray(edf.read_bytes())
    raw[244:252] = b"2".ljust(8)
    edf.write_bytes(bytes(raw))
    return edf.relative_to(corpus / "edf").as_posix()


def test_wrong_sampling_rate_fails_recordings_naming_the_recording(tiny_clean_corpus: Path, tmp_path: Path,
                                                                   make_project) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_clean_corpus, corpus)
    path = _corrupt_rate(corpus)
    cfg = load_config(make_project(corpus))
    ledger = build_ledger(cfg)
    rate = ledger.get(path).sfreq
    assert ledger.get(path).included and rate not in (250, 256, 400, 512, 1000)
    found = _by_id(run_expectations(ledger, None, cfg, read_suites(SUITES, str(SUITES))))
    bad = found["expectations.recordings"]
    assert bad.status == "fail"
    assert [(f["type"], f["kwargs"]["column"]) for f in bad.details["failed"]] == [
        ("expect_column_values_to_be_in_set", "sfreq")]
    assert bad.details["failed"][0]["first_rows"] == [{"path": path, "sfreq": rate}]
    assert f"first {path} ({rate})" in bad.message
    assert found["expectations.cache_entries"].status == "skip"
    assert found["expectations.cache_entries"].message == f"{SUITES}/cache_entries.json not run: no cache"


def test_cache_suites_skip_without_an_index(project, tmp_path: Path) -> None:
    cfg, ledger = project
    found = _by_id(run_expectations(ledger, CacheStore(tmp_path / "nothing"), cfg, read_suites(SUITES, str(SUITES))))
    reason = f"no cache index at {tmp_path / 'nothing' / 'index.json'}; build the cache first"
    assert found["expectations.windows"].status == "skip"
    assert found["expectations.windows"].message == f"{SUITES}/windows.json not run: {reason}"
    assert found["expectations.recordings"].status == "pass"


def test_warning_severity_warns_and_custom_suites_run(project, tmp_path: Path) -> None:
    cfg, ledger = project
    doc = {"name": "house_rules", "meta": {"tusz_guard": {"table": "recordings"}}, "expectations": [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "duration_s", "max_value": 60},
         "severity": "warning"}]}
    (tmp_path / "house_rules.json").write_text(json.dumps(doc))
    [finding] = run_expectations(ledger, None, cfg, read_suites(tmp_path, str(tmp_path)))
    assert (finding.id, finding.status) == ("expectations.house_rules", "warn")
    assert finding.details["failed"][0]["severity"] == "warning"
    assert finding.details["failed"][0]["unexpected_count"] == len(ledger.included())


def test_malformed_suite_stops_before_anything_runs(project, tmp_path: Path) -> None:
    cfg, ledger = project
    shutil.copy(SUITES / "recordings.json", tmp_path / "recordings.json")
    (tmp_path / "windows.json").write_text('{"name": "windows", "expectations": [{"type": "expect_nothing", '
                                           '"kwargs": {}}]}')
    with pytest.raises(GuardError) as info:
        run_expectations(ledger, None, cfg, read_suites(tmp_path, str(tmp_path)))
    assert info.value.exit_code == 2
    assert str(info.value).startswith(f"==> File {tmp_path}/windows.json ==> At key: expectations[0] invalid "
                                      "expectation 'expect_nothing'")


def test_data_docs_are_built_and_no_temp_folder_is_left(project, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, ledger = project
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))     # anything GX puts in a temp dir lands here
    docs = tmp_path / "docs"
    findings = run_expectations(ledger, CacheStore(cfg.cache_dir), cfg, read_suites(SUITES, str(SUITES)), docs)
    assert {f.details["data_docs"] for f in findings} == {str(docs / "index.html")}
    assert (docs / "index.html").is_file()
    assert sorted(p.name for p in (docs / "validations").iterdir()) == ["cache_entries", "recordings", "windows"]
    assert "recordings" in (docs / "index.html").read_text()
    assert list(scratch.iterdir()) == []


def test_gx_prints_nothing(project, capfd: pytest.CaptureFixture[str]) -> None:
    cfg, ledger = project
    run_expectations(ledger, CacheStore(cfg.cache_dir), cfg, read_suites(SUITES, str(SUITES)))
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_unreadable_labels_fail_the_windows_suite(project, cache_copy: CacheStore) -> None:
    cfg, ledger = project
    key, _ = _first_entry(cache_copy)
    cache_copy.labels_path(key).unlink()
    bad = _by_id(run_expectations(ledger, cache_copy, cfg, read_suites(SUITES, str(SUITES))))["expectations.windows"]
    assert bad.status == "fail"
    assert bad.details["failed"] == []
    assert [p.split(" does not exist")[0] for p in bad.details["problems"]] == [str(cache_copy.labels_path(key))]
    assert "0 of 5 expectations failed: 1 unreadable: " in bad.message


def test_an_expectation_that_raises_is_an_error(project, tmp_path: Path) -> None:
    cfg, ledger = project
    doc = {"name": "recordings", "expectations": [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "path", "min_value": 0}}]}
    (tmp_path / "recordings.json").write_text(json.dumps(doc))
    [finding] = run_expectations(ledger, None, cfg, read_suites(tmp_path, str(tmp_path)))
    assert finding.status == "error"
    assert finding.details["failed"][0]["error"]
    assert "expect_column_values_to_be_between on path: raised " in finding.message


def test_seizure_share_above_one_fails_cache_entries(project, cache_copy: CacheStore) -> None:
    cfg, ledger = project
    key, meta = _first_entry(cache_copy)
    signal = np.array(cache_copy.load_signal(key, mmap=False))
    labels = np.array(cache_copy.load_labels(key, mmap=False))
    bad_meta = replace(meta, seizure_samples=2 * meta.n_samples)
    _, written = cache_copy.write_entry(key, signal, labels, bad_meta, replace_existing=True)
    cache_copy.sync_index(meta.fingerprint, {key: written})
    bad = _by_id(run_expectations(ledger, cache_copy, cfg, read_suites(SUITES, str(SUITES))))["expectations.cache_entries"]
    assert [(f["kwargs"]["column"], f["first_rows"]) for f in bad.details["failed"]] == [
        ("seizure_fraction", [{"path": meta.source, "seizure_fraction": 2.0}])]
