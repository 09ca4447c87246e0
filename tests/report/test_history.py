"""report/history: the previous report of the same config, unreadable entries skipped, at most KEEP kept."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tusz_guard.report import history
from tusz_guard.report.history import entries, history_key, with_history
from tusz_guard.results import ConfigSummary, Finding, Report


def _report(status: str = "pass", config: str = "configs/train.yaml", cached: int = 3) -> Report:
    cfg = ConfigSummary(config, "t", "full", "/d", "/c", "fp", {"a.b": 1})
    return Report((Finding("cache.coverage", status, "t", "m"),), (cfg,), "/c", "fp",   # type: ignore[arg-type]
                  {"train": {"found": 4, "cached": cached}}, generated_at="2026-12-02T00:00:00Z")


def test_first_run_then_compared_with_the_previous(tmp_path: Path) -> None:
    first = with_history(_report(), tmp_path)
    assert first.changes == {"previous": None, "history": f"{tmp_path.name}/history"}
    second = with_history(_report("fail", cached=2), tmp_path)
    assert second.changes is not None
    assert second.changes["newly_failing"] == [{"id": "cache.coverage", "from": "pass", "to": "fail"}]
    assert {"key": "train.cached", "from": 3, "to": 2} in second.changes["counts"]
    kept = entries(tmp_path, history_key(_report()))
    assert len(kept) == 2 and not list((tmp_path / "history").glob(".*.tmp"))


def test_another_configs_history_is_not_compared(tmp_path: Path) -> None:
    with_history(_report("fail", config="configs/smoke.yaml"), tmp_path)
    assert with_history(_report(), tmp_path).changes == {"previous": None, "history": f"{tmp_path.name}/history"}
    assert history_key(_report(config="configs/smoke.yaml")) != history_key(_report())


def test_an_unreadable_entry_is_skipped_for_the_one_before(tmp_path: Path) -> None:
    with_history(_report("fail"), tmp_path)
    key = history_key(_report())
    (tmp_path / "history" / f"{key}--99999999T999999999999Z.json").write_text("{truncated")
    (tmp_path / "history" / f"{key}--99999999T999999999998Z.json").write_text(json.dumps({"schema": "other"}))
    changes = with_history(_report(), tmp_path).changes
    assert changes is not None and changes["previous"]["status"] == "fail"
    assert changes["newly_passing"] == [{"id": "cache.coverage", "from": "fail", "to": "pass"}]


def test_at_most_keep_entries_per_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "KEEP", 3)
    for _ in range(5):
        with_history(_report(), tmp_path)
    with_history(_report(config="configs/smoke.yaml"), tmp_path)
    assert len(entries(tmp_path, history_key(_report()))) == 3
    assert len(entries(tmp_path, history_key(_report(config="configs/smoke.yaml")))) == 1
