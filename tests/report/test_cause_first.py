"""Cause first: every renderer lists errors, failures, warnings, passes, skips in that order (results.cause_first),
ids in catalogue (engine) order within a status."""
from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.report.html import render_html
from tusz_guard.report.json_report import render_json
from tusz_guard.report.junit import render_junit
from tusz_guard.report.text import render_text
from tusz_guard.results import SEVERITY, STATUSES, Finding, Report, cause_first

ENGINE_ORDER = [("config.schema", "pass"), ("config.paths", "warn"), ("corpus.layout", "pass"),
                ("corpus.ledger", "fail"), ("labels.parse", "skip"), ("cache.coverage", "fail"),
                ("cache.index", "error"), ("windows.count", "warn")]
CAUSE_FIRST = ["cache.index", "corpus.ledger", "cache.coverage", "config.paths", "windows.count",
               "config.schema", "corpus.layout", "labels.parse"]


def _report() -> Report:
    findings = tuple(Finding(i, s, i, f"message of {i}") for i, s in ENGINE_ORDER)
    return Report(findings, (), "/c", "fp", {})


def test_cause_first_orders_by_severity_and_keeps_engine_order_within_a_status() -> None:
    assert [f.id for f in cause_first(_report().findings)] == CAUSE_FIRST
    assert [f.id for f in _report().ordered] == CAUSE_FIRST


@given(st.lists(st.sampled_from(STATUSES), max_size=30))
def test_cause_first_is_a_stable_sort_by_severity(statuses: list[str]) -> None:
    findings = [Finding(f"x.c{i}", s, "t", "m") for i, s in enumerate(statuses)]   # type: ignore[arg-type]
    got = cause_first(findings)
    assert sorted(got, key=lambda f: f.id) == sorted(findings, key=lambda f: f.id)
    ranks = [SEVERITY.index(f.status) for f in got]
    assert ranks == sorted(ranks)
    for status in STATUSES:     # within a status: the given order
        assert [f.id for f in got if f.status == status] == [f.id for f in findings if f.status == status]


def test_text_lists_the_cause_first() -> None:
    ids = [line.split()[1] for line in render_text(_report()).splitlines()
           if line.split() and line.split()[0] in ("PASS", "WARN", "FAIL", "ERROR", "SKIP")]
    assert ids == CAUSE_FIRST


def test_json_lists_the_cause_first() -> None:
    assert [c["id"] for c in json.loads(render_json(_report()))["checks"]] == CAUSE_FIRST


def test_junit_lists_the_cause_first() -> None:
    root = ET.fromstring(render_junit(_report()))
    assert [c.get("name") for c in root.iter("testcase")] == CAUSE_FIRST


def test_html_lists_the_cause_first_and_the_banner_names_the_blocking_check() -> None:
    html = render_html(_report())
    table = html.split('<table class="checks">', 1)[1]
    assert re.findall(r'<tr class="s-\w+" id="check-([\w.-]+)"', table) == [i.replace(".", "-") for i in CAUSE_FIRST]
    banner = html.split('id="verdict"', 1)[1].split("</div></div>", 1)[0]
    assert 'href="#check-cache-index"' in banner and "message of cache.index" in banner
    assert "2 more blocking" in banner


def test_a_passing_banner_names_no_cause() -> None:
    report = Report((Finding("config.schema", "pass", "t", "fine"),), (), "/c", "fp", {})
    assert 'class="cause"' not in render_html(report)


def test_the_banner_names_the_fix_when_the_message_ends_with_one() -> None:
    from tusz_guard.results import fix_of

    msg = "cache/tusz does not exist: 9 recording(s) would be processed live; run `tusz-guard build-cache c.yaml`"
    assert fix_of(msg) == "run `tusz-guard build-cache c.yaml`"
    assert fix_of("the check crashed: KeyError: 'x'") is None
    html = render_html(Report((Finding("cache.coverage", "fail", "Coverage", msg),), (), "/c", "fp", {}))
    assert ("Blocked by <a href=\"#check-cache-coverage\"><code>cache.coverage</code></a> (Coverage). "
            "Fix: run `tusz-guard build-cache c.yaml`</p>") in html
