"""write_reports: time-stamped files never overwrite each other, latest.* always points at the newest."""
from __future__ import annotations

from pathlib import Path

from tusz_guard.report import write_reports
from tusz_guard.results import Finding, Report


def test_two_runs_in_one_second_keep_both_reports(tmp_path: Path) -> None:
    first = Report((Finding("config.schema", "pass", "t", "first"),), (), "/c", "fp", {})
    second = Report((Finding("config.schema", "fail", "t", "second"),), (), "/c", "fp", {})
    a = write_reports(first, ["json"], None, tmp_path)
    b = write_reports(second, ["json"], None, tmp_path)
    stamped = sorted(p for p in tmp_path.iterdir() if p.name.startswith("check-"))
    assert len(stamped) == 2 and a[0] != b[0]
    assert '"first"' in a[0].read_text() and '"second"' in b[0].read_text()
    assert '"second"' in (tmp_path / "latest.json").read_text()


def test_report_files_are_readable_by_others(tmp_path: Path) -> None:
    """CI artifact uploaders often run as another user: no 0600 reports (mkstemp's default)."""
    import os
    import stat

    report = Report((Finding("config.schema", "pass", "t", "m"),), (), "/c", "fp", {})
    old = os.umask(0o022)
    try:
        written = write_reports(report, ["json", "junit"], None, tmp_path)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o644}


def test_an_archive_report_says_what_it_verified() -> None:
    from tusz_guard.report.html import render_html
    from tusz_guard.report.junit import render_junit

    report = Report((Finding("archive.safety", "pass", "t", "m"),), (), "/c", "fp", {}, command="verify-archive")
    html = render_html(report)
    assert "<title>tusz-guard verify-archive: PASS</title>" in html
    assert "No blocking finding: the upload may start." in html
    assert 'name="tusz-guard verify-archive"' in render_junit(report)
