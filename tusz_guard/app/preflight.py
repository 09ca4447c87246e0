"""The preflight: choose the checks, gather their inputs once, run them, assemble the Report.

Used by `check`, `train`, `build-cache` (its config gate), `init`, the pre-commit hook and the pytest
plugin, so every entry point judges the same snapshot with the same registry.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tusz_guard.checks.base import Check
from tusz_guard.checks.engine import CONFIG_CHECKS, choose, registered, run_checks
from tusz_guard.checks.machine import RunSettings
from tusz_guard.checks.snapshot import Snapshot, gather_config_snapshot, gather_snapshot
from tusz_guard.checks.suite_checks import FAMILY as SUITES
from tusz_guard.checks.suite_checks import suite_checks
from tusz_guard.checks.summary import build_report
from tusz_guard.config import LoadedConfig
from tusz_guard.gcpause import paused
from tusz_guard.progress import Tick
from tusz_guard.results import Finding, Outcome, Report, blocking

if TYPE_CHECKING:
    from tusz_guard.expect.suites import SuiteFile

ARCHIVE = "archive"


def config_gate(cfg: LoadedConfig, extra: Iterable[str | Path] = ()) -> Report:
    """config.* checks only (no corpus scan): what build-cache runs before writing anything."""
    snap = gather_config_snapshot(cfg, tuple(extra))
    return build_report(snap, run_checks(snap, choose(registered(), [CONFIG_CHECKS])))


def preflight(cfg: LoadedConfig, extra: Iterable[str | Path] = (), **options: object) -> Report:
    """Every selected check over one snapshot."""
    return preflight_with_snapshot(cfg, extra, **options)[0]  # type: ignore[arg-type]


def available(archive: str | Path | None, suites: list[SuiteFile]) -> list[Check]:
    """The checks this run can offer: the static ones (archive.* only with an archive) and one per suite."""
    static = [c for c in registered() if c.takes == "snapshot" or (c.family == ARCHIVE and archive is not None)]
    return static + suite_checks(suites)


def listed_checks(cfg: LoadedConfig | None, suite_dir: str | Path | None = None,
                  expectations: bool = True) -> list[Check]:
    """Every check `check` can run: the static registry and the suites (of cfg's project, else bundled)."""
    from tusz_guard.checks.engine import ordered
    from tusz_guard.expect import BUNDLED_SUITE_DIR
    from tusz_guard.expect.suites import read_suites

    if not expectations:
        return registered()
    suites = _suites(cfg, suite_dir) if cfg is not None else read_suites(BUNDLED_SUITE_DIR, "bundled suites")
    return ordered(registered() + suite_checks(suites))


def preflight_with_snapshot(cfg: LoadedConfig, extra: Iterable[str | Path] = (), *, deep: bool = False,
                            archive: str | Path | None = None, select: Iterable[str] = (),
                            skip: Iterable[str] = (), fail_fast: bool = False, strict: bool = False,
                            expectations: bool = True, suite_dir: str | Path | None = None,
                            data_docs: str | Path | None = None, progress: Tick | None = None,
                            run: RunSettings | None = None) -> tuple[Report, Snapshot]:
    """The preflight and the snapshot it judged: the trainer plans from the very ledger and entries `check` saw.

    The garbage collector is paused while the snapshot is gathered and judged and the report assembled
    (gcpause.py: at corpus scale a fifth of a warm check was full collections that found nothing); not while
    Great Expectations runs, whose pandas frames do make cycles."""
    suites = _suites(cfg, suite_dir) if expectations else []
    checks = choose(_offered(archive, suites, list(select) + list(skip), expectations), select, skip)
    suite_part = [c for c in checks if c.family == SUITES]
    static = [c for c in checks if c.family != SUITES]
    beyond_config = any(c.family != "config" for c in checks)
    with paused():
        snap = gather_snapshot(cfg, tuple(extra), deep=deep, corpus=beyond_config, caches=beyond_config,
                               progress=progress, run=run)
        if archive is not None and any(c.family == ARCHIVE for c in checks):
            snap = with_archive(snap, Path(archive))
        findings = run_checks(snap, static, fail_fast, strict)
    if suite_part:
        if fail_fast and blocking(findings, strict):
            stopper = blocking(findings, strict)[0].id
            findings += [Finding(c.id, "skip", c.title, f"not run: --fail-fast stopped after {stopper}")
                         for c in suite_part]
        else:
            snap = with_suites(snap, [s for s in suites if any(c.id.endswith(f".{s.name}") for c in suite_part)],
                               data_docs)
            findings += run_checks(snap, suite_part, fail_fast, strict)
    with paused():
        return build_report(snap, findings, strict, _archive_section(snap, findings)), snap


def _offered(archive: str | Path | None, suites: list[SuiteFile], patterns: list[str],
             expectations: bool = True) -> list[Check]:
    """What --select/--skip may name; archive.* and expectations.* are known even when left out, to say why."""
    from tusz_guard.errors import GuardError

    offered = available(archive, suites)
    if archive is None and any(p.startswith(f"{ARCHIVE}.") for p in patterns):
        raise GuardError("archive.* checks need an archive", hint="add --archive ARCHIVE (or use verify-archive)")
    if not expectations and any(p.startswith(f"{SUITES}.") for p in patterns):
        raise GuardError(f"{SUITES}.* checks are the Great Expectations suites, which --no-expectations leaves out",
                         hint=f"drop --no-expectations to run them, or drop the {SUITES}.* pattern")
    return offered


def _suites(cfg: LoadedConfig, suite_dir: str | Path | None) -> list[SuiteFile]:
    """The suite files (read and structurally checked, without importing Great Expectations)."""
    from tusz_guard.expect import resolve_suite_dir
    from tusz_guard.expect.suites import read_suites

    folder = resolve_suite_dir(cfg, suite_dir)
    return read_suites(folder, cfg.display(folder))


# ---- the adapters for the two inputs gathered only on request ---------------------------------------------
def with_archive(snap: Snapshot, archive: Path) -> Snapshot:
    """The archive, scanned once, judged against the ledger this snapshot already holds."""
    from tusz_guard.app.archive import read_archive

    return replace(snap, archive=read_archive(archive, snap.cfg, snap.ledger))


def with_suites(snap: Snapshot, suites: list[SuiteFile], data_docs: str | Path | None) -> Snapshot:
    """Every suite evaluated once, on tables from the snapshot's ledger and reconciled cache entries.

    Without Great Expectations installed (the light install), each suite check skips and says which extra.
    """
    from tusz_guard.cache.store import CacheStore
    from tusz_guard.checks.suite_checks import suite_id
    from tusz_guard.extras import install_hint, missing

    absent = missing("expectations")
    if absent:
        why = (f"not run: Great Expectations is not installed ({', '.join(absent)}; {install_hint('expectations')}"
               "; or pass --no-expectations to say so)")
        return replace(snap, suites={suite_id(s.name): Outcome("skip", why) for s in suites})
    from tusz_guard.expect import run_expectations

    index = (snap.cache.usable or None) if snap.cache is not None else None
    found = run_expectations(snap.ledger, CacheStore(snap.cfg.cache_dir), snap.cfg, suites,
                             Path(data_docs) if data_docs is not None else None, index=index)
    return replace(snap, suites={f.id: Outcome(f.status, f.message, f.details) for f in found})


def _archive_section(snap: Snapshot, findings: list[Finding]) -> dict[str, object]:
    if snap.archive is None:
        return {}
    from tusz_guard.archive.verify import summary

    return {ARCHIVE: summary(snap.archive, [f for f in findings if f.id.startswith(f"{ARCHIVE}.")])}
