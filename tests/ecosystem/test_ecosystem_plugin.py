"""The pytest plugin: every check is a test item named by its id; a failing check fails its item."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import yaml

NO_CORPUS = Path("/nonexistent/tusz")
PLUGIN = ("-p", "tusz_guard.pytest_plugin", "-p", "no:cacheprovider")


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Only our plugin: the user's session is simulated without the plugins installed here (and starts faster).
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "pytest", *PLUGIN, "-rA", "--no-header", *args],
                          cwd=cwd, capture_output=True, text=True, env=env)


def _lines(done: subprocess.CompletedProcess[str], prefix: str) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith(prefix)]


def test_a_failing_check_fails_its_item(make_project) -> None:
    make_project(NO_CORPUS, name="train")
    smoke = make_project(NO_CORPUS, name="smoke", kind="smoke", cache_dir="cache/train", data={"limit_files": 5})
    project = smoke.parents[1]
    done = _pytest(project, "--tusz-guard", "configs/smoke.yaml", "--tusz-guard-select", "config.*",
                   "--junitxml", "junit.xml")
    assert done.returncode == 1, done.stdout
    assert _lines(done, "PASSED") == ["PASSED configs/smoke.yaml::config.schema",
                                      "PASSED configs/smoke.yaml::config.paths",
                                      "PASSED configs/smoke.yaml::config.environment"]
    assert _lines(done, "FAILED") == ["FAILED configs/smoke.yaml::config.consistency - FAIL config.consistency: "
                                      "Configs that share preprocessing share one cache, and only those"]
    cases = {c.get("name"): c for c in ET.parse(project / "junit.xml").getroot().iter("testcase")}
    assert list(cases) == ["config.schema", "config.paths", "config.consistency", "config.environment"]
    assert {c.get("classname") for c in cases.values()} == {"configs.smoke.yaml"}
    failure = cases["config.consistency"].find("failure")
    assert failure is not None
    assert "set data.cache_dir of configs/smoke.yaml to cache/tusz so both use one cache" in failure.get("message", "")


def test_every_check_becomes_an_item_next_to_the_suite(make_project, tiny_corpus) -> None:
    train = make_project(tiny_corpus, name="train")
    project = train.parents[1]
    (project / "test_user.py").write_text("def test_user_code():\n    assert 1 + 1 == 2\n")
    from tusz_guard.app.preflight import available

    ids = [c.id for c in available(None, [])]     # every static check but archive.* (no archive here)
    listed = _pytest(project, "--tusz-guard", "configs/train.yaml", "--collect-only", "-q")
    assert listed.stdout.splitlines()[:len(ids) + 1] == \
        ["test_user.py::test_user_code"] + [f"configs/train.yaml::{i}" for i in ids]
    done = _pytest(project, "--tusz-guard", "configs/train.yaml", "-m", "tusz_guard")
    # No cache was built: coverage blocks, the checks that read the cache index skip.
    assert "FAILED configs/train.yaml::cache.coverage" in "\n".join(_lines(done, "FAILED"))
    assert [line.split(": ", 1)[1] for line in _lines(done, "SKIPPED")] == [
        "cache.fingerprint: no cache metadata in cache/tusz (cache.coverage reports what is missing)",
        "cache.index: cache/tusz does not exist", "cache.integrity: cache/tusz has no indexed entries",
        "run.time_budget: no --time-limit given (e.g. --time-limit 24h for a platform that stops jobs)"]
    assert "test_user_code" not in done.stdout        # -m tusz_guard selects the check items alone
    assert "GuardWarning: corpus.ledger: train 5 of 11 included" in done.stdout


def test_warnings_pass_unless_strict(tmp_path) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    # data.cache_dir unset: config.paths warns that the default is used.
    (tmp_path / "configs" / "train.yaml").write_text(yaml.safe_dump({"data": {"data_dir": str(NO_CORPUS)}}))
    args = ("--tusz-guard", "configs/train.yaml", "--tusz-guard-select", "config.paths")
    done = _pytest(tmp_path, *args)
    assert done.returncode == 0, done.stdout
    assert "configs/train.yaml:1: GuardWarning: config.paths: configs/train.yaml: data.cache_dir is not set" in done.stdout
    strict = _pytest(tmp_path, *args, "--tusz-guard-strict")
    assert strict.returncode == 1
    assert "WARN config.paths: Effective paths (defaults included) and no second cache path " \
           "(--tusz-guard-strict: warnings fail)" in strict.stdout


def test_a_config_that_does_not_load_is_a_collection_error(tmp_path) -> None:
    done = _pytest(tmp_path, "--tusz-guard", "configs/missing.yaml")
    assert done.returncode == 2
    assert "tusz-guard: ==> File " in done.stdout and "config file not found (check the path)" in done.stdout
    assert "Interrupted: 1 error during collection" in done.stdout


def test_k_selects_check_items(make_project) -> None:
    train = make_project(NO_CORPUS, name="train")
    done = _pytest(train.parents[1], "--tusz-guard", "configs/train.yaml", "-k", "schema or paths")
    assert _lines(done, "PASSED") == ["PASSED configs/train.yaml::config.schema", "PASSED configs/train.yaml::config.paths"]
    assert done.returncode == 0


def test_without_the_option_the_plugin_adds_nothing(tmp_path) -> None:
    (tmp_path / "test_user.py").write_text("def test_user_code():\n    pass\n")
    done = _pytest(tmp_path, "--collect-only", "-q", "--markers")
    assert "tusz_guard" not in done.stdout
    done = _pytest(tmp_path, "--collect-only", "-q")
    assert done.stdout.splitlines()[0] == "test_user.py::test_user_code"
    assert "1 test collected" in done.stdout


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    probe = ("import sys, tusz_guard.pytest_plugin\n"
             "print(sorted(m for m in sys.modules if m.startswith(('tusz_guard.', 'numpy', 'pydantic', 'yaml', "
             "'torch', 'mne')) and m != 'tusz_guard.pytest_plugin'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
