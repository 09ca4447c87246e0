"""`tusz-guard verify-archive`: one streaming pass, in tiers; never extracts. Exit codes as `check`."""
from __future__ import annotations

import sys

import click

from tusz_guard.app.archive import verify
from tusz_guard.archive.progress import byte_bar
from tusz_guard.report.text import status_tag
from tusz_guard.results import Report

FORMATS = ("text", "json", "junit", "html")


@click.command("verify-archive")
@click.argument("archive", type=str)
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Also check prefix, fingerprint and "
              "coverage against this config.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write the report here.")
def command(archive: str, config: str | None, fmt: str, out: str | None) -> int:
    """Verify a cache archive without extracting it: safety, readability, totals, completeness, checksums.

    \b
    Examples:
      tusz-guard verify-archive cache-tusz-9cd21cce38854d56-train5of5-val4of4.tar.zst
      tusz-guard verify-archive upload.tar.gz --config configs/train.yaml
      tusz-guard verify-archive upload.tar.gz --config configs/train.yaml --format junit -o reports/archive.xml
      tusz-guard verify-archive s3://my-bucket/archives/cache-tusz.tar.zst     # streamed, never downloaded
    """
    if config:      # only with --config: pydantic, the config schema and the profile reader
        from tusz_guard.pipeline.foreign_config import load_own
    cfg = load_own(config, "verify-archive --config") if config else None
    report = verify(archive, cfg, progress_bar=byte_bar)
    if fmt == "text" and out is None:
        click.echo(render_archive_text(report, color=sys.stdout.isatty()))
    else:
        from tusz_guard.report import render, write_reports

        if out is None:
            click.echo(render(report, fmt), nl=False)
        else:
            for path in write_reports(report, [fmt], out, None):
                click.echo(f"report: {path}", err=True)
    return report.exit_code


def render_archive_text(report: Report, color: bool = False) -> str:
    """The archive first, the config it was checked against, a line per check, the verdict."""
    from tusz_guard.report.text import summary_line
    from tusz_guard.textsafe import safe  # member names are foreign text: no name may print a line of its own

    a = report.sections["archive"]
    kind = "manifest" if a["manifest"] else "no manifest"
    lines = [f"archive:   {safe(str(a['archive']))} ({a['compression']}, {a['archive_bytes']:,} bytes, "
             f"{a['members']:,} members, {kind})"]
    if report.configs:
        c = report.configs[0]
        lines.append(f"config:    {safe(c.path)} -> {safe(c.cache_dir)} (fingerprint {c.fingerprint})")
    width = max(len(f.id) for f in report.findings)
    lines += [""] + [f"{status_tag(f.status, color)} {f.id:<{width}}  {safe(f.message)}" for f in report.ordered]
    return "\n".join(lines + ["", summary_line(report)])

