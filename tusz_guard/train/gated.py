"""`train` behind the gate: preflight (report written), optional --allow-live build, then the run.

The run starts only when the preflight passes. --allow-live may fix exactly one kind of block: missing
cache entries (cache.coverage). It builds them with the cache builder, records that in run.json, and then
runs the whole preflight again; every other blocking check, stale entries included, still stops the run.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tusz_guard.cache.plan import Plan, PlanItem
from tusz_guard.checks.machine import RunSettings
from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.ledger import TRAINING_ROLES
from tusz_guard.errors import GuardError
from tusz_guard.results import Report

if TYPE_CHECKING:
    from tusz_guard.checks.snapshot import Snapshot

Log = Callable[[str], None]
LIVE_FIXABLE = frozenset({"cache.coverage"})
REPORT_FORMATS = ("json", "html")   # the files `check --format json --format html` writes: latest.* stay in step
REPORTS_DIR = "reports"     # where `check` writes by default: a blocked run leaves output_dir untouched


def blocking_ids(report: Report) -> list[str]:
    """Ids of the findings that block a run."""
    return [f.id for f in report.blocking]


def run_preflight(cfg: LoadedConfig, report_dir: Path, log: Log,
                  run: RunSettings | None = None) -> tuple[Report, Snapshot]:
    """The same preflight as `check` (same defaults), its report written to report_dir, its verdict logged."""
    from tusz_guard.app.preflight import preflight_with_snapshot
    from tusz_guard.report import write_reports
    from tusz_guard.report.text import summary_line

    report, snap = preflight_with_snapshot(cfg, run=run)
    written = write_reports(report, REPORT_FORMATS, None, report_dir)
    log(f"preflight: {summary_line(report)}")
    for path in written[1::2]:     # the latest.* copies; the time-stamped twins sit next to them
        log(f"preflight report: {path}")
    return report, snap


def expected_windows(report: Report) -> dict[str, int]:
    """Windows per training role that the preflight's windows.count expects (from the EDF headers)."""
    found = next((f for f in report.findings if f.id == "windows.count"), None)
    roles = (found.details.get("roles") if found is not None else None) or {}
    if not all(role in roles for role in TRAINING_ROLES):
        raise GuardError("the preflight did not count windows (windows.count missing from its report)",
                         hint="this is required before training; run `tusz-guard check CONFIG`", exit_code=1)
    return {role: int(roles[role]["expected"]) for role in TRAINING_ROLES}


def blocked(report: Report, ids: list[str], allow_live: bool, log: Log, config: str = "CONFIG") -> int:
    """Name every blocking check and stop with exit 1 (no training output is written)."""
    log(f"blocked: {len(ids)} check(s) block training: {', '.join(ids)}")
    for f in report.findings:
        if f.id in ids:
            log(f"  {f.status.upper():5} {f.id}: {f.message}")
    fixable = set(ids) & LIVE_FIXABLE
    if allow_live and set(ids) - LIVE_FIXABLE:
        log("--allow-live only builds missing cache entries; fix the other checks first")
    elif fixable and not allow_live:
        log(f"build the cache first (`tusz-guard build-cache {config}`), or pass --allow-live to build it now")
    log("no training output written")
    return 1


def cache_plan(snap: Snapshot) -> Plan:
    """The cache state of every train/val recording: the plan cache.coverage judged, from the same snapshot."""
    from tusz_guard.checks.coverage import cache_plan as coverage_plan

    return coverage_plan(snap, roles=TRAINING_ROLES)


def build_live(cfg: LoadedConfig, missing: list[PlanItem], log: Log) -> float:
    """Build the missing entries with the cache builder, loudly; returns the seconds it took."""
    from tusz_guard.app.build import build_cache, executor_spec

    hours = sum(i.recording.duration_s or 0.0 for i in missing) / 3600.0
    log(f"WARNING --allow-live: building {len(missing)} missing cache entr{'y' if len(missing) == 1 else 'ies'} "
        f"({hours:.2f} recording-hours) into {cfg.cache_dir} before training; recorded in run.json")
    started = time.perf_counter()
    code = build_cache(cfg, roles=TRAINING_ROLES, spec=executor_spec(None, None, None), dry_run=False,
                       rebuild_stale=False, force=False, echo=lambda message, err=False: log(f"build-cache: {message}"))
    seconds = time.perf_counter() - started
    log(f"WARNING --allow-live: build finished in {seconds:.1f} s{'' if code == 0 else f' (build-cache exited {code})'}")
    return seconds


def gated_train(cfg: LoadedConfig, *, allow_live: bool, epochs: int | None, device: str | None,
                report_dir: Path | None, log: Log, resume: str | None = None,
                time_limit: float | None = None, checkpoint_every: float | None = None) -> int:
    """Preflight, (live build and preflight again,) train; returns the exit code."""
    from tusz_guard.cache.fingerprint import fingerprint
    from tusz_guard.train.checkpoint import for_run
    from tusz_guard.train.data import cache_hits
    from tusz_guard.train.run import LiveRecord, RunRequest, resolve_device, run_training

    resolve_device(device or cfg.config.training.device)      # a bad --device fails before any work
    # a checkpoint of another cache, geometry, label set or training keys stops the run before any work
    matched = for_run(resume, cfg, fingerprint(cfg)) if resume is not None else None
    if resume is not None and matched is None:
        log(f"resume: no checkpoint in {cfg.output_dir} yet; starting at epoch 1")
    settings = RunSettings(time_limit_s=time_limit, resume=resume is not None, epochs=epochs, device=device)
    folder = report_dir or cfg.project_root / REPORTS_DIR
    report, snap = run_preflight(cfg, folder, log, settings)
    ids = blocking_ids(report)
    if ids and not (allow_live and set(ids) <= LIVE_FIXABLE):
        return blocked(report, ids, allow_live, log, cfg.display(cfg.path))
    before = current = cache_plan(snap)
    live = LiveRecord(allow_live)
    if ids:                             # only missing entries block, and --allow-live builds them now
        seconds = build_live(cfg, before.missing, log)
        report, snap = run_preflight(cfg, folder, log, settings)
        ids = blocking_ids(report)
        if ids:
            return blocked(report, ids, allow_live, log, cfg.display(cfg.path))
        current = cache_plan(snap)
        live = LiveRecord(True, built_keys(before, current), round(seconds, 3))
    req = RunRequest(fingerprint=snap.fingerprint, plan=current, hits=cache_hits(before), live=live, epochs=epochs,
                     device=device, expected_windows=expected_windows(report), resume=matched,
                     checkpoint_every_s=checkpoint_every)
    run_training(cfg, req, log)
    log(f"done: outputs in {cfg.output_dir}")
    return 0


def built_keys(before: Plan, after: Plan) -> tuple[str, ...]:
    """Keys that were missing before and are current after a build, sorted."""
    now = {i.recording.stem for i in after.current}
    return tuple(sorted(i.recording.stem for i in before.missing if i.recording.stem in now))
