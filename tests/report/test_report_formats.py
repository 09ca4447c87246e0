"""JSON, JUnit (validated against tests/report/xunit2.xsd) and text renderings of a fixed Report; report writing."""
from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from tusz_guard.errors import GuardError
from tusz_guard.report import write_reports
from tusz_guard.report.json_report import render_json
from tusz_guard.report.junit import render_junit
from tusz_guard.report.text import render_text
from tusz_guard.results import ConfigSummary, Finding, Report

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
XSD = xmlschema.XMLSchema(HERE / "xunit2.xsd")
# UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing it.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def sample_report(strict: bool = False, findings: tuple[Finding, ...] | None = None) -> Report:
    default = (
        Finding("config.paths", "pass", "Effective paths", "cache_dir /p/cache/tusz", {"n": 1}, 0.001),
        Finding("corpus.headers", "warn", "EDF headers", "1 tolerated header defect(s)", {}, 0.002),
        Finding("cache.coverage", "fail", "Coverage", "cache/tusz does not exist: 3,734 recording(s) would be "
                "processed live; cache/train holds 246 of 3,734 needed recordings <&>", {"missing": 3734}, 0.25),
        Finding("labels.parse", "error", "Parse", "the check crashed: KeyError: 'x'", {}, 0.0),
        Finding("cache.index", "skip", "Index", "cache/tusz does not exist"),
    )
    return Report(
        findings=default if findings is None else findings,
        configs=(ConfigSummary("configs/train.yaml", "tusz_train", "full", "/p/data/edf", "/p/cache/tusz",
                               "3f9c2a4b1d0e7f65", {"data.cache_dir": "cache/tusz"}),),
        cache_dir="/p/cache/tusz", fingerprint="3f9c2a4b1d0e7f65",
        totals={"train": {"found": 4667, "included": 3734, "excluded": {"too_short": 933}, "cached": 0,
                          "would_process_live": 3734, "windows_expected": 252089, "windows_cached": 0,
                          "seizure_seconds": 174960.0}},
        funnel=("train/: 4,667 found -> 933 excluded (too_short 933) -> 3,734 train",),
        sections={"coverage": {"train": {"current": 0, "stale": 0, "missing": 3734}}},
        generated_at="2026-11-28T17:00:00Z", tool_version="0.1.0", strict=strict)


def _golden(name: str, text: str) -> str:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    return path.read_text()


def test_json_matches_golden() -> None:
    text = render_json(sample_report())
    assert text == _golden("check.json", text)
    doc = json.loads(text)
    assert list(doc)[:7] == ["schema", "status", "configs", "cache_dir", "fingerprint", "checks", "totals"]
    assert doc["schema"] == "tusz-guard/check/v2" and doc["status"] == "fail"
    assert set(doc["checks"][0]) >= {"id", "status", "title", "message", "details"}


def test_junit_matches_golden_and_validates_against_xunit2() -> None:
    text = render_junit(sample_report())
    assert text == _golden("check.xml", text)
    XSD.validate(text)
    root = ET.fromstring(text)
    suite = root.find("testsuite")
    assert suite is not None
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == \
        {"tests": "5", "failures": "1", "errors": "1", "skipped": "1"}
    case = suite.find("testcase[@name='cache.coverage']")
    assert case is not None and case.find("failure").get("message").endswith("<&>")  # type: ignore[union-attr]


def test_the_xsd_rejects_what_xunit2_forbids() -> None:
    two_outcomes = ('<testsuites><testsuite name="s" tests="1"><testcase classname="c" name="n">'
                    '<failure message="a"/><error message="b"/></testcase></testsuite></testsuites>')
    assert not XSD.is_valid(two_outcomes)
    assert not XSD.is_valid('<testsuites><testsuite tests="1"/></testsuites>')      # a suite needs a name


def test_junit_strict_turns_warnings_into_failures() -> None:
    root = ET.fromstring(render_junit(sample_report(strict=True)))
    case = root.find("testsuite/testcase[@name='corpus.headers']")
    assert case is not None and case.find("failure") is not None
    assert root.find("testsuite").get("failures") == "2"  # type: ignore[union-attr]


@pytest.mark.parametrize("findings", [(), (Finding("cache.index", "skip", "Index", "not run"),)])
def test_junit_with_no_executed_check_is_an_error(findings: tuple[Finding, ...]) -> None:
    text = render_junit(sample_report(findings=findings))
    XSD.validate(text)
    root = ET.fromstring(text)
    assert root.find("testsuite").get("errors") == "1"  # type: ignore[union-attr]
    assert root.find("testsuite/testcase[@name='tusz-guard.run']/error").get("message") == "no check was executed"  # type: ignore[union-attr]


def test_text_puts_the_cache_path_first_and_a_summary_last() -> None:
    lines = render_text(sample_report()).splitlines()
    assert lines[0] == "cache_dir: /p/cache/tusz  (fingerprint 3f9c2a4b1d0e7f65)"
    assert "FAIL  cache.coverage  cache/tusz does not exist: 3,734 recording(s) would be processed live; " \
           "cache/train holds 246 of 3,734 needed recordings <&>" in lines
    assert "  train   4,667    3,734       0    3,734   252,089         0  174,960.0" in lines
    assert lines[-1] == "BLOCKED: 1 passed, 1 warning(s), 1 failed, 1 error(s), 1 skipped"


def test_write_reports_writes_stamped_and_latest_files(tmp_path: Path) -> None:
    paths = write_reports(sample_report(), ["json", "junit"], None, tmp_path / "reports")
    names = sorted(p.name for p in paths)
    assert names[2:] == ["latest.json", "latest.xml"]
    assert names[0].startswith("check-") and names[0].endswith(".json")
    assert (tmp_path / "reports" / "latest.json").read_text() == render_json(sample_report())
    assert not list((tmp_path / "reports").glob(".*.tmp"))


def test_write_reports_to_one_path(tmp_path: Path) -> None:
    assert write_reports(sample_report(), ["junit"], tmp_path / "a" / "j.xml", None) == [tmp_path / "a" / "j.xml"]
    with pytest.raises(GuardError, match="-o takes exactly one file format"):
        write_reports(sample_report(), ["json", "junit"], tmp_path / "x", None)


def test_junit_changes_are_properties_and_still_validate() -> None:
    from dataclasses import replace

    changes = {"previous": {"path": "reports/history/x.json", "generated_at": "2026-11-27T00:00:00Z",
                            "status": "pass"}, "status": {"from": "pass", "to": "fail"},
               "newly_failing": [{"id": "cache.coverage", "from": "pass", "to": "fail"}],
               "counts": [{"key": "train.cached", "from": 246, "to": 0}]}
    text = render_junit(replace(sample_report(), changes=changes))
    XSD.validate(text)
    props = {p.get("name"): p.get("value") for p in ET.fromstring(text).iter("property")}
    assert props["changes.previous"] == "reports/history/x.json"
    assert props["changes.newly_failing"] == "cache.coverage"
    assert props["changes.summary"].splitlines() == ["since 2026-11-27T00:00:00Z (pass -> fail):",
                                                     "newly failing: cache.coverage (pass -> fail)",
                                                     "counts: train.cached 246 -> 0"]
    assert "changes.previous" not in render_junit(sample_report())
