"""Small helpers shared by command modules."""
from __future__ import annotations

import click

from tusz_guard.config import LoadedConfig
from tusz_guard.textsafe import safe

CONFIG_ARG = click.argument("config", type=click.Path(dir_okay=False, path_type=str))


def echo_paths(cfg: LoadedConfig, *, err: bool = False) -> None:
    """Every command prints the resolved absolute data and cache paths first."""
    click.echo(f"config:    {safe(str(cfg.path))}", err=err)
    click.echo(f"data_dir:  {safe(str(cfg.data_dir))}", err=err)
    click.echo(f"cache_dir: {safe(str(cfg.cache_dir))}", err=err)
