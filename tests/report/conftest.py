"""The browser the HTML tests render in: Debian's chromium, installed when missing and possible."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tusz_guard.report.html_shot import CHROMIUM

# .ci/run sets this: in CI a missing browser is a failure, never a silent skip.
REQUIRE = os.environ.get("TUSZ_GUARD_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason} (TUSZ_GUARD_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a working chromium; installs the Debian package as root when it is missing."""
    if not Path(CHROMIUM).is_file():
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            _unavailable(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
                         "run `apt-get install -y chromium`")
        done = subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, text=True, timeout=900)
        if done.returncode != 0 or not Path(CHROMIUM).is_file():
            _unavailable(f"apt-get install -y chromium failed: {done.stderr.strip()[-300:]}")
    return CHROMIUM
