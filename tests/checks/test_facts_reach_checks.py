"""Typed facts: every code the corpus parsers can produce reaches a check (corpus/facts.py)."""
from __future__ import annotations

import typing
from pathlib import Path

import pytest

from tusz_guard.checks import corpus_checks, label_checks
from tusz_guard.corpus.annotations import ProblemKind
from tusz_guard.corpus.facts import ANNOTATION_CODES, FACT_CODES, HEADER_CODES, FactCode

# Where each code is judged; "unparsed" rows exclude the file as bad_annotations (labels.parse warns/fails on
# the row counts); every other code blocks the recording in the check named.
JUDGED_BY: dict[str, set[str]] = {"labels.parse": set(label_checks.EVENT_CODES) | {"unparsed"},
                                  "corpus.headers": set(HEADER_CODES)}


def test_every_code_has_a_check() -> None:
    assert set(typing.get_args(FactCode)) == FACT_CODES
    assert set(typing.get_args(ProblemKind)) <= ANNOTATION_CODES      # the parser's kinds are codes
    judged = set().union(*JUDGED_BY.values())
    assert judged == FACT_CODES
    assert corpus_checks.HEADER_CODES == HEADER_CODES


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
