"""The pytest plugin, the pre-commit hook and the JUnit report take a pipeline's own config unchanged."""
from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from tests.ecosystem.test_ecosystem_plugin import _lines, _pytest
from tests.pipeline.conftest import Origin
from tusz_guard.cli import run
from tusz_guard.hooks import check_configs


def test_the_pytest_plugin_runs_the_pipeline_checks(incident: Origin) -> None:
    done = _pytest(incident.root, "--tusz-guard", "configs/local/train.yaml", "--tusz-guard-select", "config.*")
    assert done.returncode == 1, done.stdout
    assert _lines(done, "FAILED") == [
        "FAILED configs/local/train.yaml::config.paths - FAIL config.paths: Effective paths (defaults included) and "
        "no second cache path",
        "FAILED configs/local/train.yaml::config.consistency - FAIL config.consistency: Configs that share "
        "preprocessing share one cache, and only those"]


def test_the_hook_blocks_a_second_cache_key(incident: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_configs([str(incident.root / "configs/local/train.yaml")], quiet=True) == 1
    assert "experiment.cache_dir = cache/full_training names a different cache" in capsys.readouterr().out


def test_junit_names_the_same_check_ids(incident: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    out = incident.root / "check.xml"
    assert run(["check", str(incident.root / "configs/local/train.yaml"), "--no-expectations", "--format", "junit",
                "-o", str(out)]) == 1
    failed = [c.get("name") for c in ET.parse(out).getroot().iter("testcase") if c.find("failure") is not None]
    assert failed == ["config.paths", "config.consistency", "cache.coverage"]
