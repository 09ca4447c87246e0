"""summary.recording_links: which recordings table rows each finding names ("12 missing" -> the 12)."""
from __future__ import annotations

from typing import Any

from tusz_guard.checks.summary import recording_links


def _row(status: str = "included", reason: str | None = None, cache: str | None = "current") -> dict[str, Any]:
    return {"status": status, "reason": reason, "cache": cache}


def test_counts_per_filter() -> None:
    rows = (_row(cache="missing"), _row(cache="missing"), _row(cache="stale"), _row(),
            _row("excluded", "too_short", None), _row("excluded", "unreadable", None))
    links = recording_links(rows)
    assert links["cache.coverage"] == [{"field": "cache", "value": "missing", "label": "missing", "n": 2},
                                       {"field": "cache", "value": "stale", "label": "stale", "n": 1}]
    assert links["corpus.ledger"] == [{"field": "reason", "value": "unreadable", "label": "excluded: unreadable", "n": 1},
                                      {"field": "reason", "value": "too_short", "label": "excluded: too_short", "n": 1}]
    assert links["corpus.headers"] == [{"field": "reason", "value": "unreadable", "label": "unreadable", "n": 1}]


def test_nothing_to_link_when_every_entry_is_current() -> None:
    assert recording_links((_row(), _row())) == {}
