"""`check` twice around a change (one cache entry deleted): the `changes` section in JSON, text and HTML."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tusz_guard.cli import run
from tusz_guard.report.history import KEEP

ARGS = ["--no-expectations", "--format", "text", "--format", "json", "--format", "html", "--format", "junit"]


def _check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run(["check", str(project / "configs" / "train.yaml"), *ARGS, "--report-dir", str(project / "reports")])
    return code, capsys.readouterr().out


def _delete_one_entry(project: Path) -> str:
    entries = project / "cache" / "tusz" / "entries"
    key = sorted(p.name for p in entries.iterdir())[0]
    shutil.rmtree(entries / key)
    return key


def test_a_deleted_entry_shows_as_newly_failing_with_moved_counts(report_project: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, first_text = _check(report_project, capsys)
    assert code == 0, first_text
    first = json.loads((report_project / "reports" / "latest.json").read_text())
    assert first["changes"] == {"previous": None, "history": "reports/history"}
    assert "no previous report of this config in reports/history: nothing to compare" in first_text

    key = _delete_one_entry(report_project)
    code, text = _check(report_project, capsys)
    assert code == 1
    doc = json.loads((report_project / "reports" / "latest.json").read_text())
    changes = doc["changes"]
    assert changes["status"] == {"from": "pass", "to": "fail"}
    assert {"id": "cache.coverage", "from": "warn", "to": "fail"} in changes["newly_failing"]
    row = next(r for r in doc["recordings"] if r["path"].endswith(f"/{key}.edf"))
    role = row["role"]
    before, after = first["totals"][role]["cached"], doc["totals"][role]["cached"]
    assert after == before - 1
    assert {"key": f"{role}.cached", "from": before, "to": after} in changes["counts"]
    assert changes["fingerprint"] is None and changes["config"] == []
    assert changes["previous"]["path"].startswith("reports/history/") and changes["previous"]["status"] == "pass"

    lines = text.splitlines()
    at = lines.index(next(x for x in lines if x.startswith("BLOCKED: ")))
    assert lines[at + 1].startswith("  since ") and lines[at + 1].endswith(" (pass -> fail):")
    assert any(x.startswith("  newly failing: cache.coverage (warn -> fail)") for x in lines[at + 1:])
    assert f"{role}.cached {before:,} -> {after:,}" in text

    html = (report_project / "reports" / "latest.html").read_text()
    box = html.split('<section id="changes"', 1)[1].split("</section>", 1)[0]
    assert "newly failing: cache.coverage (warn -&gt; fail)" in box
    assert html.index('id="changes"') < html.index('id="checks"')
    xml = (report_project / "reports" / "latest.xml").read_text()
    assert '<property name="changes.newly_failing" value="cache.coverage' in xml


def test_unchanged_runs_say_nothing_changed_and_the_history_is_bounded(report_project: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from tusz_guard.report import history

    for _ in range(3):
        _check(report_project, capsys)
    doc = json.loads((report_project / "reports" / "latest.json").read_text())
    assert doc["changes"]["status"] is None and doc["changes"]["newly_failing"] == []
    assert [c["key"] for c in doc["changes"]["counts"]] == []
    kept = list((report_project / "reports" / "history").glob("*.json"))
    assert len(kept) == 3 and all("recordings" not in json.loads(p.read_text()) for p in kept)
    old_keep = history.KEEP
    history.KEEP = 2
    try:
        _check(report_project, capsys)
    finally:
        history.KEEP = old_keep
    assert len(list((report_project / "reports" / "history").glob("*.json"))) == 2
    assert KEEP == 20
