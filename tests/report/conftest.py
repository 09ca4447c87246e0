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
