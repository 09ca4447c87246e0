"""Typed facts: every code the corpus parsers can produce reaches a check (corpus/facts.py)."""
from __future__ import annotations

import typing
from pathlib import Path

import pytest

from tusz_guard.checks import corpus_checks, label_checks
from tusz_guard.corpus.annotations import ProblemKind
from tusz_guard.corpus.facts import ANNOTATION_CODES, FACT_CODES, HEADER_NOTICE_CODES, FactCode

# Where each code is judged; "unparsed" rows exclude the file as bad_annotations (labels.parse warns/fails on
# the row counts); every other code blocks the recording in the check named.
JUDGED_BY: dict[str, set[str]] = {"labels.parse": set(label_checks.EVENT_CODES) | {"unparsed"},
                                  "corpus.headers": set(HEADER_NOTICE_CODES)}


def test_every_code_has_a_check() -> None:
    assert set(typing.get_args(FactCode)) == FACT_CODES
    assert set(typing.get_args(ProblemKind)) <= ANNOTATION_CODES      # the parser's kinds are codes
    judged = set().union(*JUDGED_BY.values())
    assert judged == FACT_CODES
    assert corpus_checks.HEADER_NOTICE_CODES == HEADER_NOTICE_CODES


def _first_included_annotation(data_dir: Path, kind: str = "csv_bi") -> Path:
    return sorted(data_dir.glob(f"train/**/*.{kind}"))[0]


@pytest.mark.parametrize(("edit", "code_words"), [
    # Regression: a .csv_bi with a wrong column header stayed included and labels.parse said nothing.
    (lambda t: t.replace("channel,start_time,stop_time,label,confidence", "chan,start,stop,label,conf"),
     "column header is 'chan,start,stop,label,conf'"),
    # Regression: a channel other than TERM on every row of a .csv_bi, likewise.
    (lambda t: "\n".join(line.replace("TERM,", "FP1-F7,", 1) for line in t.splitlines()) + "\n",
     "channel 'FP1-F7' in a .csv_bi file"),
])
def test_annotation_facts_that_were_silent_now_fail_labels_parse(edit, code_words: str, clean_corpus_copy: Path,
                                                                 project: Path, write_cfg, run_check) -> None:
    ann = _first_included_annotation(clean_corpus_copy / "edf")
    ann.write_text(edit(ann.read_text()))
    cfg = write_cfg(project, "train", clean_corpus_copy / "edf")
    f = run_check(cfg, "labels.parse")
    assert f.status == "fail", f.message
    assert code_words in f.message


def test_a_swapped_annotation_file_fails_labels_parse_naming_both_stems(clean_corpus_copy: Path, project: Path,
                                                                        write_cfg, run_check) -> None:
    """Issue 13.7: two recordings of equal duration with swapped files passed every labels.* check."""
    ann = _first_included_annotation(clean_corpus_copy / "edf")
    stem = ann.name.rsplit(".", 1)[0]
    ann.write_text(ann.read_text().replace(f"# bname = {stem}", "# bname = aaaaaaaa_s001_t009"))
    f = run_check(write_cfg(project, "train", clean_corpus_copy / "edf"), "labels.parse")
    assert f.status == "fail"
    assert f"# bname = aaaaaaaa_s001_t009, but the recording is {stem}" in f.message


def test_a_header_only_file_says_so(clean_corpus_copy: Path) -> None:
    """Issue 13.8: a header-only .csv_bi read as '0 of 0 data rows parsed'."""
    from tusz_guard.config import load_config
    from tusz_guard.corpus.ledger import build_ledger

    ann = _first_included_annotation(clean_corpus_copy / "edf")
    ann.write_text("".join(line + "\n" for line in ann.read_text().splitlines() if line.startswith("#")
                           or line.startswith("channel,")))
    root = clean_corpus_copy.parent / "p"
    (root / "configs").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "configs" / "train.yaml").write_text(f"data: {{data_dir: {clean_corpus_copy / 'edf'}}}\n")
    ledger = build_ledger(load_config(root / "configs" / "train.yaml"))
    rec = next(r for r in ledger.recordings if r.path.endswith(ann.name.replace(".csv_bi", ".edf")))
    assert rec.reason == "bad_annotations"
    assert rec.notes[-1] == f"{ann.name}: no events: header only (a TUSZ file always has a bckg row)"


def test_two_labels_for_one_channel_are_reported(clean_corpus_copy: Path, project: Path, write_cfg,
                                                 run_check) -> None:
    """Issue 13.10: `EEG FP1-REF` and `EEG FP1-LE` in one header were resolved first-wins silently."""
    edf = sorted((clean_corpus_copy / "edf").glob("train/**/*.edf"))[0]
    raw = bytearray(edf.read_bytes())
    n_signals = int(raw[252:256].decode().strip())
    labels = [raw[256 + 16 * i: 272 + 16 * i].decode().strip() for i in range(n_signals)]
    slot = labels.index("EEG A1-REF")                  # an extra electrode, not one of the 19
    raw[256 + 16 * slot: 272 + 16 * slot] = b"EEG FP1-LE".ljust(16)
    edf.write_bytes(bytes(raw))
    f = run_check(write_cfg(project, "train", clean_corpus_copy / "edf"), "corpus.headers")
    assert f.status == "warn"
    assert "two labels name channel(s) Fp1: the first label of each is used" in f.message


def test_excluded_recordings_do_not_claim_to_be_interpolated(clean_corpus_copy: Path, project: Path,
                                                             write_cfg) -> None:
    """Issue 13.10: notes of files excluded for other reasons said 'interpolates Fz, Pz'."""
    from tusz_guard.config import load_config
    from tusz_guard.corpus.ledger import build_ledger

    config = write_cfg(project, "train", clean_corpus_copy / "edf")
    edf = sorted((clean_corpus_copy / "edf").glob("train/**/*.edf"))[0]
    raw = bytearray(edf.read_bytes())
    n_signals = int(raw[252:256].decode().strip())
    for i in range(n_signals):          # drop Fz: an interpolated channel, then exclude the file otherwise
        if raw[256 + 16 * i: 272 + 16 * i].decode().strip() == "EEG FZ-REF":
            raw[256 + 16 * i: 272 + 16 * i] = b"EEG X1-REF".ljust(16)
    edf.write_bytes(bytes(raw))
    before = build_ledger(load_config(config)).get(edf.relative_to(clean_corpus_copy / "edf").as_posix())
    assert before is not None and before.interpolated == ("Fz",) and "interpolates Fz" in before.notes
    edf.with_suffix(".csv_bi").unlink()
    after = build_ledger(load_config(config)).get(edf.relative_to(clean_corpus_copy / "edf").as_posix())
    assert after is not None and after.reason == "no_annotations"
    assert not [n for n in after.notes if n.startswith("interpolates")]
