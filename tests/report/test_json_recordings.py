"""JSON v2 `recordings`: one row per ledger recording, from the snapshot the checks judged (no second scan)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from tusz_guard.app.preflight import preflight_with_snapshot
from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.report.json_report import render_json

FIELDS = ["path", "role", "split", "patient", "status", "reason", "notes", "cache", "cache_reason",
          "windows_expected", "windows_cached", "seizure_seconds", "header_defects"]


def test_every_ledger_recording_is_a_row(tiny_corpus: Path, make_project: Callable[..., Path]) -> None:
    config = make_project(tiny_corpus)
    report, snap = preflight_with_snapshot(load_config(config), expectations=False)
    assert snap.ledger is not None
    rows = json.loads(render_json(report))["recordings"]
    assert [r["path"] for r in rows] == [r.path for r in snap.ledger.recordings]
    assert all(list(r) == FIELDS for r in rows)
    excluded = [r for r in rows if r["status"] == "excluded"]
    assert excluded and all(r["reason"] and r["cache"] is None for r in excluded)
    included = [r for r in rows if r["status"] == "included"]
    assert included and all(r["cache"] == "missing" and r["windows_cached"] == 0 for r in included)
    assert sum(r["windows_expected"] for r in included if r["role"] == "train") == \
        report.totals["train"]["windows_expected"]
    assert any(r["header_defects"] for r in rows)       # the tiny corpus carries a tolerated header defect


def test_cached_rows_say_current_and_a_stale_row_says_why(report_project: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = report_project / "r.json"
    config = report_project / "configs" / "train.yaml"
    assert run(["check", str(config), "--no-expectations", "-o", str(out)]) == 0
    rows = json.loads(out.read_text())["recordings"]
    train = [r for r in rows if r["role"] == "train" and r["status"] == "included"]
    assert train and all(r["cache"] == "current" and r["windows_cached"] == r["windows_expected"] for r in train)
    victim = train[0]
    edf = Path(json.loads(out.read_text())["sections"]["paths"]["data_dir"]) / victim["path"]
    assert edf.is_file()
    meta = next((report_project / "cache" / "tusz" / "entries").glob(f"{Path(victim['path']).stem}/meta.json"))
    record = json.loads(meta.read_text())
    record["source_size"] = record["source_size"] + 1
    meta.write_text(json.dumps(record))
    (report_project / "cache" / "tusz" / "index.json").unlink(missing_ok=True)
    run(["check", str(config), "--no-expectations", "-o", str(out)])
    capsys.readouterr()
    row = next(r for r in json.loads(out.read_text())["recordings"] if r["path"] == victim["path"])
    assert row["cache"] == "stale" and row["cache_reason"].startswith("source changed: size ")
