"""Catalogue rows whose proof was missing: 8 (an index over a half-built cache), 13 (missing metadata), 14 (val/)."""
from __future__ import annotations

import shutil
from pathlib import Path

from tusz_guard.cache.store import CacheStore
from tusz_guard.cli import run
from tusz_guard.config import load_config


def test_row14_a_val_folder_instead_of_dev_fails_corpus_layout(clean_corpus_copy: Path, write_cfg,
                                                              run_check, tmp_path: Path) -> None:
    edf = clean_corpus_copy / "edf"
    (edf / "dev").rename(edf / "val")
    config = write_cfg(tmp_path / "p", "train", edf)
    finding = run_check(config, "corpus.layout")
    assert finding.status == "fail"
    assert "val/" in finding.message and "dev" in finding.message


def test_row8_index_listing_entries_missing_on_disk_fails(project: Path, run_check) -> None:
    config = project / "configs" / "train.yaml"
    store = CacheStore(load_config(config).cache_dir)
    gone = store.list_entries()[:2]
    for key in gone:                      # a half-built (or half-deleted) cache behind a complete-looking index
        shutil.rmtree(store.entry_dir(key))
    finding = run_check(config, "cache.index")
    assert finding.status == "fail"
    assert all(key in str(finding.message) + str(finding.details) for key in gone)
    assert run_check(config, "cache.coverage").status == "fail"


def test_row13_missing_cache_metadata_never_leads_to_deletion(project: Path,
                                                              capsys) -> None:
    config = project / "configs" / "train.yaml"
    cache_dir = load_config(config).cache_dir
    store = CacheStore(cache_dir)
    (cache_dir / "tusz-guard-cache.json").unlink()
    before = sorted(p.relative_to(cache_dir) for p in cache_dir.rglob("*"))
    code = run(["build-cache", str(config), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "not a tusz-guard cache" in err or "metadata" in err
    assert sorted(p.relative_to(cache_dir) for p in cache_dir.rglob("*")) == before   # nothing deleted
    assert store.list_entries()


def test_annotation_file_longer_than_its_edf_fails_labels_parse(clean_corpus_copy: Path, write_cfg,
                                                                run_check, tmp_path: Path) -> None:
    """A misplaced annotation file (from a longer recording) must not be clipped to the EDF silently."""
    from tusz_guard.corpus.ledger import build_ledger

    edf = clean_corpus_copy / "edf"
    config = write_cfg(tmp_path / "p", "train", edf)
    rec = build_ledger(load_config(config)).included("train")[0]
    d = rec.duration_s
    (edf / rec.path).with_suffix(".csv_bi").write_text(
        "# version = csv_v1.0.0\n# bname = x\n"
        f"# duration = {d + 100:.2f} secs\n#\nchannel,start_time,stop_time,label,confidence\n"
        f"TERM,0.0000,{d - 10:.4f},bckg,1.0000\nTERM,{d - 10:.4f},{d + 90:.4f},seiz,1.0000\n"
        f"TERM,{d + 90:.4f},{d + 100:.4f},bckg,1.0000\n")
    finding = run_check(config, "labels.parse")
    assert finding.status == "fail"
    assert f"annotation duration {d + 100:g} s differs from the EDF's {d:g} s" in finding.message


def test_one_corrupt_unindexed_entry_costs_only_that_entry(project: Path, run_check) -> None:
    config = project / "configs" / "train.yaml"
    store = CacheStore(load_config(config).cache_dir)
    index = store.read_index_file()
    victim = sorted(index.entries)[0]
    store.write_index({k: v for k, v in index.entries.items() if k != victim}, index.fingerprint)
    (store.entry_dir(victim) / "meta.json").write_text("{not json")
    coverage = run_check(config, "cache.coverage")
    assert coverage.status == "fail"
    assert "1 recording(s) would be processed live" in coverage.message
