"""`tusz-guard check`: the preflight. Exit 0 pass (warnings allowed unless --strict), 1 blocked."""
from __future__ import annotations

import sys

import click

from tusz_guard.atomic import is_stdout
from tusz_guard.checks.gate import preflight
from tusz_guard.config import load_config
from tusz_guard.progress import count_bar
from tusz_guard.report import FORMATS, check_output_option, write_reports
from tusz_guard.report.text import header_lines, render_text, summary_line

REPORTS_DIR = "reports"


@click.command("check")
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS), default=("text",), show_default=True,
              help="Repeatable. text goes to the terminal; json, junit and html are written to files.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write the one file format here.")
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
def command(configs: tuple[str, ...], formats: tuple[str, ...], out: str | None, report_dir: str | None,
            select: tuple[str, ...], skip: tuple[str, ...], strict: bool, fail_fast: bool, deep: bool,
            archive: str | None, no_expectations: bool, suite_dir: str | None, data_docs: str | None) -> int:
    """Check a training setup before the first batch: config paths, corpus, labels, splits, cache.

    \b
    Examples:
      tusz-guard check configs/train.yaml
      tusz-guard check configs/train.yaml configs/smoke.yaml --format html
      tusz-guard check configs/train.yaml --format junit -o reports/check.xml --strict
      tusz-guard check configs/train.yaml --select 'cache.*' --deep
      tusz-guard check configs/train.yaml --no-expectations      # skip the Great Expectations suites
    """
    files = [f for f in formats if f != "text"] or (["json"] if report_dir is not None else [])
    if out is not None and not files:
        files = ["text"]
    check_output_option(files, out)          # before any work: the checks can take minutes on a real corpus
    cfg = load_config(configs[0])
    with count_bar("scanning the corpus") as tick:
        report = preflight(cfg, configs[1:], progress=tick, deep=deep, archive=archive, select=select, skip=skip,
                           fail_fast=fail_fast, strict=strict, expectations=not no_expectations,
                           suite_dir=suite_dir, data_docs=data_docs)
    to_err = is_stdout(out)       # -o -: stdout carries the report alone, every other line goes to stderr
    if "text" in formats:
        click.echo(render_text(report, color=not to_err and sys.stdout.isatty()), err=to_err)
    else:   # file formats only: the terminal still gets where the cache is and the verdict
        click.echo("\n".join([*header_lines(report), summary_line(report)]), err=to_err)
    folder = report_dir if report_dir is not None else (cfg.project_root / REPORTS_DIR if files else None)
    for path in write_reports(report, files, out, folder):
        click.echo(f"report: {path}", err=to_err)
    return report.exit_code
