"""Small helpers shared by command modules."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from tusz_guard.durations import parse_duration
from tusz_guard.textsafe import safe

if TYPE_CHECKING:     # a command's --help loads no config machinery (pydantic)
    from pathlib import Path

    from tusz_guard.config import LoadedConfig
    from tusz_guard.config.overrides import Override

CONFIG_ARG = click.argument("config", type=click.Path(dir_okay=False, path_type=str))


def _scan_setting(ctx: click.Context, param: click.Parameter, value: object) -> None:
    from tusz_guard.corpus.memo import SETTINGS

    # called for defaults too, so each invocation sets both afresh (in-process runs must not inherit them)
    if param.name == "no_memo":
        SETTINGS.memo = not value
    elif param.name == "scan_workers":
        SETTINGS.workers = value if isinstance(value, int) else None


# Scan settings for the corpus scan (corpus/memo.SETTINGS): options that set them, never command parameters.
NO_MEMO = click.option("--no-memo", is_flag=True, expose_value=False, callback=_scan_setting,
                       help="Scan cold: neither read nor write the scan memo (docs/user-guide.md, 'Scan memo').")
SCAN_WORKERS = click.option("--scan-workers", type=click.IntRange(min=0), default=None, expose_value=False,
                            callback=_scan_setting, metavar="N",
                            help="Files inspected at once by the corpus scan, in threads (0 or 1: one at a time "
                                 "in this process). Default: chosen from a latency probe: 32-128 threads on slow "
                                 "mounts, by their latency; on a local disk a cold scan parses in one process per CPU.")


def echo_paths(cfg: LoadedConfig, *, err: bool = False) -> None:
    """Every command prints the resolved absolute data and cache paths (or their redacted URLs) first."""
    from tusz_guard.storage.location import shown_path

    click.echo(f"config:    {safe(str(cfg.path))}", err=err)
    click.echo(f"data_dir:  {safe(shown_path(cfg.data_dir))}", err=err)
    click.echo(f"cache_dir: {safe(shown_path(cfg.cache_dir))}", err=err)


VERIFY_FIX = "prove a remote copy with `tusz-guard verify-copy CONFIG URL` or `tusz-guard check`"
# What each command that needs a local cache does with it, and the fix, when data.cache_dir is a URL (docs/remote-storage.md).
LOCAL_CACHE_COMMANDS = {
    "build-cache": ("writes a local cache", f"build into a local cache_dir and sync it; {VERIFY_FIX}"),
    "pack": ("archives a local cache", "pack the local cache (`pack -o s3://...` uploads the archive); "
             "prove the remote cache with `tusz-guard verify-copy --self URL`"),
    "unpack": ("extracts into a local cache", "give --config a config whose data.cache_dir is a local folder"),
    "train": ("reads its batches from a local cache", f"sync the cache to a local or mounted path; {VERIFY_FIX}"),
    "verify-copy": ("compares a copy with the local cache it was made from",
                    "give a config whose data.cache_dir is the local original, or check the copy by itself with "
                    "`tusz-guard verify-copy --self URL`"),
}
# Writers that also read EDF signals (not only headers) from data_dir.
SIGNAL_READERS = {"build-cache": "reads EDF signals from a local corpus", "train": "builds live entries from a local corpus"}


def load_for(config: str | Path, command: str, sets: tuple[Override, ...] = ()) -> LoadedConfig:
    """The config of a command that builds, packs, unpacks, copies or trains on tusz-guard's own local cache:
    a team's pipeline config and a URL cache (or, to read signals, a URL corpus) are refused in one line."""
    from tusz_guard.pipeline.foreign_config import load_own

    cfg = load_own(config, command, sets)
    refuse_remote(cfg, command)
    return cfg


def refuse_remote(cfg: LoadedConfig, command: str) -> None:
    """One line, exit 2, before anything is written: this command cannot use a URL cache_dir (or data_dir)."""
    from tusz_guard.errors import GuardError

    if cfg.cache_url is not None:
        what, fix = LOCAL_CACHE_COMMANDS[command]
        raise GuardError(f"data.cache_dir is {cfg.cache_url.shown}: {command} {what}", hint=fix)
    if cfg.data_url is not None and command in SIGNAL_READERS:
        raise GuardError(f"data.data_dir is {cfg.data_url.shown}: {command} {SIGNAL_READERS[command]}",
                         hint="sync the corpus to a local or mounted path (check and inventory read it remotely)")


SET_OPTION = click.option(
    "--set", "sets", multiple=True, metavar="KEY=VALUE",
    help="Override a config key before anything is judged (dotted key, YAML value), as a launcher does; "
         "repeatable. TUSZ_GUARD_SET='k=v;k=v' does the same from the environment (--set wins).")


def overrides(sets: tuple[str, ...]) -> tuple[Override, ...]:
    """TUSZ_GUARD_SET's overrides, then --set's (a later value of the same key wins)."""
    from tusz_guard.config.overrides import collect

    return collect(sets)


class Duration(click.ParamType):
    """--time-limit 24h: seconds as a float; a bad value is a usage error naming the accepted forms."""

    name = "DURATION"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


TIME_LIMIT_OPTION = click.option(
    "--time-limit", type=Duration(), default=None,
    help="The platform's limit per job (24h, 90m, 1h30m): run.time_budget fails when the build of the missing "
         "entries plus the remaining epochs cannot finish within it and the run does not resume.")
