"""expectations.<suite>: each Great Expectations suite file is a check like the others.

Suites are files a user edits, so these checks are made per run from the suite folder (reading a suite
file imports no Great Expectations). The suites themselves are evaluated once by the snapshot adapter
(app/preflight.py: tables from the same ledger and cache view as every other check); each check here
only returns its suite's outcome.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tusz_guard.checks.base import Check
from tusz_guard.results import Outcome

if TYPE_CHECKING:
    from tusz_guard.checks.snapshot import Snapshot
    from tusz_guard.expect.suites import SuiteFile

FAMILY = "expectations"


def suite_id(name: str) -> str:
    return f"{FAMILY}.{name}"


def suite_checks(suites: list[SuiteFile]) -> list[Check]:
    """One check per suite file, in file order."""
    return [Check(suite_id(s.name), f"Great Expectations suite {s.name}", _reader(suite_id(s.name)), ("suites",))
            for s in suites]


def _reader(check_id: str) -> Callable[[Snapshot], Outcome]:
    def outcome(s: Snapshot) -> Outcome:
        return s.suites[check_id]
    return outcome
