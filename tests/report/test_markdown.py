"""--format markdown: verdict, blocking checks cause first, what changed; report text can add no markup."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tusz_guard.cli import run
from tusz_guard.report import render
from tusz_guard.report.markdown import md, render_markdown
from tusz_guard.results import Finding, Report

EVIL = "a|b <script>x</script> `rm` [l](http://e.invalid)\nnext"


def _report(changes: dict | None = None) -> Report:
    findings = (Finding("config.schema", "pass", "t", "ok"), Finding("corpus.headers", "warn", "t", "1 defect"),
                Finding("cache.coverage", "fail", "t", f"3 missing: train/{EVIL}.edf; run build-cache"),
                Finding("cache.index", "error", "t", "crashed"))
    return Report(findings, (), "/c", "fp", {}, generated_at="2026-12-02T00:00:00Z", changes=changes)


def test_blocking_checks_cause_first_in_one_table() -> None:
    text = render_markdown(_report())
    assert text.startswith("### tusz-guard check: BLOCKED\n\n**2 blocking findings: training must not start.**")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[0] == "| status | check | message |"
    assert [r.split("|")[2].strip() for r in rows[1:]] == ["`cache.index`", "`cache.coverage`"]
    assert "Warnings: `corpus.headers`" in text
    assert "What changed" not in text


def test_report_text_cannot_add_markup() -> None:
    cell = md(EVIL)
    assert "<script>" not in cell and "\\|" in cell and "\\`rm\\`" in cell and "\n" not in cell
    table = [line for line in render_markdown(_report()).splitlines() if "cache.coverage" in line][0]
    assert table.count(" | ") == 2 and "&lt;script&gt;" in table


def test_a_passing_summary_and_its_changes() -> None:
    changes = {"previous": {"path": "reports/history/x.json", "generated_at": "2026-12-01T00:00:00Z",
                            "status": "fail"}, "status": {"from": "fail", "to": "pass"},
               "newly_passing": [{"id": "cache.coverage", "from": "fail", "to": "pass"}]}
    report = Report((Finding("cache.coverage", "pass", "t", "ok"),), (), "/c", "fp", {}, changes=changes)
    text = render(report, "markdown")
    assert "### tusz-guard check: PASS" in text and "| status |" not in text
    assert "#### What changed\n\n- since 2026-12-01T00:00:00Z (fail -&gt; pass):\n" \
           "- newly passing: cache.coverage (fail -&gt; pass)" in text


def test_an_md_output_is_the_markdown_summary(tiny_corpus: Path, make_project: object, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(tiny_corpus)   # type: ignore[operator]
    out = tmp_path / "summary.md"
    assert run(["check", str(config), "--no-expectations", "--select", "config.*", "-o", str(out)]) == 0
    assert out.read_text().startswith("### tusz-guard check: PASS")
    assert not (config.parent.parent / "reports").exists()      # -o alone names one file: no history kept
    assert run(["check", str(config), "--no-expectations", "--select", "config.*", "--format", "markdown",
                "--format", "json", "--report-dir", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "latest.md").read_text().startswith("### tusz-guard check: PASS")
    assert json.loads((tmp_path / "r" / "latest.json").read_text())["changes"]["previous"] is None
