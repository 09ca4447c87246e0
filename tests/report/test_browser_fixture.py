"""The browser fixture never installs anything: absent browser -> skip, or fail when CI requires it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("report_conftest", Path(__file__).with_name("conftest.py"))
assert _spec is not None and _spec.loader is not None
conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conftest)


def test_absent_browser_skips_with_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match=r"missing; install it with `apt-get install -y chromium`"):
        conftest.browser_or_reason(str(tmp_path / "chromium"), require=False)


def test_absent_browser_fails_when_required(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="TUSZ_GUARD_REQUIRE_BROWSER=1"):
        conftest.browser_or_reason(str(tmp_path / "chromium"), require=True)


def test_present_browser_is_returned(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("")
    assert conftest.browser_or_reason(str(browser), require=True) == str(browser)


def test_fixture_never_runs_a_package_manager() -> None:
    source = Path(conftest.__file__).read_text()
    assert "subprocess" not in source and "apt-get install\", " not in source
