"""`tusz-guard pack`: the config's cache as one deterministic archive with a manifest first."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tusz_guard.archive.pack import coverage_text, pack
from tusz_guard.commands.common import CONFIG_ARG, echo_paths
from tusz_guard.config import LoadedConfig, load_config


@click.command("pack")
@CONFIG_ARG
@click.option("-o", "--output", type=str,
              help="Archive path or folder, or an object URL (s3://bucket/archives/ streams the upload; default: a "
                   "name that states the fingerprint and coverage, in the current folder).")
@click.option("--compression", type=click.Choice(["gz", "zst"]), default="zst", show_default=True)
@click.option("--allow-partial", is_flag=True,
              help="Pack even when train/val are not fully cached (written into the manifest and the file name).")
def command(config: str, output: str | None, compression: str, allow_partial: bool) -> int:
    """Archive the cache the config reads, refusing one that does not cover its training recordings.

    \b
    Examples:
      tusz-guard pack configs/train.yaml
      tusz-guard pack configs/train.yaml --compression gz -o /transfer/
      tusz-guard pack configs/smoke.yaml --allow-partial
      tusz-guard pack configs/train.yaml -o s3://my-bucket/archives/      # streamed multipart upload
    """
    cfg = load_config(config)
    echo_paths(cfg)
    result = _pack(cfg, output, compression, allow_partial)
    m = result.manifest
    click.echo(f"packed {len(m.members):,} files ({m.total_bytes:,} bytes) of {m.prefix}/ into {_where(result)} "
               f"({result.archive_bytes:,} bytes, {compression})")
    click.echo(f"fingerprint {m.fingerprint}; covers {coverage_text(m.coverage)} recordings")
    if m.partial:
        click.echo("PARTIAL: packed with --allow-partial; the manifest and the file name say so", err=True)
    for name in result.skipped:
        click.echo(f"  not packed: {name} (not part of the cache format)", err=True)
    return 0


def _pack(cfg: LoadedConfig, output: str | None, compression: str, allow_partial: bool) -> Any:
    """A local archive, or one streamed to an object URL (docs/remote-storage.md)."""
    if output is not None and "://" in output:
        from tusz_guard.storage.location import Location

        dest = Location.parse(output)
        if not dest.is_local:
            from tusz_guard.storage.archives import pack_to_url

            return pack_to_url(cfg, dest, compression, allow_partial,  # type: ignore[arg-type]
                               folder=output.endswith("/"))
        output = dest.format()
    return pack(cfg, None if output is None else Path(output), compression, allow_partial)  # type: ignore[arg-type]


def _where(result: Any) -> str:
    return str(getattr(result, "url", None) or result.path)
