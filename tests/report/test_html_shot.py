"""screenshot(): a PNG of a rendered report from headless Chromium (its own module: one browser at a time)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tusz_guard.checks.model import Finding, Report
from tusz_guard.report.html import render_html
from tusz_guard.report.html_shot import CHROMIUM, screenshot

pytestmark = pytest.mark.browser


def _ensure_chromium() -> None:
    """Install the Debian chromium package when missing and possible; skip with the reason otherwise."""
    if Path(CHROMIUM).is_file():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
                    "run `apt-get install -y chromium`")
    done = subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not Path(CHROMIUM).is_file():
        pytest.skip(f"apt-get install -y chromium failed: {done.stderr.strip()[-300:]}")


def test_screenshot_writes_a_full_page_png(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    _ensure_chromium()
    html = tmp_path / "report.html"
    report = Report((Finding("split.disjoint", "pass", "Patient-disjoint roles", "no shared patient"),), (),
                    "/p/cache/tusz", "ab12", {})
    html.write_text(render_html(report), encoding="utf-8")
    png = screenshot(html, tmp_path / "img" / "report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")       # IHDR: the viewport width of html_shot.VIEWPORT
    assert width == 1240
