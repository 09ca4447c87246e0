"""The HTML report on fabricated Reports: verdict, sections, absent data, and escaping of every field."""
from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tusz_guard.errors import GuardError
from tusz_guard.report.html import render_html
from tusz_guard.report.html_shot import screenshot
from tusz_guard.report.svg import Bar, Segment, css_class, esc, fmt_num, stacked_bars
from tusz_guard.results import ConfigSummary, Finding, Report

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "header", "h1", "h2", "dl", "dt", "dd",
                "code", "span", "strong", "p", "nav", "a", "main", "section", "input", "label", "b", "table",
                "thead", "tbody", "tr", "th", "td", "details", "summary", "ul", "ol", "li", "svg", "text", "rect",
                "footer", "br", "wbr", "script"}


class Collector(HTMLParser):
    """Every tag, attribute and text node of a document, decoded the way a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(doc: str) -> Collector:
    c = Collector()
    c.feed(doc)
    c.close()
    return c


def finding(status: str = "pass", fid: str = "cache.coverage", **kw: Any) -> Finding:
    return Finding(id=fid, status=status, title=kw.pop("title", "a title"), message=kw.pop("message", "a message"),
                   **kw)


def config(name: str, **values: Any) -> ConfigSummary:
    return ConfigSummary(path=f"configs/{name}.yaml", name=name, kind="full", data_dir="/p/data/edf",
                         cache_dir="/p/cache/tusz", fingerprint="ab12", values=values)


def report(findings: tuple[Finding, ...] = (), **kw: Any) -> Report:
    defaults: dict[str, Any] = dict(configs=(), cache_dir="/p/cache/tusz", fingerprint="ab12", totals={})
    return Report(findings=findings, **{**defaults, **kw})


TOTALS = {"train": {"found": 3734, "included": 3600, "excluded": {"no_annotations": 12, "too_short": 122},
                    "cached": 246, "would_process_live": 3354, "windows_expected": 252089, "windows_cached": 17000,
                    "seizure_seconds": 51234.5},
          "val": {"found": 933, "included": 933, "excluded": {}, "cached": 933, "would_process_live": 0,
                  "windows_expected": 61000, "windows_cached": 61000, "seizure_seconds": 12000.0}}


def verdict_of(doc: str) -> str:
    m = re.search(r'<span class="verdict">(\w+)</span>', doc)
    assert m is not None
    return m.group(1)


# --- verdict -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("statuses", "strict", "word", "summary"), [
    (("pass", "pass", "skip"), False, "PASS", "No blocking finding: training may start."),
    (("pass", "warn"), False, "PASS", "No blocking finding: training may start."),
    (("pass", "warn"), True, "BLOCKED", "1 blocking finding: training must not start."),
    (("pass", "fail", "error"), False, "BLOCKED", "2 blocking findings: training must not start."),
    ((), False, "BLOCKED", "No check ran, so nothing is known to be safe."),
    (("skip", "skip"), False, "BLOCKED", "No check ran, so nothing is known to be safe."),
])
def test_verdict_banner(statuses: tuple[str, ...], strict: bool, word: str, summary: str) -> None:
    doc = render_html(report(tuple(finding(s, f"c{i}") for i, s in enumerate(statuses)), strict=strict))
    assert verdict_of(doc) == word
    assert f'<div class="banner {word.lower()}" id="verdict" role="status">' in doc
    assert f"<strong>{summary}</strong>" in doc
    assert f"<title>tusz-guard check: {word}</title>" in doc
    assert ("(strict: warnings block)" in doc) is strict


def test_strict_report_is_titled_blocked_by_itself() -> None:
    """Regression: render_html took its own strict=False, so a strict, exit-1 report was titled PASS."""
    strict = report((finding("pass", "a"), finding("warn", "b")), strict=True)
    assert strict.exit_code == 1
    assert verdict_of(render_html(strict)) == "BLOCKED"


def test_banner_counts_every_status() -> None:
    doc = render_html(report((finding("pass", "a"), finding("fail", "b"), finding("fail", "c"), finding("skip", "d"))))
    assert '<p class="counts">1 pass \u00b7 0 warn \u00b7 2 fail \u00b7 0 error \u00b7 1 skip</p>' in doc


# --- checks table ------------------------------------------------------------------------------

def test_checks_table_rows_in_engine_order_with_details() -> None:
    f1 = finding("fail", "cache.coverage", title="Cache covers", message="246 of 3,734 cached",
                 details={"missing": ["train/a.edf", "train/b.edf"]})
    f2 = finding("pass", "split.disjoint", title="Disjoint", message="no shared patient")
    doc = render_html(report((f1, f2)))
    rows = re.findall(r'<tr class="s-(\w+)" id="check-([\w.-]+)">', doc)
    assert rows == [("fail", "cache-coverage"), ("pass", "split-disjoint")]
    assert "<details><summary>details (1 key)</summary>" in doc
    assert "<li><code>train/a.edf</code></li><li><code>train/b.edf</code></li>" in doc
    assert doc.count("<details>") == 1      # no empty details for a finding without any


def test_details_lists_are_bounded() -> None:
    doc = render_html(report((finding("fail", details={"missing": [f"f{i}.edf" for i in range(75)]}),)))
    assert doc.count("<li><code>f") == 50
    assert "\u2026 and 25 more (see the JSON report)" in doc


def test_filter_chips_only_for_present_statuses() -> None:
    doc = render_html(report((finding("pass", "a"), finding("fail", "b"), finding("fail", "c"))))
    chips = re.findall(r'<label for="f-(\w+)" class="chip chip-\w+">\w+ <b>(\d+)</b></label>', doc)
    assert chips == [("all", "3"), ("pass", "1"), ("fail", "2")]


def test_unknown_status_gets_a_neutral_class() -> None:
    doc = render_html(report((finding("bogus"),)))
    assert '<span class="badge b-unknown">bogus</span>' in doc
    assert '<tr class="s-unknown"' in doc


# --- charts ------------------------------------------------------------------------------------

def test_funnel_from_totals_and_sentences() -> None:
    doc = render_html(report(totals=TOTALS, funnel=("train/: 4,667 found -> 933 assigned to val",)))
    assert "<ol class=\"lines\"><li>train/: 4,667 found -&gt; 933 assigned to val</li></ol>" in doc
    assert "3,600 of 3,734 included" in doc and "933 of 933 included" in doc
    # transposed: a column per role, a row per count (as narrow as the roles, however many reasons)
    assert ("<tr><th scope=\"row\">found</th><td class=\"num\">3,734</td><td class=\"num\">933</td></tr>"
            "<tr><th scope=\"row\">excluded: no_annotations</th><td class=\"num\">12</td><td class=\"num\">0</td>"
            "</tr>") in doc
    assert ("<tr><th scope=\"row\">included</th><td class=\"num\">3,600</td><td class=\"num\">933</td>"
            "</tr>") in doc
    assert "<title>train \u00b7 too_short: 122</title>" in doc


def test_coverage_and_windows_fall_back_to_totals() -> None:
    doc = render_html(report(totals=TOTALS))
    assert "246 current, 0 stale, 3,354 missing" in doc
    assert "<title>train \u00b7 expected \u00b7 expected: 252,089</title>" in doc
    assert "<title>train \u00b7 cached \u00b7 cached: 17,000</title>" in doc


def test_sections_are_drawn_when_given() -> None:
    sections = {"coverage": {"train": {"current": 200, "stale": 46, "missing": 3354}},
                "windows": {"train": {"expected": 100, "cached": 90, "seizure": 7}},
                "labels": {"fnsz": 90.0, "bckg": 7200.0, "mysz": 30.0},
                "label_kinds": {"fnsz": "seizure", "bckg": "background"},
                "archive": {"path": "cache.tar.zst", "entries": 246, "problems": ["prefix cache/train/"]}}
    doc = render_html(report(totals=TOTALS, sections=sections))
    assert "200 current, 46 stale, 3,354 missing" in doc
    assert "<title>train \u00b7 seizure \u00b7 seizure: 7</title>" in doc
    labels = re.findall(r'<text class="lbl"[^>]*>(\w+)<title>', doc.split('id="labels"')[1].split("</section>")[0])
    assert labels == ["bckg", "fnsz", "mysz"]                     # longest first
    assert '<rect class="c-background"' in doc and '<rect class="c-label"' in doc   # mysz has no kind
    assert "2.00 h" in doc and "1.5 min" in doc and "30.0 s" in doc
    assert '<a href="#archive">Archive</a>' in doc
    assert '<th scope="row">entries</th><td><span class="num">246</span></td>' in doc


def test_absent_sections_render_notes() -> None:
    doc = render_html(report((finding(),)))
    for note in ("No corpus totals in this report.", "No cache coverage data in this report.",
                 "No window counts in this report.", "No label distribution in this report.",
                 "No config in this report."):
        assert note in doc
    assert 'id="archive"' not in doc and 'href="#archive"' not in doc


@pytest.mark.parametrize("sections", [
    {"labels": "not a mapping", "coverage": [1, 2], "windows": None, "archive": 7, "label_kinds": ["x"]},
    {"labels": {"fnsz": "12s"}, "coverage": {"train": {"current": "lots"}}, "windows": {"train": {"expected": None}}},
])
def test_malformed_sections_never_raise(sections: dict[str, Any]) -> None:
    doc = render_html(report((finding(),), totals=TOTALS, sections=sections))
    assert verdict_of(doc) == "PASS"


# --- configs -----------------------------------------------------------------------------------

def test_configs_side_by_side_highlight_differences() -> None:
    smoke = config("smoke", **{"data.cache_dir": "cache/train", "data.file_limit": 50, "pre.bandpass": [0.5, 120]})
    full = config("full", **{"data.cache_dir": "cache/tusz", "pre.bandpass": [0.5, 120]})
    doc = render_html(report(configs=(smoke, full)))
    rows = {k.replace("<wbr>", ""): v
            for v, k in re.findall(r'<tr class="(diff|same)"><th scope="row"><code>([\w.<>]+)</code>', doc)}
    assert '<code>data.<wbr>cache_dir</code>' in doc          # long keys wrap at dots
    assert rows == {"path": "diff", "name": "diff", "kind": "same", "data_dir": "same", "cache_dir": "same",
                    "fingerprint": "same", "data.cache_dir": "diff", "data.file_limit": "diff",
                    "pre.bandpass": "same"}
    assert "show only the 4 differing keys of 9" in doc
    assert '<td class="muted">(not set)</td>' in doc
    assert "<td><code>[0.5, 120]</code></td>" in doc


def test_single_config_has_no_toggle_and_no_diff() -> None:
    doc = render_html(report(configs=(config("full", **{"a.b": 1}),)))
    assert 'id="only-diff"' not in doc
    assert '<tr class="diff">' not in doc


# --- escaping and self-containment -------------------------------------------------------------

def hostile(field: str) -> str:
    return f'<script>alert("{field}")</script>"\'><img src=http://evil.invalid/{field}.png onerror=x>&amp;'


def hostile_report() -> Report:
    """A report in which every string a renderer shows carries a script and an external image."""
    h = hostile
    f = Finding(id=h("id"), status=h("status"), title=h("title"), message=h("message"),  # type: ignore[arg-type]
                details={h("dkey"): [h("dlist")], "nested": {h("nkey"): h("nval")}})
    cfg = ConfigSummary(path=h("cpath"), name=h("cname"), kind=h("ckind"), data_dir=h("cdata"), cache_dir=h("ccache"),
                        fingerprint=h("cfp"), values={h("vkey"): h("vval"), "list": [h("vlist")]})
    totals = {h("role"): {"found": 3, "included": 1, "excluded": {h("reason"): 2}, "cached": 1,
                          "would_process_live": 0, "windows_expected": 5, "windows_cached": 5}}
    sections = {"labels": {h("label"): 12.0}, "label_kinds": {h("label"): h("kind")},
                "coverage": {h("covrole"): {"current": 1, "stale": 0, "missing": 0}},
                "windows": {h("winrole"): {"expected": 1, "cached": 1, "seizure": 0}},
                "archive": {h("akey"): h("aval"), "problems": [h("aprob")]}}
    return Report(findings=(f,), configs=(cfg,), cache_dir=h("cache_dir"), fingerprint=h("fp"), totals=totals,
                  funnel=(h("funnel"),), sections=sections, generated_at=h("when"), tool_version=h("version"))


FIELDS = ("id", "status", "title", "message", "dkey", "dlist", "nkey", "nval", "cpath", "cname", "ckind", "cdata",
          "ccache", "cfp", "vkey", "vval", "role", "reason", "label", "covrole", "winrole", "akey", "aval",
          "aprob", "cache_dir", "fp", "funnel", "when", "version")


def test_every_field_is_escaped_and_shown_as_text() -> None:
    doc = render_html(hostile_report())
    parsed = parse(doc)
    assert set(parsed.tags) <= ALLOWED_TAGS
    assert not [k for k, _ in parsed.attrs if k.startswith("on") or k in {"src", "srcset", "style", "action"}]
    assert "<script" not in doc and "<img" not in doc
    text = "".join(parsed.text)
    missing = [f for f in FIELDS if hostile(f) not in text]
    assert missing == []
    assert json.dumps([hostile("vlist")]) in text           # non-string config values are shown as JSON


def test_svg_text_and_attributes_are_escaped() -> None:
    svg = stacked_bars([Bar('"><script>x</script>', (Segment("<b>", 3, 'c-x" onload="y'),), note="<i>")],
                       title='t"><script>')
    assert "<script>" not in svg and 'onload="' not in svg
    assert 'aria-label="t&quot;&gt;&lt;script&gt;"' in svg
    assert '<rect class="c-x--onload--y"' in svg
    assert ">&lt;i&gt;</text>" in svg


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_arbitrary_text_never_adds_markup(message: str, label: str) -> None:
    doc = render_html(report((finding("fail", message=message),), sections={"labels": {label: 5.0}}))
    assert set(parse(doc).tags) <= ALLOWED_TAGS
    assert f'<p class="msg">{esc(message)}</p>' in doc


def test_no_external_reference_anywhere() -> None:
    plain = render_html(report((finding("fail", details={"k": [1]}),), totals=TOTALS,
                               configs=(config("a", x=1), config("b", x=2)), sections={"labels": {"fnsz": 1.0}}))
    assert set(re.findall(r"[\w-]*:?//[^\s\"'<>]*", plain)) == {"http://www.w3.org/2000/svg"}
    assert "<link" not in plain and "@import" not in plain and "url(" not in plain
    doc = render_html(hostile_report())
    refs = [(k, v) for k, v in parse(doc).attrs if re.search(r"//|javascript:|data:", v)]
    assert refs == [("xmlns", "http://www.w3.org/2000/svg")] * doc.count("<svg ")
    assert "<link" not in doc and "@import" not in doc and "url(" not in doc
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;; '
            "style-src &#x27;unsafe-inline&#x27;; base-uri &#x27;none&#x27;; "
            'form-action &#x27;none&#x27;">') in doc


# --- helpers -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [(3734, "3,734"), (2.0, "2"), (1234.56, "1,234.6"), (True, "True"),
                                              ("x", "x"), (None, "None")])
def test_fmt_num(value: Any, text: str) -> None:
    assert fmt_num(value) == text


def test_css_class_keeps_only_safe_characters() -> None:
    assert css_class('c-R1" x') == "c-r1--x"
    assert css_class("") == "x"


def test_empty_chart_has_no_division_by_zero() -> None:
    svg = stacked_bars([Bar("train", (Segment("included", 0, "c-included"),), "0 of 0")], title="t")
    assert "<rect class=\"c-included\"" not in svg
    assert svg.count('<rect class="track"') == 1


def test_screenshot_without_playwright_is_a_guard_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(GuardError, match="the screenshot needs the playwright package"):
        screenshot(tmp_path / "r.html", tmp_path / "r.png")


def test_screenshot_of_a_missing_file_is_a_guard_error(tmp_path: Any) -> None:
    pytest.importorskip("playwright.sync_api")
    with pytest.raises(GuardError, match="r.html does not exist"):
        screenshot(tmp_path / "r.html", tmp_path / "r.png")


# --- the recordings table ----------------------------------------------------------------------

def _hostile_rows() -> tuple[dict[str, Any], ...]:
    h = hostile
    return ({"path": h("rpath"), "role": h("rrole"), "split": "train", "patient": "p", "status": h("rstatus"),
             "reason": h("rreason"), "notes": [h("rnote")], "cache": h("rcache"), "cache_reason": None,
             "windows_expected": 3, "windows_cached": 0, "seizure_seconds": 0.0, "header_defects": []},)


def test_recording_rows_are_escaped_and_the_only_script_is_ours() -> None:
    from tusz_guard.report.html_recordings import SCRIPT, SCRIPT_HASH

    doc = render_html(Report((finding("fail"),), (), "/c", "fp", {}, recordings=_hostile_rows()))
    text = "".join(parse(doc).text)
    assert [f for f in ("rpath", "rrole", "rstatus", "rreason", "rnote", "rcache") if hostile(f) not in text] == []
    assert doc.count("<script") == 1 and f"<script>{SCRIPT}</script>" in doc
    import base64
    import hashlib
    assert SCRIPT_HASH == base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src &#x27;sha256-{SCRIPT_HASH}&#x27;" in doc
    assert "default-src &#x27;none&#x27;" in doc


def test_no_recordings_no_table_and_no_script() -> None:
    doc = render_html(report((finding("fail"),)))
    assert 'id="recordings"' not in doc and "<script" not in doc and "script-src" not in doc


def test_a_finding_links_to_its_rows_only_when_it_did_not_pass() -> None:
    links = {"recording_links": {"cache.coverage": [{"filter": {"cache": "missing", "role": "train", "x": "y"},
                                                     "label": "train missing", "n": 12}]}}
    rows = _hostile_rows()
    bad = render_html(Report((Finding("cache.coverage", "fail", "t", "m"),), (), "/c", "fp", {}, sections=links,
                             recordings=rows))
    assert ('<a class="rowlink" href="#recordings" data-filter="{&quot;cache&quot;: &quot;missing&quot;, '
            '&quot;role&quot;: &quot;train&quot;}">12 train missing</a>') in bad
    good = render_html(Report((Finding("cache.coverage", "pass", "t", "m"),), (), "/c", "fp", {}, sections=links,
                              recordings=rows))
    assert 'class="rowlink"' not in good


def test_recording_paths_wrap_at_their_folders() -> None:
    row = {**_hostile_rows()[0], "path": "train/aaaaaajy/s001_2003/01_tcp_ar/aaaaaajy_s001_t000.edf"}
    doc = render_html(Report((finding("fail"),), (), "/c", "fp", {}, recordings=(row,)))
    assert "train/<wbr>aaaaaajy/<wbr>s001_2003/<wbr>01_tcp_ar/<wbr>aaaaaajy_s001_t000.edf" in doc
