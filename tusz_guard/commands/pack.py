"""`tusz-guard pack`: the config's cache as one deterministic archive with a manifest first."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from tusz_guard.archive.pack import coverage_text, pack
from tusz_guard.atomic import is_stdout
from tusz_guard.commands.common import CONFIG_ARG, echo_paths, load_for
from tusz_guard.config import LoadedConfig
from tusz_guard.errors import GuardError

# What an archive name promises; a .tar.gz that holds a zstd stream breaks every tool that trusts the name.
SUFFIX_COMPRESSION = {".tar.gz": "gz", ".tgz": "gz", ".tar.zst": "zst", ".tzst": "zst", ".tar.zstd": "zst"}


@click.command("pack")
@CONFIG_ARG
@click.option("-o", "--output", type=str,
              help="Archive path or folder, or an object URL (s3://bucket/archives/ streams the upload; default: a "
                   "name that states the fingerprint and coverage, in the current folder).")
@click.option("--compression", type=click.Choice(["gz", "zst"]),
              help="Default: what the -o suffix says (.tar.gz/.tgz: gz, .tar.zst/.tzst: zst), else zst.")
@click.option("--allow-partial", is_flag=True,
              help="Pack even when train/val are not fully cached (written into the manifest and the file name).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Give up (exit 1, naming the holder) when a builder holds the cache lock longer than this.")
def command(config: str, output: str | None, compression: str | None, allow_partial: bool,
            lock_timeout: float | None) -> int:
    """Archive the cache the config reads, refusing one that does not cover its training recordings.

    \b
    Examples:
      tusz-guard pack configs/train.yaml
      tusz-guard pack configs/train.yaml --compression gz -o /transfer/
      tusz-guard pack configs/smoke.yaml --allow-partial
      tusz-guard pack configs/train.yaml -o s3://my-bucket/archives/      # streamed multipart upload
    """
    compression = resolve_compression(output, compression)   # before any work: a wrong suffix is a usage error
    cfg = load_for(config, "pack")
    to_err = is_stdout(output)          # -o -: stdout carries the archive alone
    echo_paths(cfg, err=to_err)
    result = _pack(cfg, output, compression, allow_partial, lock_timeout)
    m = result.manifest
    click.echo(f"packed {len(m.members):,} files ({m.total_bytes:,} bytes) of {m.prefix}/ into {_where(result)} "
               f"({result.archive_bytes:,} bytes, {compression})", err=to_err)
    click.echo(f"fingerprint {m.fingerprint}; covers {coverage_text(m.coverage)} recordings", err=to_err)
    if m.partial:
        click.echo("PARTIAL: packed with --allow-partial; the manifest and the file name say so", err=True)
    for name in result.skipped:
        click.echo(f"  not packed: {name} (not part of the cache format)", err=True)
    return 0


def resolve_compression(output: str | Path | None, compression: str | None) -> str:
    """The -o suffix selects the compression; a --compression that contradicts it is a usage error (exit 2)."""
    output = None if output is None else str(output)
    named = _named_compression(output)
    if named == "tar":
        raise GuardError(f"-o {output}: pack writes compressed archives only",
                         hint="name it .tar.zst or .tar.gz")
    if named is not None and compression is not None and named != compression:
        stem = _name(output or "").split(".")[0]
        raise GuardError(f"-o {output} names a {named} archive but --compression is {compression}",
                         hint=f"drop --compression, or name the file {stem}.tar.{compression}")
    return named or compression or "zst"


def _name(output: str) -> str:
    return output.rstrip("/").rsplit("/", 1)[-1].lower()


def _named_compression(output: str | None) -> str | None:
    if output is None or output.endswith("/") or ("://" not in output and os.path.isdir(output)):
        return None
    name = _name(output)
    if name.endswith(".tar"):
        return "tar"
    return next((c for suffix, c in SUFFIX_COMPRESSION.items() if name.endswith(suffix)), None)


def _pack(cfg: LoadedConfig, output: str | None, compression: str, allow_partial: bool,
          lock_timeout: float | None) -> Any:
    """A local archive (or device, FIFO, stdout), or one streamed to an object URL (docs/remote-storage.md)."""
    if output is not None and "://" in output:
        from tusz_guard.storage.location import Location

        dest = Location.parse(output)
        if not dest.is_local:
            from tusz_guard.storage.archives import pack_to_url

            return pack_to_url(cfg, dest, compression, allow_partial,  # type: ignore[arg-type]
                               folder=output.endswith("/"))
        output = dest.format()
    return pack(cfg, None if output is None else Path(output), compression, allow_partial,  # type: ignore[arg-type]
                lock_timeout=lock_timeout, note=lambda line: click.echo(line, err=True))


def _where(result: Any) -> str:
    return str(getattr(result, "url", None) or result.path)
