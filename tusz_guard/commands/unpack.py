"""`tusz-guard unpack`: verify while extracting into a staging directory, then move into the config's cache."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from tusz_guard.app.archive import unpack
from tusz_guard.archive.progress import byte_bar
from tusz_guard.commands.common import echo_paths, load_for
from tusz_guard.report.text import status_tag
from tusz_guard.results import cause_first
from tusz_guard.textsafe import safe


@click.command("unpack")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False),
              help="The config whose data.cache_dir receives the cache.")
def command(archive: Path, config: str) -> int:
    """Extract a cache archive into the config's cache dir: regular files only, under its prefix, verified first.

    \b
    Examples:
      tusz-guard unpack cache-tusz-9cd21cce38854d56-train5of5-val4of4.tar.zst --config configs/train.yaml
    """
    cfg = load_for(config, "unpack")
    echo_paths(cfg)
    size = archive.stat().st_size if archive.is_file() else 0
    with byte_bar("unpacking", size) as update:
        result = unpack(archive, cfg, progress=update)
    color = sys.stdout.isatty()
    width = max(len(f.id) for f in result.findings)
    for f in cause_first(result.findings):
        click.echo(f"{status_tag(f.status, color)} {f.id:<{width}}  {safe(f.message)}")   # messages quote member names
    if result.refused:
        click.echo(f"REFUSED to unpack {safe(str(archive))}: {safe(result.refused)}")
        return result.exit_code
    click.echo(f"unpacked {len(result.added):,} entries into {cfg.display(cfg.cache_dir)}"
               + (f"; {len(result.identical):,} were already there, identical" if result.identical else ""))
    click.echo(f"next: tusz-guard check {cfg.display(cfg.path)}")
    return 0
