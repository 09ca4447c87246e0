"""`tusz-guard verify-copy`: prove a copied or synced cache (folder or URL) is whole. Exit codes as `check`."""
from __future__ import annotations

import sys

import click

from tusz_guard.app.copy import verify
from tusz_guard.cache.store import CacheStore
from tusz_guard.commands.common import load_for
from tusz_guard.errors import GuardError
from tusz_guard.results import Report
from tusz_guard.storage.location import Location

FORMATS = ("text", "json", "junit", "html")


@click.command("verify-copy")
@click.argument("targets", nargs=-1, metavar="CONFIG DEST")
@click.option("--self", "own", is_flag=True, help="Check DEST against the sums in its own index (no CONFIG, no "
              "local cache needed).")
@click.option("--fast", is_flag=True, help="Listing and sizes only; no file is read.")
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Files hashed at once (memory: one 8 MiB read per worker).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write the report here.")
def command(targets: tuple[str, ...], own: bool, fast: bool, workers: int, fmt: str, out: str | None) -> int:
    """Verify that DEST (a folder or a URL such as s3://bucket/cache/tusz) holds exactly the cache CONFIG reads.

    \b
    Tiers: copy.index, copy.listing (every file at its size, nothing extra),
    copy.checksums (every file streamed through sha256; skipped with --fast).
    Credentials come from the protocol's usual places (AWS_* variables, ~/.aws);
    an S3-compatible endpoint from AWS_ENDPOINT_URL.
    \b
    Examples:
      tusz-guard verify-copy configs/train.yaml s3://my-bucket/cache/tusz
      tusz-guard verify-copy configs/train.yaml /mnt/volume/cache/tusz --fast
      tusz-guard verify-copy --self s3://my-bucket/cache/tusz --format json -o reports/copy.json
    """
    store, dest = _targets(targets, own)
    report = verify(dest, store, fast=fast, workers=workers)
    _emit(report, fmt, out)
    return report.exit_code


def _emit(report: Report, fmt: str, out: str | None) -> None:
    """text: the copy's own layout; json, junit, html: the shared renderers."""
    from pathlib import Path

    from tusz_guard.report import render, write_atomic

    if out is None:
        click.echo(render_copy_text(report, color=sys.stdout.isatty()) if fmt == "text" else render(report, fmt),
                   nl=fmt == "text")
        return
    write_atomic(Path(out), render_copy_text(report) + "\n" if fmt == "text" else render(report, fmt))
    click.echo(f"report: {out}", err=True)


def _targets(targets: tuple[str, ...], own: bool) -> tuple[CacheStore | None, Location]:
    if own:
        if len(targets) != 1:
            raise GuardError("verify-copy --self takes one argument, DEST", hint="tusz-guard verify-copy --self DEST")
        return None, _dest(targets[0])
    if len(targets) != 2:
        raise GuardError("verify-copy takes CONFIG and DEST", hint="or `verify-copy --self DEST` to check a copy "
                         "against its own sums")
    cfg = load_for(targets[0], "verify-copy")
    store = CacheStore(cfg.cache_dir)
    if not store.exists():
        raise GuardError(f"{cfg.display(cfg.cache_dir)} is not a tusz-guard cache (no tusz-guard-cache.json)",
                         hint=f"build it with `tusz-guard build-cache {targets[0]}`, or use --self")
    dest = _dest(targets[1])
    if dest.is_local and dest.local_path.resolve() == cfg.cache_dir.resolve():
        raise GuardError(f"DEST {dest.shown} is the config's own cache_dir", hint="name the copy, not the original")
    return store, dest


def _dest(text: str) -> Location:
    """A URL (an empty prefix is a copy without index), or a local folder that must exist."""
    dest = Location.parse(text)
    if dest.is_local and not dest.local_path.is_dir():
        raise GuardError(f"DEST {dest.shown} is not a folder", hint="give the folder the cache was copied to")
    return dest


def render_copy_text(report: Report, color: bool = False) -> str:
    """Copy and source first, a line per tier, the verdict."""
    from tusz_guard.report.text import status_tag, summary_line
    from tusz_guard.textsafe import safe

    c = report.sections["copy"]
    against = c["source"] or "its own index (--self)"
    lines = [f"copy:      {safe(c['dest'])} ({c['files']:,} files, {c['bytes']:,} bytes)", f"against:   {safe(against)}"]
    width = max(len(f.id) for f in report.findings)
    lines += [""] + [f"{status_tag(f.status, color)} {f.id:<{width}}  {safe(f.message)}" for f in report.ordered]
    return "\n".join(lines + ["", summary_line(report)])
