"""pytest plugin: `pytest --tusz-guard configs/train.yaml` turns every check into a test item named by its id.

Registered through the `pytest11` entry point. Without --tusz-guard it adds no items, markers or header
lines, and at load time it imports nothing from tusz-guard (the checks are imported when first needed).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tusz_guard.checks.base import Check
    from tusz_guard.checks.snapshot import Snapshot
    from tusz_guard.config import LoadedConfig
    from tusz_guard.results import Finding

MARKER = "tusz_guard"


class GuardWarning(UserWarning):
    """A check that warned: the item passes (unless --tusz-guard-strict) and the warning is listed."""


class CheckFailed(Exception):
    """A check that failed or crashed; its finding is the whole failure report."""

    def __init__(self, finding: Finding, strict: bool) -> None:
        super().__init__(finding.message)
        self.finding = finding
        self.strict = strict


def one_line(exc: BaseException) -> str:
    """Any error as one line: the user's error as the CLI prints it, anything else named as a tusz-guard bug.

    pytest's default report of an exception raised inside a plugin is pages of pytest internals.
    """
    from tusz_guard.errors import GuardError

    if isinstance(exc, GuardError):
        return f"tusz-guard: {_safe(str(exc))}"
    return (f"tusz-guard internal error: {type(exc).__name__}: {_safe(str(exc))} (a bug in tusz-guard; "
            "`tusz-guard check` writes its traceback to a log file)")


def _safe(text: str) -> str:
    # imported when first needed: without --tusz-guard the plugin imports nothing from tusz-guard
    from tusz_guard.textsafe import safe

    return safe(text)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tusz-guard", "tusz-guard preflight checks as test items")
    group.addoption("--tusz-guard", action="append", dest="tusz_guard", default=[], metavar="CONFIG",
                    help="Run every tusz-guard check on CONFIG as a test item (repeat for more configs; the first "
                         "is checked against the corpus and cache). Example: pytest --tusz-guard configs/train.yaml")
    group.addoption("--tusz-guard-select", action="append", dest="tusz_guard_select", default=[], metavar="ID",
                    help="Only these check ids (glob, e.g. 'config.*'); repeatable.")
    group.addoption("--tusz-guard-skip", action="append", dest="tusz_guard_skip", default=[], metavar="ID",
                    help="Leave out these check ids (glob); repeatable.")
    group.addoption("--tusz-guard-strict", action="store_true", dest="tusz_guard_strict",
                    help="A check that warns fails its item.")
    group.addoption("--tusz-guard-deep", action="store_true", dest="tusz_guard_deep",
                    help="Also read every cache entry (finite values, clip range, flat channels).")


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("tusz_guard", default=[]))


def pytest_configure(config: pytest.Config) -> None:
    if _active(config):
        config.addinivalue_line("markers", f"{MARKER}: a tusz-guard preflight check (select with -m {MARKER})")


def pytest_report_header(config: pytest.Config) -> str | None:
    if not _active(config):
        return None
    return f"tusz-guard: {', '.join(config.getoption('tusz_guard'))}"


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselection, so those apply to the check items too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _active(config):
        return
    paths = [_absolute(config, p) for p in config.getoption("tusz_guard")]
    collector = GuardConfig.from_parent(session, path=paths[0], nodeid=_nodeid(config, paths[0]))
    collector.extra = tuple(paths[1:])
    # genitems sends the collect report, so a config that does not load is a normal collection error.
    items.extend(session.genitems(collector))


def _absolute(config: pytest.Config, path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else config.invocation_params.dir / p


def _nodeid(config: pytest.Config, path: Path) -> str:
    return os.path.relpath(path, config.rootpath).replace(os.sep, "/")


class GuardConfig(pytest.File):
    """The primary config; its children are one item per selected check; the snapshot is gathered once."""

    extra: tuple[Path, ...] = ()
    _cfg: LoadedConfig | None = None
    _snapshot: Snapshot | None = None
    _gather_error: str | None = None

    def collect(self) -> list[GuardItem]:
        from tusz_guard.app.preflight import available
        from tusz_guard.checks.engine import choose
        from tusz_guard.pipeline.foreign_config import load_any

        opt = self.config.getoption
        self._cfg = load_any(self.path)
        checks = choose(available(None, []), opt("tusz_guard_select"), opt("tusz_guard_skip"))
        items = [GuardItem.from_parent(self, name=c.id, check=c) for c in checks]
        for item in items:
            item.add_marker(MARKER)
        return items

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return one_line(excinfo.value)

    def finding(self, check: Check) -> Finding:
        """Run one check on the shared snapshot (gathered on first use)."""
        from tusz_guard.checks.engine import run_one
        from tusz_guard.results import Finding

        snapshot = self._gather()
        if snapshot is None:
            return Finding(check.id, "error", check.title, f"cannot gather the snapshot: {self._gather_error}")
        return run_one(snapshot, check)

    def _gather(self) -> Snapshot | None:
        if self._snapshot is None and self._gather_error is None:
            from tusz_guard.checks.snapshot import gather_snapshot
            from tusz_guard.errors import GuardError

            assert self._cfg is not None
            # Scan the corpus and caches only when a check that needs them is still selected (after -k / -m).
            beyond = any(isinstance(i, GuardItem) and not i.check.id.startswith("config.") for i in self.session.items)
            try:
                self._snapshot = gather_snapshot(self._cfg, self.extra, deep=self.config.getoption("tusz_guard_deep"),
                                                 corpus=beyond, caches=beyond)
            except GuardError as exc:
                self._gather_error = str(exc)
            except Exception as exc:     # a bug: every item reports it in one line, not a traceback each
                self._gather_error = one_line(exc)
        return self._snapshot


class GuardItem(pytest.Item):
    """One check: passes, warns (GuardWarning), skips (its inputs are missing) or fails with the finding."""

    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        assert isinstance(self.parent, GuardConfig)
        finding = self.parent.finding(self.check)
        strict = bool(self.config.getoption("tusz_guard_strict"))
        if finding.status == "skip":
            pytest.skip(f"{finding.id}: {finding.message}")
        from tusz_guard.results import blocks

        if blocks(finding, strict):
            raise CheckFailed(finding, strict)
        if finding.status == "warn":
            # Attributed to the config file, not to this module, in pytest's warnings summary.
            warnings.warn_explicit(GuardWarning(f"{finding.id}: {_safe(finding.message)}"), GuardWarning,
                                   filename=str(self.path), lineno=1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            f = excinfo.value.finding
            why = " (--tusz-guard-strict: warnings fail)" if f.status == "warn" else ""
            return f"{f.status.upper()} {f.id}: {f.title}{why}\n{_safe(f.message)}"
        return one_line(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"tusz-guard {self.check.id}"
