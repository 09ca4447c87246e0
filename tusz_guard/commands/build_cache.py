"""`tusz-guard build-cache`: plan from the ledger, show the plan, build missing (and stale) entries."""
from __future__ import annotations

import os
from dataclasses import replace
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

import click

from tusz_guard.cache.builder import (BuildSummary, TaskResult, damaged_keys, ensure_meta, estimate_minutes, execute,
                                      open_cache, tasks_for, with_forced_reason)
from tusz_guard.cache.executors import ExecutorSpec
from tusz_guard.cache.fingerprint import fingerprint_of, fingerprint_params
from tusz_guard.cache.plan import Plan, plan
from tusz_guard.commands.common import CONFIG_ARG, echo_paths
from tusz_guard.config import LoadedConfig, load_config
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES, build_ledger
from tusz_guard.errors import GuardError
from tusz_guard.textsafe import safe
from tusz_guard.extras import require

MAX_LISTED = 20


@click.command("build-cache")
@CONFIG_ARG
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES),
              help="Role(s) to build (repeatable). Default: the roles training reads, train and val.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: CPU count, at most 8). 1 runs in-process.")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="Run the tasks on this Dask scheduler.")
@click.option("--dask-local", type=click.IntRange(min=1), default=None, metavar="N",
              help="Start a local Dask cluster with N worker processes.")
@click.option("--dry-run", is_flag=True, help="Show the plan and an estimated time; write nothing.")
@click.option("--rebuild-stale", is_flag=True,
              help="Replace stale entries (and convert a cache built for another fingerprint).")
@click.option("--rebuild", "rebuild_keys", multiple=True, metavar="KEY",
              help="Rebuild this entry (repeatable), e.g. one that `check` reports as damaged.")
@click.option("--rebuild-damaged", is_flag=True,
              help="Read every entry (like `check --deep`) and rebuild the damaged ones.")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Give up (exit 1, naming the holder) when the cache lock is held longer than this. Default: wait.")
@click.option("--force", is_flag=True, help="Build even when config checks fail (recorded in the cache metadata).")
def command(config: str, roles: tuple[str, ...], workers: int | None, scheduler: str | None,
            dask_local: int | None, dry_run: bool, rebuild_stale: bool, rebuild_keys: tuple[str, ...],
            rebuild_damaged: bool, lock_timeout: float | None, force: bool) -> int:
    """Build the preprocessed-signal cache the config reads.

    \b
    Examples:
      tusz-guard build-cache configs/train.yaml --dry-run
      tusz-guard build-cache configs/train.yaml --workers 8
      tusz-guard build-cache configs/train.yaml --dask-local 4
      tusz-guard build-cache configs/train.yaml --scheduler tcp://10.0.0.5:8786 --rebuild-stale
      tusz-guard build-cache configs/train.yaml --rebuild-damaged
    """
    if not dry_run:               # planning needs no signal code; building does, before any work starts
        require("build", "tusz-guard build-cache")
    if scheduler or dask_local:
        require("dask", "tusz-guard build-cache --scheduler/--dask-local")
    cfg = load_config(config)
    echo_paths(cfg)
    spec = executor_spec(workers, scheduler, dask_local)
    return build_cache(cfg, roles=roles or TRAINING_ROLES, spec=spec, dry_run=dry_run,
                       rebuild_stale=rebuild_stale, force=force, rebuild=rebuild_keys, rebuild_damaged=rebuild_damaged,
                       lock_timeout=lock_timeout)


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
                lock_timeout: float | None = None) -> int:
    """Gate, plan, (dry-run) or build, summarise; returns the exit code."""
    forced = run_gate(cfg, force)
    if forced is False:
        return 1
    params = fingerprint_params(cfg)
    fp = fingerprint_of(params)
    store, meta = open_cache(cfg.cache_dir, params, rebuild_stale)
    store.lock_timeout = lock_timeout
    ledger = build_ledger(cfg)
    p = plan(ledger, store if meta is not None else None, fp, roles)
    if rebuild_damaged:
        rebuild = tuple(dict.fromkeys(rebuild + tuple(show_damage(p, store))))
    tasks = [replace(t, lock_timeout=lock_timeout) for t in tasks_for(p, store, cfg, rebuild_stale, rebuild)]
    show_plan(p, store, rebuild_stale, spec, meta, sum(t.duration_s for t in tasks) / 3600.0)
    if dry_run:
        click.echo("dry run: nothing written")
        return 0
    ensure_meta(store, params, cfg.display(cfg.path), cfg.data_dir, forced or None)
    with store.lock():      # a held lock is reported (and --lock-timeout honoured) before any entry is built
        pass
    removed = store.remove_dead_temps()
    if removed:
        click.echo(f"removed {len(removed)} temporary entr{'y' if len(removed) == 1 else 'ies'} left by a killed build")
    click.echo(f"building {len(tasks)} entr{'y' if len(tasks) == 1 else 'ies'} with {spec.describe()}")
    try:
        with progress(len(tasks)) as advance:
            summary = execute(store, fp, tasks, spec, advance)
    finally:
        store.release_temps()      # the builder markers of this run (docs/cache-format.md)
    show_summary(summary, len(p.current), len(p.stale) if not rebuild_stale else 0)
    if summary.disk_full:
        raise GuardError(f"disk full while writing {cfg.cache_dir}: {summary.built + summary.replaced} entries built "
                         "before it filled; partial entries were removed and the cache is consistent",
                         hint="free space and rerun build-cache to finish", exit_code=1)
    return 1 if summary.failed else 0


# ---- the config gate ----------------------------------------------------------------------------------------
def run_gate(cfg: LoadedConfig, force: bool) -> str | bool:
    """'' when the config checks pass, the forced reason under --force, False when blocked (report written)."""
    from tusz_guard.app.preflight import config_gate
    from tusz_guard.report import write_reports

    report = config_gate(cfg)
    failing = [f.id for f in report.blocking]
    if not failing:
        return ""
    for f in report.blocking:
        click.echo(f"  {f.status.upper():5} {f.id}: {safe(f.message)}", err=True)
    if force:
        click.echo(f"warning: config checks failed ({', '.join(failing)}); building anyway (--force, recorded)")
        return with_forced_reason(failing)
    for path in write_reports(report, ["json", "html"], None, cfg.project_root / "reports", stem="build-gate",
                              latest=False):
        click.echo(f"report: {path}", err=True)
    click.echo(f"blocked: config checks failed: {', '.join(failing)} (fix them, or pass --force)", err=True)
    return False


# ---- rendering ------------------------------------------------------------------------------------------
def show_plan(p: Plan, store: Any, rebuild_stale: bool, spec: ExecutorSpec, meta: Any, hours: float) -> None:
    """The plan: counts per state with hours, every stale reason, foreign files, the time estimate."""
    counts = p.counts()
    click.echo(f"plan for role(s) {', '.join(p.roles)} (fingerprint {p.fingerprint}): {len(p.items)} recordings, "
               f"{p.hours():.2f} h")
    click.echo(f"  current  {counts['current']:>6}  {p.hours('current'):8.2f} h  skipped")
    stale_action = "to rebuild" if rebuild_stale else "kept (pass --rebuild-stale to replace)"
    click.echo(f"  stale    {counts['stale']:>6}  {p.hours('stale'):8.2f} h  {stale_action}")
    click.echo(f"  missing  {counts['missing']:>6}  {p.hours('missing'):8.2f} h  to build")
    _listing("stale", [f"{i.recording.stem}: {i.reason}" for i in p.stale])
    _listing("foreign (reported, never touched)", store.list_foreign() if store.root.is_dir() else [])
    minutes, source = estimate_minutes(hours, meta, spec.workers)
    click.echo(f"estimated time: {_duration(minutes)} for {hours:.2f} recording-hours ({source})")


def show_damage(p: Plan, store: Any) -> dict[str, str]:
    """The deep scan of --rebuild-damaged: every damaged entry with what is wrong."""
    damaged = damaged_keys(p, store) if store.root.is_dir() else {}
    click.echo(f"deep scan: {len(damaged)} damaged entr{'y' if len(damaged) == 1 else 'ies'} to rebuild")
    _listing("damaged", [f"{k}: {why}" for k, why in damaged.items()])
    return damaged


def show_summary(s: BuildSummary, current: int, stale_kept: int) -> None:
    """The end-of-build summary."""
    click.echo(f"built {s.built}, replaced {s.replaced}, skipped as current {current}, stale kept {stale_kept}, "
               f"built meanwhile by another builder {s.concurrent}, failed {len(s.failed)}")
    _listing("failed", [f"{src}: {why}" for src, why in s.failed])
    click.echo(f"throughput: {s.hours_per_minute:.1f} recording-hours per minute "
               f"({s.hours_built:.2f} h in {s.wall_s:.1f} s)")
    if s.index_problem:
        click.echo(f"warning: {s.index_problem}", err=True)


def _listing(title: str, lines: list[str]) -> None:
    if not lines:
        return
    click.echo(f"{title}:")
    for line in lines[:MAX_LISTED]:
        click.echo(f"  {safe(line)}")      # sources and reasons quote file names: escaped
    if len(lines) > MAX_LISTED:
        click.echo(f"  ... and {len(lines) - MAX_LISTED} more")


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
