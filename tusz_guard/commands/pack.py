"""`tusz-guard pack`: the config's cache as one deterministic archive with a manifest first."""
from __future__ import annotations

from pathlib import Path

import click

from tusz_guard.archive.pack import coverage_text, pack
from tusz_guard.atomic import is_stdout
from tusz_guard.commands.common import CONFIG_ARG, echo_paths
from tusz_guard.config import load_config
from tusz_guard.errors import GuardError

# What an archive name promises; a .tar.gz that holds a zstd stream breaks every tool that trusts the name.
SUFFIX_COMPRESSION = {".tar.gz": "gz", ".tgz": "gz", ".tar.zst": "zst", ".tzst": "zst", ".tar.zstd": "zst"}


@click.command("pack")
@CONFIG_ARG
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Archive path or folder (default: a name that states the fingerprint and coverage, in the "
                   "current folder).")
@click.option("--compression", type=click.Choice(["gz", "zst"]),
              help="Default: what the -o suffix says (.tar.gz/.tgz: gz, .tar.zst/.tzst: zst), else zst.")
@click.option("--allow-partial", is_flag=True,
              help="Pack even when train/val are not fully cached (written into the manifest and the file name).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Give up (exit 1, naming the holder) when a builder holds the cache lock longer than this.")
def command(config: str, output: Path | None, compression: str | None, allow_partial: bool,
            lock_timeout: float | None) -> int:
    """Archive the cache the config reads, refusing one that does not cover its training recordings.

    \b
    Examples:
      tusz-guard pack configs/train.yaml
      tusz-guard pack configs/train.yaml --compression gz -o /transfer/
      tusz-guard pack configs/smoke.yaml --allow-partial
    """
    compression = resolve_compression(output, compression)   # before any work: a wrong suffix is a usage error
    cfg = load_config(config)
    echo_paths(cfg, err=is_stdout(output))
    result = pack(cfg, output, compression, allow_partial, lock_timeout=lock_timeout)  # type: ignore[arg-type]
    m = result.manifest
    to_err = is_stdout(output)          # -o -: stdout carries the archive alone
    click.echo(f"packed {len(m.members):,} files ({m.total_bytes:,} bytes) of {m.prefix}/ into {result.path} "
               f"({result.archive_bytes:,} bytes, {compression})", err=to_err)
    click.echo(f"fingerprint {m.fingerprint}; covers {coverage_text(m.coverage)} recordings", err=to_err)
    if m.partial:
        click.echo("PARTIAL: packed with --allow-partial; the manifest and the file name say so", err=True)
    for name in result.skipped:
        click.echo(f"  not packed: {name} (not part of the cache format)", err=True)
    return 0


def resolve_compression(output: Path | None, compression: str | None) -> str:
    """The -o suffix selects the compression; a --compression that contradicts it is a usage error (exit 2)."""
    named = _named_compression(output)
    if named == "tar":
        raise GuardError(f"-o {output}: pack writes compressed archives only",
                         hint="name it .tar.zst or .tar.gz")
    if named is not None and compression is not None and named != compression:
        raise GuardError(f"-o {output} names a {named} archive but --compression is {compression}",
                         hint=f"drop --compression, or name the file {output.name.split('.')[0]}.tar.{compression}"
                         if output is not None else None)
    return named or compression or "zst"


def _named_compression(output: Path | None) -> str | None:
    if output is None or output.is_dir() or str(output).endswith("/"):
        return None
    name = output.name.lower()
    if name.endswith(".tar"):
        return "tar"
    return next((c for suffix, c in SUFFIX_COMPRESSION.items() if name.endswith(suffix)), None)
