"""The ledger: every recording, its role, and exactly one reason for each exclusion."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.config import load_config
from tusz_guard.corpus.funnel import funnel_lines
from tusz_guard.corpus.ledger import REASONS, build_ledger, holdout_patients
from tusz_guard.errors import GuardError


def truth(corpus: Path) -> dict[str, dict]:
    data = json.loads((corpus / "ground_truth.json").read_text())
    return {r["path"]: r for r in data["recordings"]}


def test_every_recording_matches_the_ground_truth(tiny_corpus: Path, make_project) -> None:
    ledger = build_ledger(load_config(make_project(tiny_corpus)))
    expected = truth(tiny_corpus)
    assert {r.path for r in ledger.recordings} == set(expected)
    for rec in ledger.recordings:
        exp = expected[rec.path]["expect"]
        assert (rec.path, rec.status, rec.reason) == (rec.path, exp["status"], exp["reason"])


def test_each_exclusion_reason_is_exercised(tiny_corpus: Path, make_project) -> None:
    first = next(r.stem for r in build_ledger(load_config(make_project(tiny_corpus))).included("train"))
    ledger = build_ledger(load_config(make_project(tiny_corpus, data={"limit_files": 2, "exclude": [first]},
                                                   kind="smoke")))
    reasons = Counter(r.reason for r in ledger.recordings if r.status == "excluded")
    assert set(reasons) == set(REASONS)
    for rec in ledger.recordings:
        assert (rec.status == "excluded") == (rec.reason is not None)
        if rec.reason:
            assert rec.notes, f"{rec.path}: an exclusion must say why"


def test_official_roles_follow_folders(tiny_corpus: Path, make_project) -> None:
    ledger = build_ledger(load_config(make_project(tiny_corpus)))
    assert {(r.split, r.role) for r in ledger.recordings} == {("train", "train"), ("dev", "val"), ("eval", "test")}


def test_limit_files_keeps_first_n_included_per_role(tiny_corpus: Path, make_project) -> None:
    ledger = build_ledger(load_config(make_project(tiny_corpus, kind="smoke", data={"limit_files": 2})))
    for role in ("train", "val", "test"):
        assert len(ledger.included(role)) == 2
        over = [r for r in ledger.role(role) if r.reason == "over_limit"]
        assert over and all(o.path > max(r.path for r in ledger.included(role)) for o in over)


def test_holdout_is_patient_level_and_deterministic(tiny_corpus: Path, make_project) -> None:
    cfg = load_config(make_project(tiny_corpus, data={"split_policy": "holdout", "validation_split": 0.25}))
    a, b = build_ledger(cfg), build_ledger(cfg)
    assert a == b
    train_p = {r.patient for r in a.role("train")}
    val_p = {r.patient for r in a.role("val")}
    assert train_p and val_p and not train_p & val_p
    assert all(r.split == "train" for r in a.role("val"))
    assert {r.role for r in a.recordings if r.split == "dev"} == {None}
    assert {r.status for r in a.recordings if r.split == "dev"} == {"unused"}
    assert set(a.val_patients) == val_p


def test_funnel_explains_every_count(tiny_corpus: Path, make_project) -> None:
    cfg = load_config(make_project(tiny_corpus))
    ledger = build_ledger(cfg)
    lines = funnel_lines(ledger, 0.2)
    totals = ledger.totals()
    train = totals["train"]
    excluded = ", ".join(f"{k} {v}" for k, v in train.excluded.items())
    assert lines[0] == (f"train/: {train.found} found -> {sum(train.excluded.values())} excluded ({excluded}) "
                        f"-> {train.included} train")


def test_holdout_funnel(tiny_corpus: Path, make_project) -> None:
    ledger = build_ledger(load_config(make_project(tiny_corpus, data={"split_policy": "holdout"})))
    line = funnel_lines(ledger, 0.2)[0]
    n_val = len(ledger.role("val"))
    assert line.startswith(f"train/: {len(ledger.role('train')) + n_val} found -> {n_val} assigned to val "
                           f"(holdout 0.2, by patient: {len(ledger.val_patients)} patients) -> ")


@given(st.sets(st.text("abcdefgh", min_size=8, max_size=8), min_size=2, max_size=60),
       st.floats(0.05, 0.95), st.integers(0, 2**32))
def test_holdout_patients_property(patients: set[str], share: float, seed: int) -> None:
    val = holdout_patients(sorted(patients), share, seed)
    assert val == holdout_patients(sorted(patients, reverse=True), share, seed)   # order-independent
    assert 1 <= len(val) <= len(patients) - 1
    assert set(val) <= patients


def test_missing_data_dir_is_one_line(tmp_path: Path, make_project) -> None:
    cfg = load_config(make_project(tmp_path / "nowhere"))
    with pytest.raises(GuardError, match="does not exist"):
        build_ledger(cfg)


def test_data_dir_without_edf(tmp_path: Path, make_project) -> None:
    (tmp_path / "empty" / "edf").mkdir(parents=True)
    with pytest.raises(GuardError, match="holds no .edf files"):
        build_ledger(load_config(make_project(tmp_path / "empty")))


def test_files_outside_the_layout_are_reported_not_fatal(corpus_copy: Path, make_project) -> None:
    src = next((corpus_copy / "edf" / "dev").rglob("*.edf"))
    stray = corpus_copy / "edf" / "val" / "x.edf"
    stray.parent.mkdir()
    shutil.copy(src, stray)
    ledger = build_ledger(load_config(make_project(corpus_copy)))
    assert [p for p, _ in ledger.layout_problems] == ["val/x.edf"]
    assert "dev" in ledger.layout_problems[0][1]


def test_progress_reports_every_recording(tiny_corpus: Path, make_project) -> None:
    ticks: list[tuple[int, int]] = []
    ledger = build_ledger(load_config(make_project(tiny_corpus)), lambda done, total: ticks.append((done, total)))
    n = len(ledger.recordings)
    assert ticks and ticks[-1] == (n, n) and all(total == n for _, total in ticks)
