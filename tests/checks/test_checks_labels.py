"""labels.vocabulary, labels.parse, labels.seizures: passing and failing cases."""
from __future__ import annotations

from pathlib import Path

from tusz_guard.config import load_config


def _cfg(project: Path) -> Path:
    return project / "configs" / "train.yaml"


def test_labels_vocabulary_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "labels.vocabulary")
    assert (f.status, f.message) == ("pass", "all 2 labels seen are in the label sets (files per label: bckg 20, "
                                     "seiz 10)")


def test_labels_vocabulary_fails_on_a_label_outside_both_sets(project: Path, tiny_clean_corpus: Path, write_cfg,
                                                              run_check) -> None:
    cfg = write_cfg(project, "train", tiny_clean_corpus / "edf",
                    labels={"seizure": ["fnsz", "gnsz", "spkz"], "background": ["bckg"]})
    f = run_check(cfg, "labels.vocabulary")
    assert f.status == "fail"
    assert f.message.startswith("label 'seiz' in 10 files (e.g. dev/aaagnsyj/s001_2008/01_tcp_ar/aaagnsyj_s001_t000.edf)")
    assert f.message.endswith("is in neither labels.seizure nor labels.background; labels.seizure lists 'spkz', "
                              "which is not a TUSZ label; add each seen label to the right set in configs/train.yaml "
                              "and rebuild the cache")
    assert f.details["unknown"]["seiz"][0].startswith("dev/")


def test_labels_parse_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "labels.parse")
    assert f.status == "pass"
    assert f.message.endswith("annotation rows parsed in 20 files; no event outside its recording, no overlap")


def test_labels_parse_warns_on_excluded_files(project: Path, tiny_corpus: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", tiny_corpus / "edf")
    f = run_check(cfg, "labels.parse")
    assert f.status == "warn"
    assert f.message.startswith("2 file(s) with rows that did not parse are excluded: dev/aaagnsyj/s001_2008/"
                                "01_tcp_ar/aaagnsyj_s001_t000.edf: 0 of 3 rows parsed")
    assert "1 recording(s) without a .csv_bi file are excluded, not labelled background" in f.message


def test_labels_parse_fails_on_an_overlap_in_an_included_recording(project: Path, clean_corpus_copy: Path, write_cfg,
                                                                   run_check) -> None:
    ann = clean_corpus_copy / "edf/dev/aaagnsyj/s001_2008/01_tcp_ar/aaagnsyj_s001_t000.csv_bi"
    ann.write_text(ann.read_text() + "TERM,5.0000,20.0000,bckg,1.0000\n")
    cfg = write_cfg(project, "train", clean_corpus_copy / "edf")
    f = run_check(cfg, "labels.parse")
    assert f.status == "fail"
    assert f.message.startswith("2 event problem(s) in included recordings: dev/aaagnsyj/s001_2008/01_tcp_ar/"
                                "aaagnsyj_s001_t000.edf line 8: event 12.7918-57.3907 s on 'TERM' overlaps line 10")
    assert f.message.endswith("line 10: event 5-20 s on 'TERM' overlaps line 7 (0-12.7918 s); fix the annotation files")


def test_labels_parse_fails_when_a_role_fails_to_parse_in_bulk(project: Path, clean_corpus_copy: Path, write_cfg,
                                                               run_check) -> None:
    for ann in (clean_corpus_copy / "edf/dev").rglob("*.csv_bi"):   # the catalogue's parser regression, row 4
        lines = ann.read_text().splitlines()
        ann.write_text("\n".join(line if line.startswith("#") or line.startswith("channel")
                                 else ",".join(line.split(",")[1:4]) for line in lines) + "\n")
    cfg = write_cfg(project, "train", clean_corpus_copy / "edf")
    f = run_check(cfg, "labels.parse")
    assert f.status == "fail"
    assert f.message.startswith("annotation files fail to parse in bulk (val: 6 of 6): the parser and the files "
                                "disagree on the format (data.annotations=csv_bi)")


def test_labels_seizures_passes(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "labels.seizures")
    assert f.status == "pass"
    assert f.message.endswith("cache seizure time matches the annotations in all 20 current entries")
    assert f.details["compared_entries"] == 20
    assert set(f.details["seizure_windows"]) == {"train", "val", "test"}


def test_labels_seizures_fails_when_the_cache_lost_the_seizures(project: Path, edit_entry, run_check) -> None:
    cfg = load_config(_cfg(project))
    edit_entry(cfg.cache_dir, "aaagnsyj_s001_t000", seizure_samples=0)
    f = run_check(_cfg(project), "labels.seizures")
    assert f.status == "fail"
    assert f.message == ("1 cache entr(ies) disagree with the annotations on seizure time: aaagnsyj_s001_t000: cache "
                         "holds 0.0 s of seizure, annotations 44.6 s; rebuild them with "
                         "`tusz-guard build-cache --rebuild-stale`")


def test_labels_seizures_fails_when_a_training_role_has_no_seizure_window(project: Path, tiny_clean_corpus: Path,
                                                                          write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", tiny_clean_corpus / "edf", labels={"seizure": ["mysz"]})
    f = run_check(cfg, "labels.seizures")
    assert f.status == "fail"
    assert f.message.startswith("role(s) train, val have zero seizure windows among")
