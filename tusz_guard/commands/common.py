"""Small helpers shared by command modules."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from tusz_guard.textsafe import safe

if TYPE_CHECKING:     # a command's --help loads no config machinery (pydantic)
    from tusz_guard.config import LoadedConfig

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
                            help="Files inspected at once by the corpus scan (0 or 1: one at a time; default: "
                                 "chosen from a latency probe, 32 on slow mounts).")


def echo_paths(cfg: LoadedConfig, *, err: bool = False) -> None:
    """Every command prints the resolved absolute data and cache paths first."""
    click.echo(f"config:    {safe(str(cfg.path))}", err=err)
    click.echo(f"data_dir:  {safe(str(cfg.data_dir))}", err=err)
    click.echo(f"cache_dir: {safe(str(cfg.cache_dir))}", err=err)
