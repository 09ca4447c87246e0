"""Typed facts the corpus parsers hand to the checks: a closed set of codes with their data.

Checks match on codes, never on message text, so rewording a message cannot switch a check off; the
test tests/checks/test_facts_reach_checks.py proves every code reaches a check.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tusz_guard.corpus.annotations import Problem

FactCode = Literal[
    # inside an annotation file (corpus/annotations.py ProblemKind)
    "unparsed", "outside", "overlap", "header", "channel",
    # an annotation file against its EDF (corpus/ledger.py): another length, another recording's `# bname`
    "duration_mismatch", "beyond_edf", "bname_mismatch",
    # an EDF header resolved by a rule the user should know about (corpus/ledger.py): EEG channels at several
    # rates (each resampled on its own, as the builder does); two labels naming one channel (the first wins).
    # An EDF+D file is not a fact but an exclusion (unreadable): check and builder make one decision.
    "mixed_rates", "duplicate_channels",
]
ANNOTATION_CODES: frozenset[FactCode] = frozenset({"unparsed", "outside", "overlap", "header", "channel",
                                                   "duration_mismatch", "beyond_edf", "bname_mismatch"})
HEADER_NOTICE_CODES: frozenset[FactCode] = frozenset({"mixed_rates", "duplicate_channels"})   # a warning
FACT_CODES: frozenset[FactCode] = ANNOTATION_CODES | HEADER_NOTICE_CODES


@dataclass(frozen=True)
class Fact:
    """One problem of one file: its code, the line (1-based, None for the whole file), a value, the words."""

    code: FactCode
    message: str
    line: int | None = None
    value: str | None = None

    @property
    def text(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def from_problem(p: Problem) -> Fact:
    """An annotation parser problem as a fact (the parser's kinds are a subset of the codes)."""
    return Fact(p.kind, p.message, p.line)
