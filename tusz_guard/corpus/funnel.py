"""The funnel in words: found -> assigned -> excluded by reason -> roles, per split folder."""
from __future__ import annotations

from collections import Counter

from tusz_guard.corpus.ledger import REASONS, Ledger, Recording
from tusz_guard.corpus.paths import SPLITS


def _reasons(rows: list[Recording]) -> str:
    counts = Counter(r.reason for r in rows if r.status == "excluded")
    parts = [f"{reason} {counts[reason]:,}" for reason in REASONS if counts[reason]]
    n = sum(counts.values())
    return f"{n:,} excluded" + (f" ({', '.join(parts)})" if parts else "")


def funnel_lines(ledger: Ledger, validation_split: float) -> list[str]:
    """One sentence per split folder explaining every count, e.g. train/: 4,667 found -> 933 assigned to val ..."""
    lines = []
    for split in SPLITS:
        rows = [r for r in ledger.recordings if r.split == split]
        if not rows:
            continue
        head = f"{split}/: {len(rows):,} found"
        roles = Counter(r.role for r in rows)
        if ledger.policy == "holdout" and split == "train":
            n_val = roles["val"]
            head += (f" -> {n_val:,} assigned to val (holdout {validation_split:g}, by patient: "
                     f"{len(ledger.val_patients):,} patients)")
            train = [r for r in rows if r.role == "train"]
            val = [r for r in rows if r.role == "val"]
            lines.append(f"{head} -> {sum(r.included for r in train):,} train, "
                         f"{sum(r.included for r in val):,} val; train {_reasons(train)}, val {_reasons(val)}")
        elif roles.get(None):
            lines.append(f"{head} -> not used by the {ledger.policy} split policy")
        else:
            role = rows[0].role
            lines.append(f"{head} -> {_reasons(rows)} -> {sum(r.included for r in rows):,} {role}")
    if ledger.layout_problems:
        lines.append(f"{len(ledger.layout_problems):,} .edf file(s) outside the TUSZ layout were ignored")
    return lines
