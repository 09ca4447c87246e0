"""screenshot(): a PNG of a rendered report from headless Chromium (its own module: one browser at a time)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.report.html import render_html
from tusz_guard.report.html_shot import screenshot
from tusz_guard.results import Finding, Report

pytestmark = pytest.mark.browser


def test_screenshot_writes_a_full_page_png(tmp_path: Path, chromium: str) -> None:
    pytest.importorskip("playwright.sync_api")
    html = tmp_path / "report.html"
    report = Report((Finding("split.disjoint", "pass", "Patient-disjoint roles", "no shared patient"),), (),
                    "/p/cache/tusz", "ab12", {})
    html.write_text(render_html(report), encoding="utf-8")
    png = screenshot(html, tmp_path / "img" / "report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")       # IHDR: the viewport width of html_shot.VIEWPORT
    assert width == 1240
