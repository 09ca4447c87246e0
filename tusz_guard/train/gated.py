"""`train` behind the gate: preflight (report written), optional --allow-live build, then the run.

The run starts only when the preflight passes. --allow-live may fix exactly one kind of block: missing
cache entries (cache.coverage). It builds them with the cache builder, records that in run.json, and then
runs the whole preflight again; every other blocking check, stale entries included, still stops the run.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from tusz_guard.cache.fingerprint import fingerprint
from tusz_guard.cache.store import CacheStore, Plan, plan
from tusz_guard.checks.model import BLOCKING, Report
from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.ledger import TRAINING_ROLES, build_ledger
from tusz_guard.errors import GuardError

Log = Callable[[str], None]
LIVE_FIXABLE = frozenset({"cache.coverage"})
REPORT_FORMATS = ("json", "text")
PREFLIGHT_DIR = "preflight"


def blocking_ids(report: Report) -> list[str]:
    """Ids of the findings that block a run."""
    return [f.id for f in report.findings if f.status in BLOCKING or (report.strict and f.status == "warn")]


def run_preflight(cfg: LoadedConfig, report_dir: Path, log: Log) -> Report:
    """The same preflight as `check`, its report written to report_dir, its verdict logged."""
    from tusz_guard.checks.gate import preflight
    from tusz_guard.report import write_reports
    from tusz_guard.report.text import summary_line

    report = preflight(cfg)
    written = write_reports(report, REPORT_FORMATS, None, report_dir)
    log(f"preflight: {summary_line(report)}")
    for path in written[1::2]:     # the latest.* copies; the time-stamped twins sit next to them
        log(f"preflight report: {path}")
    return report


def expected_windows(report: Report) -> dict[str, int]:
    """Windows per training role that the preflight's windows.count expects (from the EDF headers)."""
    found = next((f for f in report.findings if f.id == "windows.count"), None)
    roles = (found.details.get("roles") if found is not None else None) or {}
    if not all(role in roles for role in TRAINING_ROLES):
        raise GuardError("the preflight did not count windows (windows.count missing from its report)",
                         hint="this is required before training; run `tusz-guard check CONFIG`", exit_code=1)
    return {role: int(roles[role]["expected"]) for role in TRAINING_ROLES}


def blocked(report: Report, ids: list[str], allow_live: bool, log: Log) -> int:
    """Name every blocking check and stop with exit 1 (no training output is written)."""
    log(f"blocked: {len(ids)} check(s) block training: {', '.join(ids)}")
    for f in report.findings:
        if f.id in ids:
            log(f"  {f.status.upper():5} {f.id}: {f.message}")
    fixable = set(ids) & LIVE_FIXABLE
    if allow_live and set(ids) - LIVE_FIXABLE:
        log("--allow-live only builds missing cache entries; fix the other checks first")
    elif fixable and not allow_live:
        log("build the cache first (`tusz-guard build-cache CONFIG`), or pass --allow-live to build it now")
    log("no training output written")
    return 1


def cache_plan(cfg: LoadedConfig, fp: str) -> Plan:
    """The cache state of every train/val recording, read through the cache index."""
    return plan(build_ledger(cfg), CacheStore(cfg.cache_dir), fp, TRAINING_ROLES)


def build_live(cfg: LoadedConfig, before: Plan, log: Log) -> tuple[tuple[str, ...], float]:
    """Build the missing entries with the cache builder (loudly); the keys that became current, seconds."""
    from tusz_guard.commands.build_cache import build_cache, executor_spec

    missing = before.missing
    hours = sum(i.recording.duration_s or 0.0 for i in missing) / 3600.0
    log(f"WARNING --allow-live: building {len(missing)} missing cache entr{'y' if len(missing) == 1 else 'ies'} "
        f"({hours:.2f} recording-hours) into {cfg.cache_dir} before training; recorded in run.json")
    started = time.perf_counter()
    code = build_cache(cfg, roles=TRAINING_ROLES, spec=executor_spec(None, None, None), dry_run=False,
                       rebuild_stale=False, force=False)
    seconds = time.perf_counter() - started
    after = {i.recording.stem for i in cache_plan(cfg, before.fingerprint).current}
    built = tuple(sorted(i.recording.stem for i in missing if i.recording.stem in after))
    log(f"WARNING --allow-live: built {len(built)} of {len(missing)} missing entries in {seconds:.1f} s"
        f"{'' if code == 0 else f' (build-cache exited {code})'}")
    return built, seconds


def gated_train(cfg: LoadedConfig, *, allow_live: bool, epochs: int | None, device: str | None,
                report_dir: Path | None, log: Log) -> int:
    """Preflight, (live build,) preflight again, train; returns the exit code."""
    from tusz_guard.train.data import cache_hits
    from tusz_guard.train.run import LiveRecord, RunRequest, resolve_device, run_training

    resolve_device(device or cfg.config.training.device)      # a bad --device fails before any work
    folder = report_dir or cfg.output_dir / PREFLIGHT_DIR
    fp = fingerprint(cfg)
    report = run_preflight(cfg, folder, log)
    ids = blocking_ids(report)
    live, hits = LiveRecord(allow_live), None
    if ids and allow_live and set(ids) <= LIVE_FIXABLE:
        before = cache_plan(cfg, fp)
        hits = cache_hits(before)
        built, seconds = build_live(cfg, before, log)
        live = LiveRecord(True, built, round(seconds, 3))
        report = run_preflight(cfg, folder, log)
        ids = blocking_ids(report)
    if ids:
        return blocked(report, ids, allow_live, log)
    expected = expected_windows(report)
    current = cache_plan(cfg, fp)
    req = RunRequest(fingerprint=fp, plan=current, hits=hits or cache_hits(current), live=live, epochs=epochs,
                     device=device, expected_windows=expected)
    run_training(cfg, req, log)
    log(f"done: outputs in {cfg.output_dir}")
    return 0
