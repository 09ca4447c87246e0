"""corpus.layout, corpus.ledger, corpus.headers, splits.disjoint: passing and failing cases."""
from __future__ import annotations

import shutil
from pathlib import Path

from tusz_guard.config import load_config


def _cfg(project: Path) -> Path:
    return project / "configs" / "train.yaml"


def test_corpus_layout_passes(project: Path, tiny_clean_corpus: Path, run_check) -> None:
    f = run_check(_cfg(project), "corpus.layout")
    assert (f.status, f.message) == ("pass", f"20 recordings in the TUSZ layout under {tiny_clean_corpus / 'edf'} "
                                     "(dev/ 6, eval/ 3, train/ 11)")


def test_corpus_layout_fails_when_data_dir_is_the_parent(project: Path, tiny_clean_corpus: Path, write_cfg,
                                                         run_check) -> None:
    cfg = write_cfg(project, "train", tiny_clean_corpus)
    f = run_check(cfg, "corpus.layout")
    assert f.status == "fail"
    assert f.message.startswith(f"{tiny_clean_corpus} has no recordings under train/ (role train), dev/ (role val), "
                                "eval/ (role test); data.data_dir must be the folder holding train/ dev/ eval/ "
                                "(20 file(s) outside the layout: edf/")


def test_corpus_layout_fails_when_data_dir_is_missing(project: Path, tmp_path: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", tmp_path / "nowhere")
    f = run_check(cfg, "corpus.layout")
    assert f.status == "fail"
    assert f.message.startswith(f"cannot scan the corpus: data_dir {tmp_path / 'nowhere'} does not exist")


def test_corpus_ledger_passes_with_counts(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "corpus.ledger")
    assert (f.status, f.message) == ("pass", "train 11 of 11 included; val 6 of 6 included; test 3 of 3 included")
    assert f.details["funnel"][0] == "train/: 11 found -> 0 excluded -> 11 train"


def test_corpus_ledger_warns_on_many_exclusions(project: Path, tiny_corpus: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", tiny_corpus / "edf")
    f = run_check(cfg, "corpus.ledger")
    assert f.status == "warn"
    assert "train 6 of 11 excluded (unreadable 2, no_annotations 1, bad_annotations 1, missing_channels 1, " \
           "too_short 1)" in f.message


def test_corpus_ledger_fails_when_a_training_role_is_empty(project: Path, tiny_clean_corpus: Path, write_cfg,
                                                           run_check) -> None:
    cfg = write_cfg(project, "train", tiny_clean_corpus / "edf", windows={"length_s": 3600.0})
    f = run_check(cfg, "corpus.ledger")
    assert f.status == "fail"
    assert f.message.startswith("role(s) train, val have no included recording (train 0 of 11 included; "
                                "val 0 of 6 included; test 0 of 3 included)")


def test_corpus_headers_passes_on_clean_headers(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "corpus.headers")
    assert f.status == "pass"
    assert f.message.startswith("20 headers read without defects; rates ")


def test_corpus_headers_warns_on_tolerated_defects(project: Path, tiny_corpus: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", tiny_corpus / "edf")
    f = run_check(cfg, "corpus.headers")
    assert f.status == "warn"
    assert f.message.startswith("2 tolerated header defect(s) (dev/aaagnsyj/s002_2008/01_tcp_ar/aaagnsyj_s002_t000.edf: "
                                "start date '01:01:85' uses ':' instead of '.'")
    assert "3 unreadable file(s) excluded" in f.message


def test_a_discontinuous_recording_is_excluded_so_check_and_builder_agree(project: Path, clean_corpus_copy: Path,
                                                                          write_cfg, run_check) -> None:
    """Issue 13.9: check blocked EDF+D files that the builder then built; now the ledger excludes them."""
    from tusz_guard.cache.plan import plan
    from tusz_guard.corpus.ledger import build_ledger

    rel = "train/aaaracgd/s001_2015/01_tcp_ar/aaaracgd_s001_t000.edf"
    edf = clean_corpus_copy / "edf" / rel
    with open(edf, "r+b") as handle:      # the reserved field (bytes 192-236) marks EDF+D
        handle.seek(192)
        handle.write(b"EDF+D".ljust(44))
    cfg = write_cfg(project, "train", clean_corpus_copy / "edf")
    f = run_check(cfg, "corpus.headers")
    assert f.status == "warn"
    assert ("1 unreadable file(s) excluded (train/aaaracgd/s001_2015/01_tcp_ar/aaaracgd_s001_t000.edf: EDF+D "
            "(discontinuous) recording: its records are not contiguous in time)") in f.message
    ledger = build_ledger(load_config(cfg))
    assert ledger.get(rel).reason == "unreadable"                              # type: ignore[union-attr]
    assert rel not in {i.recording.path for i in plan(ledger, None, "fp").items}   # the builder never plans it


def test_one_eeg_channel_at_another_rate_warns_and_is_built(tmp_path: Path, clean_corpus_copy: Path,
                                                             write_cfg, run_check) -> None:
    """Issue 13.9: check and builder agree on mixed EEG rates: a warning, resampled per channel, built and whole."""
    import edfio
    import numpy as np

    from tests.checks.conftest import build, new_project
    from tusz_guard.cache.plan import plan
    from tusz_guard.corpus.ledger import build_ledger

    rel = "train/aaaracgd/s001_2015/01_tcp_ar/aaaracgd_s001_t000.edf"
    path = clean_corpus_copy / "edf" / rel
    edf = edfio.read_edf(path)
    c3 = next(i for i, sig in enumerate(edf.signals) if sig.label.startswith("EEG C3"))
    old = edf.signals[c3]
    rate = old.sampling_frequency
    faster = edfio.EdfSignal(np.repeat(old.data, 2), sampling_frequency=2 * rate, label=old.label,
                             physical_dimension=old.physical_dimension)
    edfio.Edf([*edf.signals[:c3], faster, *edf.signals[c3 + 1:]],
              data_record_duration=edf.data_record_duration).write(path)
    project = new_project(tmp_path / "mixed")
    cfg = write_cfg(project, "train", clean_corpus_copy / "edf")
    f = run_check(cfg, "corpus.headers")
    assert (f.status, f.message.split("; rates")[0]) == ("warn", f"1 header notice(s) ({rel}: mixed EEG sampling rates "
                                                        f"{rate:g}, {2 * rate:g} Hz: each channel is resampled to "
                                                        "256 Hz on its own)"), f.message
    ledger = build_ledger(load_config(cfg))
    assert ledger.get(rel).status == "included"                                # type: ignore[union-attr]
    assert rel in {i.recording.path for i in plan(ledger, None, "fp").items}
    build(cfg)
    deep = run_check(cfg, "cache.integrity", deep=True)
    assert deep.status == "pass", deep.message


def test_data_exclude_leaves_out_stems_and_globs(project: Path, clean_corpus_copy: Path, write_cfg) -> None:
    """Issue 13.9: 'exclude them' needs a way to exclude: data.exclude takes stems or globs."""
    from tusz_guard.corpus.ledger import build_ledger

    cfg = write_cfg(project, "train", clean_corpus_copy / "edf",
                    data={"exclude": ["aaaracgd_s001_t000", "dev/aaagnsyj/*"]})
    ledger = build_ledger(load_config(cfg))
    out = {r.path: r.notes[-1] for r in ledger.recordings if r.reason == "excluded_by_config"}
    assert out["train/aaaracgd/s001_2015/01_tcp_ar/aaaracgd_s001_t000.edf"] == \
        "excluded by data.exclude (aaaracgd_s001_t000)"
    assert any(p.startswith("dev/aaagnsyj/") for p in out) and all(
        n == "excluded by data.exclude (dev/aaagnsyj/*)" for p, n in out.items() if p.startswith("dev/"))


def test_splits_disjoint_passes_on_ledger_and_cache(project: Path, run_check) -> None:
    f = run_check(_cfg(project), "splits.disjoint")
    assert (f.status, f.message) == ("pass", "patients per role: train 5, val 2, test 2; no patient in two roles "
                                     "(corpus and cache)")


def test_splits_disjoint_fails_when_a_patient_is_in_train_and_dev(project: Path, clean_corpus_copy: Path, write_cfg,
                                                                  run_check) -> None:
    edf = clean_corpus_copy / "edf"
    shutil.copytree(edf / "train/aaaracgd/s001_2015", edf / "dev/aaaracgd/s009_2016")
    for path in (edf / "dev/aaaracgd/s009_2016/01_tcp_ar").iterdir():
        path.rename(path.with_name(path.name.replace("s001", "s009")))
    cfg = write_cfg(project, "train", edf)
    f = run_check(cfg, "splits.disjoint")
    assert f.status == "fail"
    assert f.message.startswith("1 patient(s) in two roles in the corpus: aaaracgd in train + val; move each patient's "
                                "sessions into one split folder")


def test_splits_disjoint_fails_when_the_cache_holds_another_roles_recording(project: Path, edit_entry,
                                                                            run_check) -> None:
    cfg = load_config(_cfg(project))
    key = "aaaxgpii_s001_t000"           # a dev (val) recording
    edit_entry(cfg.cache_dir, key, source="train/aaaracgd/s001_2015/01_tcp_ar/aaaracgd_s001_t000.edf")
    f = run_check(_cfg(project), "splits.disjoint")
    assert f.status == "fail"
    assert "1 patient(s) in two roles in the cache cache/tusz: aaaxgpii in train + val" in f.message
    assert ("entries/aaaxgpii_s001_t000 was built from train/aaaracgd/s001_2015/01_tcp_ar/aaaracgd_s001_t000.edf "
            "(role train) but aaaxgpii_s001_t000 is dev/aaaxgpii/s001_2010/01_tcp_ar/aaaxgpii_s001_t000.edf "
            "(role val)") in f.message
