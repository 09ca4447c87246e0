"""`tusz-guard build-cache`: plan from the ledger, show the plan, build missing (and stale) entries."""
from __future__ import annotations

import click

from tusz_guard.app.build import build_cache, executor_spec
from tusz_guard.commands.common import CONFIG_ARG, NO_MEMO, SCAN_WORKERS, SET_OPTION, echo_paths, load_for, overrides
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES
from tusz_guard.extras import require


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
@SET_OPTION
@NO_MEMO
@SCAN_WORKERS
def command(config: str, roles: tuple[str, ...], workers: int | None, scheduler: str | None,
            dask_local: int | None, dry_run: bool, rebuild_stale: bool, rebuild_keys: tuple[str, ...],
            rebuild_damaged: bool, lock_timeout: float | None, force: bool, sets: tuple[str, ...]) -> int:
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
    cfg = load_for(config, "build-cache", overrides(sets))
    echo_paths(cfg)
    spec = executor_spec(workers, scheduler, dask_local)
    return build_cache(cfg, roles=roles or TRAINING_ROLES, spec=spec, dry_run=dry_run,
                       rebuild_stale=rebuild_stale, force=force, rebuild=rebuild_keys, rebuild_damaged=rebuild_damaged,
                       lock_timeout=lock_timeout)
