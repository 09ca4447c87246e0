"""`tusz-guard run -- COMMAND`: the preflight in front of any trainer or builder; the command starts only on pass."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from tusz_guard.app.preflight import preflight
from tusz_guard.checks.machine import RunSettings
from tusz_guard.commands.common import SET_OPTION, TIME_LIMIT_OPTION, overrides
from tusz_guard.errors import GuardError
from tusz_guard.pipeline.foreign_config import load_any
from tusz_guard.pipeline.launch import EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, execute, find_config, resolve_program
from tusz_guard.progress import count_bar
from tusz_guard.report import write_reports
from tusz_guard.report.text import render_text


@click.command("run", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--config", "config", type=click.Path(dir_okay=False), help="The config the command runs "
              "(default: the first argument of the command that is a pipeline or tusz-guard config).")
@click.option("--report-dir", type=click.Path(file_okay=False),
              help="Folder for the JSON report (default: reports/ in the project root).")
@click.option("--strict", is_flag=True, help="Warnings block too.")
@click.option("--deep", is_flag=True, help="Also read every cache entry's values.")
@click.option("--no-expectations", is_flag=True, help="Skip the Great Expectations suites.")
@SET_OPTION
@TIME_LIMIT_OPTION
@click.argument("cmd", nargs=-1, required=True, type=click.UNPROCESSED)
def command(config: str | None, report_dir: str | None, strict: bool, deep: bool, no_expectations: bool,
            sets: tuple[str, ...], time_limit: float | None, cmd: tuple[str, ...]) -> int:
    """Check, then run COMMAND only when the check passes (exit code = the command's; 1 when blocked).

    \b
    Examples:
      tusz-guard run -- python -m src.train configs/local/train.yaml
      BGB_LIMIT_FILES=50 tusz-guard run -- python -m src.train configs/local/smoke.yaml
      tusz-guard run --config configs/train.yaml -- ./train.sh
    """
    env = dict(os.environ)
    if resolve_program(cmd[0], env) is None:
        if os.sep in cmd[0] and os.path.isfile(cmd[0]):        # there, but cannot be run: a shell says 126
            raise GuardError(f"cannot run {cmd[0]}: it is not executable", hint=f"chmod +x {cmd[0]}",
                             exit_code=EXIT_NOT_EXECUTABLE)
        raise GuardError(f"command not found: {cmd[0]}", exit_code=EXIT_NOT_FOUND)
    path = Path(config) if config is not None else find_config(cmd, Path.cwd())
    cfg = load_any(path, env=env, overrides=overrides(sets))
    with count_bar("scanning the corpus") as tick:
        report = preflight(cfg, progress=tick, deep=deep, strict=strict, expectations=not no_expectations,
                           run=RunSettings(time_limit_s=time_limit))
    blocked = report.exit_code != 0
    report = replace(report, command="run", sections={**report.sections, "run": {
        "command": list(cmd), "cwd": str(Path.cwd()), "config": str(cfg.path), "started": not blocked}})
    click.echo(render_text(report, color=sys.stderr.isatty()), err=True)
    folder = report_dir if report_dir is not None else cfg.project_root / "reports"
    for written in write_reports(report, ["json"], None, folder, stem="run"):
        click.echo(f"report: {written}", err=True)
    if blocked:
        ids = [f.id for f in report.blocking]
        click.echo(f"blocked: {', '.join(ids)}; `{' '.join(cmd)}` was not started", err=True)
        return 1
    click.echo(f"passed: starting `{' '.join(cmd)}`", err=True)
    return execute(cmd, env)
