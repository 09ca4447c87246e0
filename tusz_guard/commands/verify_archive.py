"""`tusz-guard verify-archive`: one streaming pass, in tiers; never extracts. Exit codes as `check`."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from tusz_guard import __version__
from tusz_guard.archive.progress import byte_bar
from tusz_guard.archive.verify import Expectation, verify_archive
from tusz_guard.checks.model import ConfigSummary, Finding, Report
from tusz_guard.config import LoadedConfig, load_config

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
    cfg = load_config(config) if config else None
    expect, findings, summary = _verify(archive, cfg)
    report = archive_report(findings, summary, cfg, expect)
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


def _verify(archive: str, cfg: LoadedConfig | None) -> tuple[Expectation | None, list[Finding], dict[str, Any]]:
    """A local file, or an object URL (s3://, gs://, ...) read as one stream."""
    from tusz_guard.storage.location import Location

    where = Location.parse(archive)
    if not where.is_local:
        from tusz_guard.storage.archives import verify_archive_url

        return verify_archive_url(where, cfg)[1:]
    path = Path(archive) if "://" not in archive else where.local_path     # a plain path is shown as given
    with byte_bar("verifying", path.stat().st_size if path.is_file() else 0) as update:
        return verify_archive(path, cfg, progress=update)[1:]


def archive_report(findings: list[Finding], summary: dict[str, Any], cfg: LoadedConfig | None,
                   expect: Expectation | None) -> Report:
    """The check Report of an archive verification, for every renderer."""
    configs: tuple[ConfigSummary, ...] = ()
    if cfg is not None and expect is not None:
        from tusz_guard.checks.summary import flatten

        configs = (ConfigSummary(path=expect.config, name=cfg.name, kind=cfg.config.experiment.kind,
                                 data_dir=str(cfg.data_dir), cache_dir=str(cfg.cache_dir),
                                 fingerprint=expect.fingerprint, values=flatten(cfg.config.model_dump(mode="json"))),)
    return Report(findings=tuple(findings), configs=configs, cache_dir=str(cfg.cache_dir) if cfg else "",
                  fingerprint=expect.fingerprint if expect else (summary.get("fingerprint") or ""), totals={},
                  sections={"archive": summary},
                  generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), tool_version=__version__,
                  command="verify-archive")


def render_archive_text(report: Report, color: bool = False) -> str:
    """The archive first, the config it was checked against, a line per check, the verdict."""
    from tusz_guard.report.text import summary_line

    a = report.sections["archive"]
    kind = "manifest" if a["manifest"] else "no manifest"
    lines = [f"archive:   {a['archive']} ({a['compression']}, {a['archive_bytes']:,} bytes, {a['members']:,} "
             f"members, {kind})"]
    if report.configs:
        c = report.configs[0]
        lines.append(f"config:    {c.path} -> {c.cache_dir} (fingerprint {c.fingerprint})")
    width = max(len(f.id) for f in report.findings)
    lines += [""] + [f"{_tag(f.status, color)} {f.id:<{width}}  {f.message}" for f in report.findings]
    return "\n".join(lines + ["", summary_line(report)])


def _tag(status: str, color: bool) -> str:
    from tusz_guard.report.text import COLORS, LABELS

    label = f"{LABELS.get(status, status.upper()):<5}"
    return click.style(label, fg=COLORS.get(status), bold=status in ("fail", "error")) if color else label
