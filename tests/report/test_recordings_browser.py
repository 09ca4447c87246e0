"""The recordings table in headless Chromium on the demo corpus: search, filters, a finding's link to its rows,
paging, no request but the file, and no horizontal overflow at 1280 px and 390 px (measured in the DOM)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tusz_guard.cli import run
from tusz_guard.report.html import render_html
from tusz_guard.report.html_recordings import PLAIN_MAX
from tusz_guard.report.html_shot import CHROMIUM, CHROMIUM_ARGS
from tusz_guard.results import Finding, Report

pytestmark = pytest.mark.browser

# Overflow of the page, and of any section beyond its own box (a .scroll wrapper's table may scroll inside it).
OVERFLOW = """() => {
  const doc = document.documentElement;
  const sections = [...document.querySelectorAll('section, header, .banner, nav')]
    .filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.id || s.className);
  return {page: doc.scrollWidth - window.innerWidth, sections};
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """check --format html/json over the demo corpus without a cache: the HTML file and the JSON document."""
    import os

    project = tmp_path_factory.mktemp("demo") / "project"
    (project / "configs").mkdir(parents=True)
    (project / "tusz-guard.toml").write_text("")
    old = Path.cwd()
    os.chdir(project)
    try:
        assert run(["synth", "corpus", "--profile", "demo", "--seed", "0"]) == 0
        (project / "configs" / "train.yaml").write_text(
            "experiment: {name: tusz_train, kind: full, output_dir: results/train}\n"
            "data: {data_dir: corpus/edf, cache_dir: cache/tusz}\n")
        run(["check", "configs/train.yaml", "--no-expectations", "--format", "html", "--format", "json",
             "--report-dir", "reports"])
    finally:
        os.chdir(old)
    return project / "reports" / "latest.html", json.loads((project / "reports" / "latest.json").read_text())


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield b
        b.close()


def _open(browser: Any, html: Path, width: int = 1280) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(html.as_uri(), wait_until="load")
    assert errors == []
    return page, requests


def _visible_rows(page: Any) -> list[list[str]]:
    return page.evaluate("[...document.querySelectorAll('table.recs tbody tr')]"
                         ".map(r => [...r.cells].map(c => c.textContent))")


def test_every_recording_is_in_the_table_and_only_the_file_is_requested(browser: Any, demo: Any) -> None:
    html, doc = demo
    page, requests = _open(browser, html)
    page.wait_for_timeout(200)
    assert requests == [html.as_uri()]
    assert page.evaluate("document.scripts.length") == 1
    rows = _visible_rows(page)
    assert len(doc["recordings"]) == 54 and len(rows) == 54          # under one page
    assert sorted(r[0] for r in rows) == sorted(r["path"] for r in doc["recordings"])
    assert page.inner_text("#rec-info") == "rows 1\u201354 of 54 matching (54 recordings)"
    page.close()


def test_search_and_filters_narrow_the_table(browser: Any, demo: Any) -> None:
    html, doc = demo
    page, _ = _open(browser, html)
    patient = doc["recordings"][0]["patient"]
    page.fill("#rec-q", patient)
    assert {r[0] for r in _visible_rows(page)} == {r["path"] for r in doc["recordings"] if patient in r["path"]}
    page.fill("#rec-q", "")
    page.select_option("#rec-status", "excluded")
    excluded = [r for r in doc["recordings"] if r["status"] == "excluded"]
    assert len(excluded) == 10 and sorted(r[0] for r in _visible_rows(page)) == sorted(r["path"] for r in excluded)
    reason = excluded[0]["reason"]
    page.select_option("#rec-reason", reason)
    assert {r[0] for r in _visible_rows(page)} == {r["path"] for r in excluded if r["reason"] == reason}
    page.select_option("#rec-role", "test")
    assert all(r[1] == "test" and r[3] == reason for r in _visible_rows(page))
    page.close()


def test_a_findings_link_shows_its_rows(browser: Any, demo: Any) -> None:
    html, doc = demo
    page, _ = _open(browser, html)
    missing = [r["path"] for r in doc["recordings"] if r["cache"] == "missing" and r["role"] == "train"]
    link = page.locator("#check-cache-coverage a.rowlink").first
    assert link.inner_text() == f"{len(missing)} train missing"
    link.click()
    assert sorted(r[0] for r in _visible_rows(page)) == sorted(missing)
    assert page.evaluate("location.hash") == "#recordings"
    page.close()


def test_sorting_by_a_number_column(browser: Any, demo: Any) -> None:
    html, doc = demo
    page, _ = _open(browser, html)
    page.click("table.recs th:nth-child(6) button")
    values = [int(r[5].replace(",", "")) for r in _visible_rows(page)]
    assert values == sorted(values)
    page.click("table.recs th:nth-child(6) button")
    assert [int(r[5].replace(",", "")) for r in _visible_rows(page)] == sorted(values, reverse=True)
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_no_horizontal_overflow(browser: Any, demo: Any, width: int) -> None:
    html, _ = demo
    page, _ = _open(browser, html, width)
    assert page.evaluate(OVERFLOW) == {"page": 0, "sections": []}
    page.close()


def test_without_javascript_it_is_a_plain_table(browser: Any, demo: Any) -> None:
    html, doc = demo
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(html.as_uri(), wait_until="load")
    assert page.locator("table.recs tbody tr").count() == len(doc["recordings"])
    assert page.locator("#rec-q").count() == 0
    context.close()


def test_70000_rows_are_paged(browser: Any, tmp_path: Path) -> None:
    rows = tuple({"path": f"train/p{i:05d}/p{i:05d}_s001_t000.edf", "role": ("train", "val", "test")[i % 3],
                  "split": "train", "patient": f"p{i:05d}", "status": "included", "reason": None, "notes": [],
                  "cache": ("current", "stale", "missing")[i % 3], "cache_reason": None, "windows_expected": i % 97,
                  "windows_cached": 0, "seizure_seconds": 0.0, "header_defects": []} for i in range(70_000))
    html = tmp_path / "big.html"
    html.write_text(render_html(Report((Finding("cache.coverage", "fail", "t", "m"),), (), "/c", "fp", {},
                                       recordings=rows)))
    page, _ = _open(browser, html)
    assert page.locator("table.recs tbody tr").count() == 100
    assert page.inner_text("#rec-info") == "rows 1\u2013100 of 70000 matching (70000 recordings)"
    page.click("#rec-next")
    assert _visible_rows(page)[0][0] == "train/p00100/p00100_s001_t000.edf"
    page.select_option("#rec-cache", "stale")
    assert page.inner_text("#rec-info").endswith("of 23333 matching (70000 recordings)")
    assert page.evaluate(OVERFLOW) == {"page": 0, "sections": []}
    page.select_option("#rec-cache", "*")
    page.fill("#rec-q", "p69999/")                 # a row from the <template> beyond the plain table
    assert [r[0] for r in _visible_rows(page)] == ["train/p69999/p69999_s001_t000.edf"]
    assert not page.locator("#rec-more").is_visible()
    page.close()
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(html.as_uri(), wait_until="load")
    assert plain.locator("table.recs tbody tr").count() == PLAIN_MAX
    assert plain.inner_text("#rec-more").startswith(f"The first {PLAIN_MAX:,} rows are shown; 60,000 more")
    context.close()
