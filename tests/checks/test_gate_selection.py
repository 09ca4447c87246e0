"""--select / --skip reach the Great Expectations suites too; the default runs them, as train does."""
from __future__ import annotations

from pathlib import Path

from tusz_guard.app.preflight import preflight
from tusz_guard.config import load_config


def test_select_a_suite_runs_only_that_suite(project: Path) -> None:
    report = preflight(load_config(project / "configs" / "train.yaml"), select=["expectations.recordings"])
    assert [f.id for f in report.findings] == ["expectations.recordings"]
    assert report.findings[0].status == "pass"


def test_skip_suites_keeps_the_checks(project: Path) -> None:
    report = preflight(load_config(project / "configs" / "train.yaml"), select=["cache.*", "expectations.*"],
                       skip=["expectations.windows"])
    ids = [f.id for f in report.findings]
    assert ids[:5] == ["cache.fingerprint", "cache.coverage", "cache.disk_space", "cache.index", "cache.integrity"]
    assert sorted(ids[5:]) == ["expectations.cache_entries", "expectations.recordings"]


def test_default_runs_the_suites_and_no_expectations_does_not(project: Path) -> None:
    cfg = load_config(project / "configs" / "train.yaml")
    with_suites = {f.id for f in preflight(cfg).findings}
    without = {f.id for f in preflight(cfg, expectations=False).findings}
    assert with_suites - without == {"expectations.cache_entries", "expectations.recordings", "expectations.windows"}
