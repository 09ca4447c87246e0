"""The browser the HTML tests render in: Debian's chromium. Tests never install it (.ci/run does)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tusz_guard.report.html_shot import CHROMIUM

# .ci/run sets this: in CI a missing browser is a failure, never a silent skip.
REQUIRE_ENV = "TUSZ_GUARD_REQUIRE_BROWSER"


def browser_or_reason(path: str = CHROMIUM, require: bool | None = None) -> str:
    """The browser path; skip (or fail under TUSZ_GUARD_REQUIRE_BROWSER=1) when it is absent."""
    if require is None:
        require = os.environ.get(REQUIRE_ENV) == "1"
    if Path(path).is_file():
        return path
    reason = f"{path} is missing; install it with `apt-get install -y chromium` (.ci/run does)"
    if require:
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a working chromium; never installs anything (installing belongs to .ci/run)."""
    return browser_or_reason()


@pytest.fixture(scope="session")
def built_report_project(tiny_clean_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """project/configs/train.yaml over the clean tiny corpus with cache/tusz built for train and val (read-only)."""
    import yaml

    from tusz_guard.cli import run

    project = tmp_path_factory.mktemp("report-built") / "project"
    (project / "configs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    config = project / "configs" / "train.yaml"
    config.write_text(yaml.safe_dump({"experiment": {"name": "tusz_train", "kind": "full", "output_dir": "results"},
                                      "data": {"data_dir": str(tiny_clean_corpus / "edf"), "cache_dir": "cache/tusz"}}))
    assert run(["build-cache", str(config), "--workers", "1"]) == 0
    return project


@pytest.fixture
def report_project(built_report_project: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the built project."""
    import shutil

    return Path(shutil.copytree(built_report_project, tmp_path / "project"))
