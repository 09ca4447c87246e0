"""`tusz-guard check`: the preflight. Exit 0 pass (warnings allowed unless --strict), 1 blocked."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tusz_guard import __version__
from tusz_guard.commands.common import NO_MEMO, SCAN_WORKERS, SET_OPTION, TIME_LIMIT_OPTION, overrides
from tusz_guard.errors import ConfigError
from tusz_guard.progress import count_bar
from tusz_guard.report import FORMATS, check_output_option, write_reports
from tusz_guard.report.history import with_history
from tusz_guard.report.text import changes_text, header_lines, render_text, summary_line
from tusz_guard.results import Finding, Report

if TYPE_CHECKING:     # `check --help` imports neither pydantic nor numpy: the application layer loads on use
    from tusz_guard.config import LoadedConfig
    from tusz_guard.config.overrides import Override

REPORTS_DIR = "reports"
# -o's suffix picks the format when --format is not given (.md: the Markdown summary)
SUFFIX_FORMATS = {".json": "json", ".xml": "junit", ".html": "html", ".htm": "html", ".txt": "text",
                  ".md": "markdown"}


@click.command("check")
@click.argument("configs", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--list", "list_checks", is_flag=True,
              help="List every check id with its title and inputs (with CONFIG: its suites too), then exit.")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="Repeatable (default: text, or what the -o suffix says). text goes to the terminal; json, junit, "
                   "html and markdown (a short CI job summary) are written to files.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False),
              help="Write the one file format here; without --format the suffix picks it (.json .xml .html .txt .md).")
@click.option("--report-dir", type=click.Path(file_okay=False),
              help="Folder for report files (default: reports/ in the project root of the first config).")
@click.option("--select", multiple=True, metavar="ID", help="Run only these checks (glob, e.g. 'cache.*'); repeatable.")
@click.option("--skip", multiple=True, metavar="ID", help="Do not run these checks (glob); repeatable.")
@click.option("--strict", is_flag=True, help="Warnings block too (exit 1).")
@click.option("--fail-fast", is_flag=True, help="Stop after the first failing check.")
@click.option("--deep", is_flag=True, help="Also read every cache entry: finite values, clip range, flat channels.")
@click.option("--archive", type=click.Path(exists=True, dir_okay=False), help="Also verify this cache archive.")
@click.option("--no-expectations", is_flag=True,
              help="Skip the Great Expectations suites (the fast path: Great Expectations is never imported).")
@click.option("--expectations", "suite_dir", type=click.Path(file_okay=False),
              help="Folder of suite .json files (default: <project>/expectations/, else the bundled suites).")
@click.option("--data-docs", type=click.Path(file_okay=False), help="Also build Great Expectations Data Docs here.")
@SET_OPTION
@TIME_LIMIT_OPTION
@click.option("--resume", "resumes", is_flag=True,
              help="The run resumes from its last checkpoint (train --resume latest): run.time_budget counts the "
                   "epochs left and allows a run longer than --time-limit.")
@click.option("--print-config", is_flag=True,
              help="Print the effective config (defaults, overrides and ${VAR} expanded) as YAML and exit 0.")
@NO_MEMO
@SCAN_WORKERS
def command(configs: tuple[str, ...], list_checks: bool, formats: tuple[str, ...], out: str | None, report_dir: str | None,
            select: tuple[str, ...], skip: tuple[str, ...], strict: bool, fail_fast: bool, deep: bool,
            archive: str | None, no_expectations: bool, suite_dir: str | None, data_docs: str | None,
            sets: tuple[str, ...], time_limit: float | None, resumes: bool, print_config: bool) -> int:
    """Check a training setup before the first batch: config paths, corpus, labels, splits, cache.

    \b
    Examples:
      tusz-guard check configs/train.yaml
      tusz-guard check configs/train.yaml configs/smoke.yaml --format html
      tusz-guard check configs/train.yaml --format junit -o reports/check.xml --strict
      tusz-guard check configs/train.yaml --select 'cache.*' --deep
      tusz-guard check configs/train.yaml --no-expectations      # skip the Great Expectations suites
      tusz-guard check configs/train.yaml --set data.cache_dir=/mnt/vol/cache   # as the launcher will run it
      tusz-guard check configs/train.yaml --print-config         # the config the run will really use
      tusz-guard check configs/train.yaml --time-limit 24h --resume   # a 100 h run on a 24 h platform
      tusz-guard check --list                                     # every check id, its title and inputs
    """
    from tusz_guard.app.preflight import preflight
    from tusz_guard.checks.machine import RunSettings
    from tusz_guard.pipeline.foreign_config import load_any

    if list_checks:
        return print_list(configs, suite_dir, no_expectations)
    if not configs:
        raise click.UsageError("Missing argument 'CONFIGS...'.")
    applied = overrides(sets)
    if print_config:
        click.echo(effective_yaml(load_any(configs[0], overrides=applied)), nl=False)
        return 0
    formats = formats or (infer_format(out),)
    files = [f for f in formats if f != "text"] or (["json"] if report_dir is not None else [])
    if out is not None and not files:
        files = ["text"]
    check_output_option(files, out)          # before any work: the checks can take minutes on a real corpus
    cfg = _load_primary(configs[0], files, out, report_dir, applied)
    with count_bar("scanning the corpus") as tick:
        report = preflight(cfg, configs[1:], progress=tick, deep=deep, archive=archive, select=select, skip=skip,
                           fail_fast=fail_fast, strict=strict, expectations=not no_expectations,
                           suite_dir=suite_dir, data_docs=data_docs,
                           run=RunSettings(time_limit_s=time_limit, resume=resumes))
    folder = report_dir if report_dir is not None else (cfg.project_root / REPORTS_DIR if files else None)
    if folder is not None and (out is None or report_dir is not None):   # a report folder keeps history/
        report = with_history(report, folder)
    _echo_report(report, text="text" in formats and out is None)
    for path in write_reports(report, files, out, folder):
        if str(path) != "-":             # `-o -`: the report went to stdout; there is no file to name
            click.echo(f"report: {path}", err=True)
    for line in data_docs_lines(report, data_docs):
        click.echo(line, err=True)
    return report.exit_code


def data_docs_lines(report: Report, requested: str | None) -> list[str]:
    """Where --data-docs put the site, and why it may look blank (GX's pages fetch their CSS/JS from CDNs)."""
    if requested is None:
        return []
    pages = sorted({str(f.details["data_docs"]) for f in report.findings if "data_docs" in f.details})
    if not pages:
        return [f"data docs: nothing built in {requested} (no Great Expectations suite ran)"]
    return [f"data docs: {page}" for page in pages] + [
        "  (Great Expectations loads the page's styles and scripts from CDNs: offline the page shows blank; "
        "the same results are in the tusz-guard reports)"]


def infer_format(out: str | None) -> str:
    """The format an -o file's suffix names (text when there is no -o, or the suffix says nothing)."""
    suffix = Path(out).suffix.lower() if out is not None else ""
    fmt = SUFFIX_FORMATS.get(suffix, "text")
    return fmt if fmt in FORMATS else "text"


def _echo_report(report: Report, *, text: bool) -> None:
    """stdout carries the report itself (text, or `-o -`); paths, verdict and report: lines go to stderr."""
    if text:
        click.echo(render_text(report, color=sys.stdout.isatty()))
    else:
        click.echo("\n".join([*header_lines(report), summary_line(report), *changes_text(report)]), err=True)


def effective_yaml(cfg: LoadedConfig) -> str:
    """What --print-config prints: a tusz-guard config with every default; a pipeline's config as it reads it."""
    import yaml

    from tusz_guard.pipeline.foreign_config import ForeignConfig

    if isinstance(cfg, ForeignConfig):
        head = f"# {cfg.display(cfg.path)} as the pipeline reads it (profile {cfg.profile.name})"
        doc = cfg.source
    else:
        head = f"# {cfg.display(cfg.path)}: the effective config (defaults, overrides and ${{VAR}} expanded)"
        doc = cfg.config.model_dump(mode="json")
    notes = [f"# override: {o.describe()}" for o in cfg.overrides]
    return "\n".join([head, *notes, yaml.safe_dump(doc, sort_keys=False)])


def _load_primary(shown: str, files: list[str], out: str | None, report_dir: str | None,
                  applied: tuple[Override, ...]) -> LoadedConfig:
    from tusz_guard.config import find_project_root
    from tusz_guard.pipeline.foreign_config import load_any

    try:
        return load_any(shown, overrides=applied)
    except ConfigError as exc:               # CI still gets its JUnit/JSON file, with config.schema failing
        root = find_project_root(Path(shown).absolute())
        folder = Path(report_dir) if report_dir is not None else (root / REPORTS_DIR if files else None)
        for path in write_reports(load_failure_report(shown, exc), files, out, folder):
            click.echo(f"report: {path}", err=True)
        raise


def load_failure_report(shown: str, exc: ConfigError) -> Report:
    """The report of a run whose primary config does not load: config.schema fails with every problem."""
    from tusz_guard.checks.engine import registered

    problems = [f"{shown}: {line}" for line in exc.render(with_file=False).splitlines()]
    finding = Finding("config.schema", "fail", next(c.title for c in registered() if c.id == "config.schema"),
                      f"{len(problems):,} problem(s): " + "; ".join(problems), {"problems": problems})
    return Report(findings=(finding,), configs=(), cache_dir="", fingerprint="", totals={},
                  generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), tool_version=__version__)


def print_list(configs: tuple[str, ...], suite_dir: str | None, no_expectations: bool) -> int:
    """`check --list`: id, title and inputs of every check, in report order (suites of CONFIG's project)."""
    from tusz_guard.app.preflight import listed_checks
    from tusz_guard.pipeline.foreign_config import load_any

    cfg = load_any(configs[0]) if configs else None
    checks = listed_checks(cfg, suite_dir, expectations=not no_expectations)
    width = max(len(c.id) for c in checks)
    inputs = max(len(c.inputs) for c in checks)
    for c in checks:
        click.echo(f"{c.id:<{width}}  {c.inputs:<{inputs}}  {c.title}")
    return 0
