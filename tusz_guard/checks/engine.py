"""Run checks: discover the registered ones, select/skip by glob, fail-fast on request, a crash becomes `error`."""
from __future__ import annotations

import difflib
import fnmatch
import importlib
import pkgutil
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import tusz_guard.checks
from tusz_guard.checks.base import REGISTRY, Check
from tusz_guard.errors import GuardError
from tusz_guard.results import STATUSES, Finding, Outcome, blocks

if TYPE_CHECKING:
    from tusz_guard.archive.verify import ArchiveView
    from tusz_guard.checks.snapshot import Snapshot
    from tusz_guard.storage.verify_copy import CopyView

CONFIG_CHECKS = "config.*"
CHECK_MODULE_SUFFIX = "_checks"
# Report order: cheap, upstream causes first, so the first failure read is usually the root cause.
FAMILY_ORDER = ("config", "corpus", "labels", "splits", "cache", "windows", "run", "archive", "expectations", "copy")


def load_checks(family: str | None = None) -> None:
    """Import every tusz_guard/checks/*_checks.py module: a new check needs a new module, no import list.

    With `family`, only <family>_checks.py when it exists (archive_checks.py: verify-archive's light start);
    a family without a module of its name (windows, labels, splits) loads them all."""
    names = [i.name for i in pkgutil.iter_modules(tusz_guard.checks.__path__) if i.name.endswith(CHECK_MODULE_SUFFIX)]
    own = [name for name in names if family is not None and name == f"{family}{CHECK_MODULE_SUFFIX}"]
    for name in own or names:
        importlib.import_module(f"tusz_guard.checks.{name}")


def registered(family: str | None = None) -> list[Check]:
    """The static checks (of one family: without importing the other families' modules), in report order."""
    load_checks(family)
    return ordered(c for c in REGISTRY.values() if family in (None, c.family))


def ordered(checks: Iterable[Check]) -> list[Check]:
    """Report order: by family (FAMILY_ORDER), then registration order within a family."""
    def rank(c: Check) -> int:
        return FAMILY_ORDER.index(c.family) if c.family in FAMILY_ORDER else len(FAMILY_ORDER)
    return sorted(checks, key=rank)


def all_ids() -> list[str]:
    """Every static check id in report order."""
    return [c.id for c in registered()]


def choose(checks: Iterable[Check], select: Iterable[str] = (), skip: Iterable[str] = ()) -> list[Check]:
    """Checks matching any --select glob (all when none) and no --skip glob; an unknown pattern is exit 2."""
    pool = ordered(checks)
    select, skip = list(select), list(skip)
    ids = [c.id for c in pool]
    for pattern in select + skip:
        if not fnmatch.filter(ids, pattern):
            raise GuardError(f"no check id matches '{pattern}'", hint=did_you_mean(pattern, ids))
    return [c for c in pool
            if (not select or any(fnmatch.fnmatchcase(c.id, p) for p in select))
            and not any(fnmatch.fnmatchcase(c.id, p) for p in skip)]


def did_you_mean(pattern: str, ids: list[str]) -> str:
    """'did you mean ...?' over the ids and their families, else the list of ids."""
    families = sorted({i.split(".", 1)[0] + ".*" for i in ids})
    close = difflib.get_close_matches(pattern, ids + families, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'? (`tusz-guard check --list` lists every id)"
    return f"known ids: {', '.join(ids)}"


def run_checks(inputs: Snapshot | ArchiveView | CopyView, checks: list[Check], fail_fast: bool = False,
               strict: bool = False) -> list[Finding]:
    """One Finding per check, in order; after the first blocking one under fail_fast, the rest are skipped."""
    findings: list[Finding] = []
    stopped_by: str | None = None
    for c in checks:
        if stopped_by is not None:
            findings.append(Finding(c.id, "skip", c.title, f"not run: --fail-fast stopped after {stopped_by}"))
            continue
        finding = run_one(inputs, c)
        findings.append(finding)
        if fail_fast and blocks(finding, strict):
            stopped_by = c.id
    return findings


def run_one(inputs: Snapshot | ArchiveView | CopyView, c: Check) -> Finding:
    """Run one check; a missing input skips it, an exception becomes an `error` finding (never a traceback)."""
    arg, missing = _argument(inputs, c)
    if missing is not None:
        return Finding(c.id, "skip", c.title, missing)
    start = time.perf_counter()
    try:
        outcome = c.fn(arg)
        if not isinstance(outcome, Outcome) or outcome.status not in STATUSES:
            raise TypeError(f"check returned {outcome!r}, not an Outcome with a known status")
    except Exception as exc:  # a crashing check must not hide the others
        return Finding(c.id, "error", c.title, f"the check crashed: {exc.__class__.__name__}: {exc} "
                       "(a bug in tusz-guard; the other checks still ran)",
                       {"exception": exc.__class__.__name__}, time.perf_counter() - start)
    return Finding(c.id, outcome.status, c.title, outcome.message, outcome.details, time.perf_counter() - start)


def _instance(obj: object, module: str, name: str) -> bool:
    """isinstance without importing the class's module: an instance exists only once its module is imported
    (verify-archive never imports the snapshot's or the copy's machinery)."""
    mod = sys.modules.get(module)
    return mod is not None and isinstance(obj, getattr(mod, name))


def _argument(inputs: Snapshot | ArchiveView | CopyView, c: Check) -> tuple[Any, str | None]:
    """What the check's function takes, or why it cannot run."""
    is_copy = _instance(inputs, "tusz_guard.storage.verify_copy", "CopyView")
    if c.takes == "copy":
        return (inputs, None) if is_copy else (None, "not run: no copy was given")
    if is_copy:
        return None, "not run: verify-copy judges a copy only"
    snapshot = cast("Snapshot", inputs) if _instance(inputs, "tusz_guard.checks.snapshot", "Snapshot") else None
    if c.takes == "archive":
        view = snapshot.archive if snapshot is not None else cast("ArchiveView", inputs)
        if view is None:
            return None, "not run: no archive was given"
        if "ledger" in c.needs and view.expect is None:
            return None, "not checked: no --config given"
        return view, None
    if snapshot is None:
        return None, "not run: no config was given"
    return snapshot, _missing_input(snapshot, c)


def _missing_input(snapshot: Snapshot, c: Check) -> str | None:
    if "ledger" in c.needs and snapshot.ledger is None:
        reason = snapshot.ledger_error or "the corpus was not scanned (config checks only)"
        return f"not run: {reason}"
    if "cache" in c.needs and snapshot.cache is None:
        return "not run: the cache was not read (config checks only)"
    if "suites" in c.needs and c.id not in snapshot.suites:
        return "not run: the suite was not evaluated"
    return None
