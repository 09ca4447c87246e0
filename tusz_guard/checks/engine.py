"""Run registered checks over a snapshot: select/skip by glob, fail-fast on request, a crash becomes `error`."""
from __future__ import annotations

import fnmatch
import time
from collections.abc import Iterable

from tusz_guard.checks import cache_checks, config_checks, corpus_checks, label_checks, split_checks, window_checks  # noqa: F401  (registration)
from tusz_guard.checks.base import REGISTRY, Check, Outcome
from tusz_guard.checks.model import BLOCKING, STATUSES, Finding
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.errors import GuardError

CONFIG_CHECKS = "config.*"
# Report order: cheap, upstream causes first, so the first failure read is usually the root cause.
FAMILY_ORDER = ("config", "corpus", "labels", "splits", "cache", "windows")


def _ordered() -> list[Check]:
    checks = list(REGISTRY.values())
    return sorted(checks, key=lambda c: FAMILY_ORDER.index(c.id.split(".")[0]) if c.id.split(".")[0] in FAMILY_ORDER
                  else len(FAMILY_ORDER))


def all_ids() -> list[str]:
    """Every check id in report order."""
    return [c.id for c in _ordered()]


def choose(select: Iterable[str] = (), skip: Iterable[str] = ()) -> list[Check]:
    """Checks matching any --select glob (all when none) and no --skip glob; unknown patterns are usage errors."""
    select, skip = list(select), list(skip)
    for pattern in select + skip:
        if not fnmatch.filter(REGISTRY, pattern):
            raise GuardError(f"no check id matches '{pattern}'", hint=f"known ids: {', '.join(all_ids())}")
    return [c for c in _ordered()
            if (not select or any(fnmatch.fnmatchcase(c.id, p) for p in select))
            and not any(fnmatch.fnmatchcase(c.id, p) for p in skip)]


def run_checks(snapshot: Snapshot, checks: list[Check], fail_fast: bool = False) -> list[Finding]:
    """One Finding per check, in order; after the first blocking one under fail_fast, the rest are skipped."""
    findings: list[Finding] = []
    stopped_by: str | None = None
    for c in checks:
        if stopped_by is not None:
            findings.append(Finding(c.id, "skip", c.title, f"not run: --fail-fast stopped after {stopped_by}"))
            continue
        finding = run_one(snapshot, c)
        findings.append(finding)
        if fail_fast and finding.status in BLOCKING:
            stopped_by = c.id
    return findings


def run_one(snapshot: Snapshot, c: Check) -> Finding:
    """Run one check; a missing input skips it, an exception becomes an `error` finding (never a traceback)."""
    missing = _missing_input(snapshot, c)
    if missing:
        return Finding(c.id, "skip", c.title, missing)
    start = time.perf_counter()
    try:
        outcome = c.fn(snapshot)
        if not isinstance(outcome, Outcome) or outcome.status not in STATUSES:
            raise TypeError(f"check returned {outcome!r}, not an Outcome with a known status")
    except Exception as exc:  # a crashing check must not hide the others
        return Finding(c.id, "error", c.title, f"the check crashed: {exc.__class__.__name__}: {exc} "
                       "(a bug in tusz-guard; the other checks still ran)",
                       {"exception": exc.__class__.__name__}, time.perf_counter() - start)
    return Finding(c.id, outcome.status, c.title, outcome.message, outcome.details, time.perf_counter() - start)


def _missing_input(snapshot: Snapshot, c: Check) -> str | None:
    if "ledger" in c.needs and snapshot.ledger is None:
        reason = snapshot.ledger_error or "the corpus was not scanned (config checks only)"
        return f"not run: {reason}"
    if "cache" in c.needs and snapshot.cache is None:
        return "not run: the cache was not read (config checks only)"
    return None
