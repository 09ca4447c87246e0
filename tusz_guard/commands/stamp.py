"""`tusz-guard stamp CONFIG`: record what produced a foreign cache (content keys, each entry's size and mtime)."""
from __future__ import annotations

import click

from tusz_guard.commands.common import CONFIG_ARG
from tusz_guard.errors import GuardError
from tusz_guard.pipeline.foreign_config import ForeignConfig, load_any
from tusz_guard.pipeline.stamp import write_stamp


@click.command("stamp")
@CONFIG_ARG
def command(config: str) -> int:
    """Write a stamp into the cache a pipeline config reads, after a build you trust.

    Later checks name the content keys changed since (preprocessing.bandpass changed since the stamp) and the
    entry files that changed. The stamp is the only file tusz-guard writes into a team's own cache.

    \b
    Example:
      tusz-guard stamp configs/local/train.yaml
    """
    cfg = load_any(config)        # a profile's paths are local by the profile's own rule (a URL is a config error)
    if not isinstance(cfg, ForeignConfig):
        raise GuardError(f"{config} is a tusz-guard config: its cache records its own fingerprint",
                         hint="stamp is for the configs a [pipeline] profile in tusz-guard.toml names")
    path, count = write_stamp(cfg)
    click.echo(f"stamped {count:,} entr(ies) of {cfg.display(cfg.cache_dir)} with content hash {cfg.content_hash}: "
               f"{cfg.display(path)}")
    return 0
