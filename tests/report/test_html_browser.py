"""The HTML report in headless Chromium: verdict in the DOM, hostile text inert, no request but the file."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tusz_guard.report.html import render_html
from tusz_guard.report.html_shot import CHROMIUM, CHROMIUM_ARGS
from tusz_guard.results import ConfigSummary, Finding, Report

pytestmark = pytest.mark.browser

EVIL = '<script>window.pwned=1</script><img src="http://evil.invalid/x.png">'


def _report() -> Report:
    bad = Finding("cache.coverage", "fail", "Cache covers every recording", f"missing train/{EVIL}.edf",
                  {"missing": [f"train/{EVIL}.edf"]})
    ok = Finding("split.disjoint", "pass", "Patient-disjoint roles", "no shared patient")
    cfgs = tuple(ConfigSummary(f"configs/{n}.yaml", n, n, "/p/edf", f"/p/cache/{d}", "ab12",
                               {"data.cache_dir": f"cache/{d}", "window.length_s": 10})
                 for n, d in (("smoke", "train"), ("full", "tusz")))
    totals = {"train": {"found": 10, "included": 8, "excluded": {"too_short": 2}, "cached": 3,
                        "would_process_live": 5, "windows_expected": 80, "windows_cached": 30}}
    return Report((bad, ok), cfgs, "/p/cache/tusz", "ab12", totals, ("train/: 10 found",),
                  {"labels": {EVIL: 30.0, "bckg": 600.0}}, "2025-01-01T00:00:00Z", "0.1.0")


@pytest.fixture(scope="module")
def page_and_requests(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[tuple[Any, list[str], str]]:
    sync_api = pytest.importorskip("playwright.sync_api")
    html = tmp_path_factory.mktemp("html") / "report.html"
    html.write_text(render_html(_report()), encoding="utf-8")
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = browser.new_page()
        page.on("request", lambda req: requests.append(req.url))
        page.goto(html.as_uri(), wait_until="load")
        yield page, requests, html.as_uri()
        browser.close()


def test_only_the_file_itself_is_requested(page_and_requests: tuple[Any, list[str], str]) -> None:
    page, requests, uri = page_and_requests
    page.wait_for_timeout(200)      # give any stray subresource a chance to show up
    assert requests == [uri]


def test_verdict_and_hostile_text_in_the_dom(page_and_requests: tuple[Any, list[str], str]) -> None:
    page, _, _ = page_and_requests
    assert page.inner_text("#verdict .verdict") == "BLOCKED"
    assert page.title() == "tusz-guard check: BLOCKED"
    assert page.evaluate("[document.scripts.length, document.images.length, window.pwned === undefined]") == [
        0, 0, True]
    assert page.inner_text("table.checks > tbody > tr:first-child p.msg") == f"missing train/{EVIL}.edf"


def test_status_filter_and_diff_toggle_work_without_script(page_and_requests: tuple[Any, list[str], str]) -> None:
    page, _, _ = page_and_requests
    rows = page.locator("table.checks > tbody > tr")
    assert [rows.nth(i).is_visible() for i in range(2)] == [True, True]
    page.click("label[for=f-fail]")
    assert [rows.nth(i).is_visible() for i in range(2)] == [True, False]
    page.click("label[for=f-all]")
    same = page.locator("table.configs tr.same")
    assert same.first.is_visible()
    page.click("label[for=only-diff]")
    assert not same.first.is_visible()
    assert page.locator("table.configs tr.diff").first.is_visible()

