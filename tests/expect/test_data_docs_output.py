"""Issue 13.13: --data-docs prints where the site is, and that it is blank offline (GX loads CDN assets)."""
from __future__ import annotations

from tusz_guard.commands.check import data_docs_lines
from tusz_guard.results import Finding, Report


def _report(*details: dict[str, str]) -> Report:
    findings = tuple(Finding(f"expectations.s{i}", "pass", "t", "m", d) for i, d in enumerate(details))
    return Report(findings=findings, configs=(), cache_dir="", fingerprint="", totals={})


def test_the_index_page_is_printed_with_the_offline_note() -> None:
    lines = data_docs_lines(_report({"data_docs": "/r/gx/index.html"}, {"data_docs": "/r/gx/index.html"}, {}), "/r/gx")
    assert lines[0] == "data docs: /r/gx/index.html"
    assert "offline the page shows blank" in lines[1] and "CDNs" in lines[1]
    assert len(lines) == 2


def test_nothing_built_is_said() -> None:
    assert data_docs_lines(_report({}), "/r/gx") == [
        "data docs: nothing built in /r/gx (no Great Expectations suite ran)"]


def test_no_flag_no_lines() -> None:
    assert data_docs_lines(_report({"data_docs": "x"}), None) == []
