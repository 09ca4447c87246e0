"""report/changes.compare over two JSON reports, and `tusz-guard report diff` (bad input: one line, exit 2)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.cli import run
from tusz_guard.report.changes import change_lines, compare, is_empty
from tusz_guard.report.json_report import report_dict
from tusz_guard.results import STATUSES, ConfigSummary, Finding, Report


def _doc(statuses: dict[str, str], cached: int = 3, fp: str = "ab12", length: float = 10.0,
         recordings: list[dict[str, Any]] | None = None, strict: bool = False) -> dict[str, Any]:
    findings = tuple(Finding(i, s, i, f"m {i}") for i, s in statuses.items())   # type: ignore[arg-type]
    cfg = ConfigSummary("configs/train.yaml", "t", "full", "/d", "/c", fp, {"windows.length_s": length})
    totals = {"train": {"found": 10, "included": 8, "excluded": {"too_short": 2}, "cached": cached}}
    rows = tuple(recordings or ())
    return report_dict(Report(findings, (cfg,), "/c", fp, totals, strict=strict, recordings=rows,
                              generated_at="2026-12-01T00:00:00Z"))


def test_nothing_moved_is_empty() -> None:
    doc = _doc({"cache.coverage": "pass"})
    changes = compare(doc, doc, previous="reports/history/x.json")
    assert is_empty(changes)
    assert change_lines(changes) == ["since 2026-12-01T00:00:00Z: nothing changed"]


def test_newly_failing_passing_counts_fingerprint_config_and_recordings() -> None:
    rec = {"path": "train/a.edf", "role": "train", "status": "included", "reason": None, "cache": "current"}
    old = _doc({"cache.coverage": "pass", "labels.parse": "fail", "windows.count": "pass", "splits.disjoint": "pass"},
               recordings=[rec])
    new = _doc({"cache.coverage": "fail", "labels.parse": "pass", "windows.count": "warn"}, cached=2, fp="cd34",
               length=5.0, recordings=[{**rec, "cache": "missing"}])
    c = compare(old, new)
    assert c["newly_failing"] == [{"id": "cache.coverage", "from": "pass", "to": "fail"}]
    assert c["newly_passing"] == [{"id": "labels.parse", "from": "fail", "to": "pass"}]
    assert c["status_changed"] == [{"id": "windows.count", "from": "pass", "to": "warn"}]
    assert c["removed"] == [{"id": "splits.disjoint", "from": "pass", "to": None}]
    assert {"key": "train.cached", "from": 3, "to": 2} in c["counts"]
    assert c["fingerprint"] == {"from": "ab12", "to": "cd34"}
    assert c["config"] == [{"key": "windows.length_s", "from": 10.0, "to": 5.0}]
    assert c["recordings_changed"] == 1
    assert c["recordings"] == [{"path": "train/a.edf", "cache": {"from": "current", "to": "missing"}}]
    lines = change_lines(c)
    assert lines[0] == "since 2026-12-01T00:00:00Z:"
    assert "newly failing: cache.coverage (pass -> fail)" in lines
    assert "newly passing: labels.parse (fail -> pass)" in lines
    assert "fingerprint: ab12 -> cd34" in lines
    assert "config: windows.length_s 10.0 -> 5.0" in lines
    assert "recordings: 1 changed: train/a.edf: cache current -> missing" in lines


def test_a_warning_newly_blocks_under_strict() -> None:
    c = compare(_doc({"corpus.headers": "pass"}), _doc({"corpus.headers": "warn"}, strict=True))
    assert c["newly_failing"] == [{"id": "corpus.headers", "from": "pass", "to": "warn"}]


@given(st.dictionaries(st.sampled_from(["a.x", "b.y", "c.z"]), st.sampled_from(STATUSES)),
       st.dictionaries(st.sampled_from(["a.x", "b.y", "c.z"]), st.sampled_from(STATUSES)))
def test_every_check_that_moved_is_listed_once(old: dict[str, str], new: dict[str, str]) -> None:
    c = compare(_doc(old), _doc(new))
    listed = [r["id"] for k in ("newly_failing", "newly_passing", "status_changed", "removed") for r in c[k]]
    assert sorted(listed) == sorted({k for k in set(old) | set(new) if old.get(k) != new.get(k)})


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_report_diff_prints_the_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _write(tmp_path / "old.json", _doc({"cache.coverage": "pass"}))
    new = _write(tmp_path / "new.json", _doc({"cache.coverage": "fail"}, cached=0))
    assert run(["report", "diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "since 2026-12-01T00:00:00Z (pass -> fail):"
    assert "newly failing: cache.coverage (pass -> fail)" in out
    assert run(["report", "diff", str(old), str(new), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"][0] == {"key": "train.cached", "from": 3, "to": 0}


def test_report_diff_reads_a_v1_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v1 = {k: v for k, v in _doc({"cache.coverage": "pass"}).items() if k not in ("recordings", "changes")}
    old = _write(tmp_path / "v1.json", {**v1, "schema": "tusz-guard/check/v1"})
    new = _write(tmp_path / "new.json", _doc({"cache.coverage": "pass"}))
    assert run(["report", "diff", str(old), str(new)]) == 0
    assert capsys.readouterr().out == "since 2026-12-01T00:00:00Z: nothing changed\n"


@pytest.mark.parametrize(("content", "needle"), [
    ("{not json", "is not JSON ("),
    ('{"schema": "great_expectations/v1"}', "is not a tusz-guard check report (schema 'great_expectations/v1'"),
    ("[1, 2]", "is not a tusz-guard check report (schema None"),
    (b"\xff\xfe\x00", "cannot read "),
])
def test_report_diff_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 content: str | bytes, needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    good = _write(tmp_path / "good.json", _doc({"cache.coverage": "pass"}))
    assert run(["report", "diff", str(bad), str(good)]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_report_diff_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", "diff", str(tmp_path / "nope.json"), str(tmp_path / "nope2.json")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'nope.json'} does not exist")
