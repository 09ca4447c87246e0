"""The two ways in: the config gate in front of build-cache, and the full preflight in front of train."""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tusz_guard.checks.base import worst
from tusz_guard.checks.engine import CONFIG_CHECKS, choose, run_checks
from tusz_guard.checks.model import BLOCKING, Finding, Report
from tusz_guard.checks.snapshot import Snapshot, gather_config_snapshot, gather_snapshot
from tusz_guard.checks.summary import build_report
from tusz_guard.config import LoadedConfig
from tusz_guard.extras import install_hint, missing
from tusz_guard.progress import Tick

SUITE_PREFIX = "expectations"   # Great Expectations suites report as expectations.<suite>


def config_gate(cfg: LoadedConfig, extra: Iterable[str | Path] = ()) -> Report:
    """config.* checks only (no corpus scan): what build-cache runs before writing anything."""
    snap = gather_config_snapshot(cfg, tuple(extra))
    return build_report(snap, run_checks(snap, choose([CONFIG_CHECKS])))


def preflight(cfg: LoadedConfig, extra: Iterable[str | Path] = (), **options: Any) -> Report:
    """Every selected check over one snapshot (plus expectations.* suites and archive.* findings on request)."""
    return preflight_with_snapshot(cfg, extra, **options)[0]


def preflight_with_snapshot(cfg: LoadedConfig, extra: Iterable[str | Path] = (), *, deep: bool = False,
                            archive: str | Path | None = None, select: Iterable[str] = (),
                            skip: Iterable[str] = (), fail_fast: bool = False, strict: bool = False,
                            expectations: bool = True, suite_dir: str | Path | None = None,
                            data_docs: str | Path | None = None, progress: Tick | None = None) -> tuple[Report, Snapshot]:
    """The preflight and the snapshot it judged: the trainer plans from the very ledger and entries `check` saw."""
    suite_select, check_select = _split(select)
    suite_skip, check_skip = _split(skip)
    run_suites = expectations and (not select or bool(suite_select))
    absent = missing("expectations") if run_suites else []
    run_suites = run_suites and not absent     # the light install has no GX: skip the suites, say so
    # resolve the suite folder before the (slow) snapshot so a bad --expectations path fails at once
    suites = _suite_dir(cfg, suite_dir) if run_suites else None
    checks = [] if select and not check_select else choose(check_select, check_skip)
    beyond_config = run_suites or any(not c.id.startswith("config.") for c in checks)
    snap = gather_snapshot(cfg, tuple(extra), deep=deep, corpus=beyond_config, caches=beyond_config,
                           progress=progress)
    findings = run_checks(snap, checks, fail_fast)

    def stopped() -> bool:
        return fail_fast and any(f.status in BLOCKING for f in findings)

    if suites is not None and not stopped():
        findings += _suite_findings(snap, cfg, suites, data_docs, suite_select, suite_skip)
    if absent:
        findings.append(_no_suites(absent))
    extra_sections = {}
    if archive is not None and not stopped():
        found = archive_findings(archive, cfg)
        findings += found
        extra_sections["archive"] = {"path": str(archive), "status": worst(f.status for f in found),
                                     "problems": [f"{f.id}: {f.message}" for f in found if f.status != "pass"]}
    return build_report(snap, findings, strict, extra_sections), snap


def _no_suites(absent: list[str]) -> Finding:
    return Finding(f"{SUITE_PREFIX}.suites", "skip", "Great Expectations suites",
                   f"the Great Expectations suites did not run: {', '.join(absent)} not installed "
                   f"({install_hint('expectations')}; or pass --no-expectations to say so)")


def _split(patterns: Iterable[str]) -> tuple[list[str], list[str]]:
    """(expectations.* patterns, check patterns): suites are not registered checks."""
    patterns = list(patterns)
    return ([p for p in patterns if p.startswith(SUITE_PREFIX)],
            [p for p in patterns if not p.startswith(SUITE_PREFIX)])


def _suite_dir(cfg: LoadedConfig, override: str | Path | None) -> Path:
    from tusz_guard.expect import resolve_suite_dir

    return resolve_suite_dir(cfg, override)


def _suite_findings(snap: Snapshot, cfg: LoadedConfig, suite_dir: Path, data_docs: str | Path | None,
                    select: list[str], skip: list[str]) -> list[Finding]:
    """expectations.<suite> findings (Great Expectations is imported only here)."""
    from tusz_guard.cache.store import CacheStore
    from tusz_guard.expect import run_expectations

    # the entries every other check planned against (store.reconcile), not the raw index
    index = (snap.cache.usable or None) if snap.cache is not None else None
    found = run_expectations(snap.ledger, CacheStore(cfg.cache_dir), cfg, suite_dir,
                             Path(data_docs) if data_docs is not None else None, index=index)
    return [f for f in found if (not select or any(fnmatch.fnmatchcase(f.id, p) for p in select))
            and not any(fnmatch.fnmatchcase(f.id, p) for p in skip)]


def archive_findings(archive: str | Path, cfg: LoadedConfig) -> list[Finding]:
    """archive.* findings from the archive verifier (imported lazily: it is only needed with --archive)."""
    try:
        from tusz_guard.archive.verify import archive_findings as verify
    except ImportError as exc:
        return [Finding("archive.verify", "error", "Archive matches the config",
                        f"cannot verify {archive}: the archive verifier is not installed ({exc})")]
    try:
        return list(verify(Path(archive), cfg))
    except Exception as exc:  # the verifier's own bug must not hide the other findings
        from tusz_guard.errors import GuardError

        status = "fail" if isinstance(exc, GuardError) else "error"
        return [Finding("archive.verify", status, "Archive matches the config", f"{archive}: {exc}")]
