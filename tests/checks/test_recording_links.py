"""summary.recording_links: which recordings table rows each finding names ("12 missing" -> the 12)."""
from __future__ import annotations

from typing import Any

from tusz_guard.checks.summary import recording_links


def _row(status: str = "included", reason: str | None = None, cache: str | None = "current",
         role: str = "train") -> dict[str, Any]:
    return {"status": status, "reason": reason, "cache": cache, "role": role}


def test_counts_per_filter() -> None:
    rows = (_row(cache="missing"), _row(cache="missing"), _row(cache="stale", role="val"), _row(),
            _row(cache="missing", role="test"),        # cache.coverage judges train and val only
            _row("excluded", "too_short", None), _row("excluded", "unreadable", None))
    links = recording_links(rows)
    assert links["cache.coverage"] == [{"filter": {"role": "train", "cache": "missing"}, "label": "train missing", "n": 2},
                                       {"filter": {"role": "val", "cache": "stale"}, "label": "val stale", "n": 1}]
    assert links["corpus.ledger"] == [{"filter": {"reason": "unreadable"}, "label": "excluded: unreadable", "n": 1},
                                      {"filter": {"reason": "too_short"}, "label": "excluded: too_short", "n": 1}]
    assert links["corpus.headers"] == [{"filter": {"reason": "unreadable"}, "label": "unreadable", "n": 1}]


def test_nothing_to_link_when_every_entry_is_current() -> None:
    assert recording_links((_row(), _row())) == {}
