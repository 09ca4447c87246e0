"""build-cache as an application service: gate, plan, (dry-run) or build, summarise.

Used by `tusz-guard build-cache` and by `train --allow-live`; every line goes through `echo` (click.echo for
the command, the trainer's log for a live build), so nothing bypasses the caller's output.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Literal

import click

from tusz_guard.cache.builder import (
    BuildSummary,
    TaskResult,
    damaged_keys,
    ensure_meta,
    estimate_minutes,
    execute,
    open_cache,
    prepare_workers,
    tasks_for,
    with_forced_reason,
)
from tusz_guard.cache.executors import ExecutorSpec
from tusz_guard.cache.fingerprint import fingerprint_of, fingerprint_params
from tusz_guard.cache.plan import Plan, PlanItem, plan
from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.ledger import build_ledger
from tusz_guard.errors import GuardError
from tusz_guard.textsafe import safe

MAX_LISTED = 20
Echo = Callable[..., None]          # click.echo's signature: echo(message, err=False)


def executor_spec(workers: int | None, scheduler: str | None, dask_local: int | None) -> ExecutorSpec:
    """The executor from the options (--scheduler and --dask-local exclude each other)."""
    if scheduler and dask_local:
        raise GuardError("--scheduler and --dask-local exclude each other", hint="pass one of them")
    if scheduler:
        return ExecutorSpec("dask", workers or 1, scheduler)
    if dask_local:
        return ExecutorSpec("dask-local", dask_local)
    n = workers or min(8, os.cpu_count() or 1)
    return ExecutorSpec("inline" if n == 1 else "pool", n)


def build_cache(cfg: LoadedConfig, *, roles: tuple[str, ...], spec: ExecutorSpec, dry_run: bool,
                rebuild_stale: bool, force: bool, rebuild: tuple[str, ...] = (), rebuild_damaged: bool = False,
                lock_timeout: float | None = None, echo: Echo = click.echo) -> int:
    """Gate, plan, (dry-run) or build, summarise; returns the exit code."""
    forced = run_gate(cfg, force, echo)
    if forced is False:
        return 1
    params = fingerprint_params(cfg)
    fp = fingerprint_of(params)
    store, meta = open_cache(cfg.cache_dir, params, rebuild_stale)
    store.lock_timeout = lock_timeout
    ledger = build_ledger(cfg)
    p = plan(ledger, store if meta is not None else None, fp, roles)
    damaged = show_damage(p, store, echo, deep=rebuild_damaged)
    rebuild = tuple(dict.fromkeys(rebuild + tuple(damaged)))
    tasks = [replace(t, lock_timeout=lock_timeout) for t in tasks_for(p, store, cfg, rebuild_stale, rebuild)]
    if tasks and not dry_run:
        # only now that something will be built: the workers' imports overlap the summary, the lock and the
        # temp clean-up; a blocked or no-op build starts no process that would outlive the command
        prepare_workers(spec)
    show_plan(p, store, rebuild_stale, spec, meta, sum(t.duration_s for t in tasks) / 3600.0, echo)
    show_space([i for i in p.items if i.state == "missing" or (i.state == "stale" and rebuild_stale)], cfg, echo)
    if dry_run:
        echo("dry run: nothing written")
        return 0
    ensure_meta(store, params, cfg.display(cfg.path), cfg.data_dir, forced or None)
    with store.lock():      # a held lock is reported (and --lock-timeout honoured) before any entry is built
        pass
    removed = store.remove_dead_temps()
    if removed:
        echo(f"removed {len(removed)} temporary entr{'y' if len(removed) == 1 else 'ies'} left by a killed build")
    echo(f"building {len(tasks)} entr{'y' if len(tasks) == 1 else 'ies'} with {spec.describe()}")
    try:
        with progress(len(tasks)) as advance:
            summary = execute(store, fp, tasks, spec, advance)
    finally:
        store.release_temps()      # the builder markers of this run (docs/cache-format.md)
    rebuilt = set(rebuild)
    kept = [i for i in p.items if i.recording.stem not in rebuilt]      # a rebuilt entry is counted as replaced
    show_summary(summary, sum(i.state == "current" for i in kept),
                 0 if rebuild_stale else sum(i.state == "stale" for i in kept), echo)
    if summary.disk_full:
        raise GuardError(f"disk full while writing {cfg.cache_dir}: {summary.built + summary.replaced} entries built "
                         "before it filled; partial entries were removed and the cache is consistent",
                         hint="free space and rerun build-cache to finish", exit_code=1)
    return 1 if summary.failed else 0


# ---- the config gate ----------------------------------------------------------------------------------------
def run_gate(cfg: LoadedConfig, force: bool, echo: Echo = click.echo) -> str | Literal[False]:
    """'' when the config checks pass, the forced reason under --force, False when blocked (report written)."""
    from tusz_guard.app.preflight import config_gate
    from tusz_guard.report import write_reports

    report = config_gate(cfg)
    failing = [f.id for f in report.blocking]
    if not failing:
        return ""
    for f in report.blocking:
        echo(f"  {f.status.upper():5} {f.id}: {safe(f.message)}", err=True)
    if force:
        echo(f"warning: config checks failed ({', '.join(failing)}); building anyway (--force, recorded)")
        return with_forced_reason(failing)
    for path in write_reports(report, ["json", "html"], None, cfg.project_root / "reports", stem="build-gate",
                              latest=False):
        echo(f"report: {path}", err=True)
    echo(f"blocked: config checks failed: {', '.join(failing)} (fix them, or pass --force)", err=True)
    return False


# ---- rendering ------------------------------------------------------------------------------------------
def show_plan(p: Plan, store: Any, rebuild_stale: bool, spec: ExecutorSpec, meta: Any, hours: float,
              echo: Echo = click.echo) -> None:
    """The plan: counts per state with hours, every stale reason, foreign files, the time estimate."""
    counts = p.counts()
    echo(f"plan for role(s) {', '.join(p.roles)} (fingerprint {p.fingerprint}): {len(p.items)} recordings, "
               f"{p.hours():.2f} h")
    echo(f"  current  {counts['current']:>6}  {p.hours('current'):8.2f} h  skipped")
    stale_action = "to rebuild" if rebuild_stale else "kept (pass --rebuild-stale to replace)"
    echo(f"  stale    {counts['stale']:>6}  {p.hours('stale'):8.2f} h  {stale_action}")
    echo(f"  missing  {counts['missing']:>6}  {p.hours('missing'):8.2f} h  to build")
    _listing("stale", [f"{i.recording.stem}: {i.reason}" for i in p.stale], echo)
    _listing("foreign (reported, never touched)", store.list_foreign() if store.root.is_dir() else [], echo)
    minutes, source = estimate_minutes(hours, meta, spec.workers)
    echo(f"estimated time: {_duration(minutes)} for {hours:.2f} recording-hours ({source})")


def show_space(items: list[PlanItem], cfg: LoadedConfig, echo: Echo = click.echo) -> None:
    """The figures of cache.disk_space (one sizing rule: tusz_guard.cache.space) for the entries to build."""
    from tusz_guard.cache.space import DEFAULT_BLOCK, MARGIN, free_space, human, space_needed, verdict

    disk = free_space(cfg.cache_dir)
    block = disk.block if disk is not None else DEFAULT_BLOCK
    need = space_needed(items, cfg.config.preprocessing.dtype, block)
    line = f"disk: {need.entries:,} entr{'y' if need.entries == 1 else 'ies'} need {need.bytes:,} bytes ({human(need.bytes)})"
    if disk is None:
        echo(f"{line}; free space unknown on this platform")
        return
    line += f"; {disk.free:,} bytes ({human(disk.free)}) free on the filesystem of {safe(str(disk.path))}"
    status = verdict(need.bytes, disk.free)
    echo(line + {"fail": ": it does NOT fit", "warn": f": less than a {MARGIN:.0%} margin", "pass": ""}[status],
         err=status != "pass")


def show_damage(p: Plan, store: Any, echo: Echo = click.echo, *, deep: bool = True) -> dict[str, str]:
    """Every damaged entry with what is wrong, to rebuild: the deep scan of --rebuild-damaged, else one lstat per
    array of the current entries (a FIFO or a truncated array is damaged, never `current`; docs/guarantees.md)."""
    if deep:
        damaged = damaged_keys(p, store) if store.root.is_dir() else {}
        echo(f"deep scan: {len(damaged)} damaged entr{'y' if len(damaged) == 1 else 'ies'} to rebuild")
    else:
        from tusz_guard.cache.damage import damaged_files

        damaged = damaged_files(store, {i.recording.stem: i.entry for i in p.current if i.entry is not None})
    _listing("damaged (to rebuild)", [f"{k}: {why}" for k, why in damaged.items()], echo)
    return damaged


def show_summary(s: BuildSummary, current: int, stale_kept: int, echo: Echo = click.echo) -> None:
    """The end-of-build summary."""
    echo(f"built {s.built}, replaced {s.replaced}, skipped as current {current}, stale kept {stale_kept}, "
               f"built meanwhile by another builder {s.concurrent}, failed {len(s.failed)}")
    _listing("failed", [f"{src}: {why}" for src, why in s.failed], echo)
    echo(f"throughput: {s.hours_per_minute:.1f} recording-hours per minute "
               f"({s.hours_built:.2f} h in {s.wall_s:.1f} s)")
    if s.index_problem:
        echo(f"warning: {s.index_problem}", err=True)


def _listing(title: str, lines: list[str], echo: Echo) -> None:
    if not lines:
        return
    echo(f"{title}:")
    for line in lines[:MAX_LISTED]:
        echo(f"  {safe(line)}")      # sources and reasons quote file names: escaped
    if len(lines) > MAX_LISTED:
        echo(f"  ... and {len(lines) - MAX_LISTED} more")


def _duration(minutes: float) -> str:
    return f"{minutes * 60:.0f} s" if minutes < 1 else f"{minutes:.1f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


@contextmanager
def progress(total: int) -> Iterator[Callable[[TaskResult], None]]:
    """A rich progress bar on stderr, advanced once per finished task."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal or total == 0) as bar:
        task = bar.add_task("build", total=total)
        yield lambda result: bar.advance(task)
