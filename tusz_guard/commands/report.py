"""`tusz-guard report diff OLD.json NEW.json`: what changed between two check reports."""
from __future__ import annotations

import json

import click

from tusz_guard.report.changes import change_lines, compare
from tusz_guard.report.history import load_report
from tusz_guard.textsafe import safe


@click.group("report")
def command() -> None:
    """Work with the reports `check` writes.

    \b
    Example:
      tusz-guard report diff reports/history/OLD.json reports/latest.json
    """


@command.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the `changes` section as JSON instead of lines.")
def diff(old: str, new: str, as_json: bool) -> int:
    """Say what changed from OLD to NEW: newly failing and passing checks, counts, fingerprint, config, recordings.

    \b
    Example:
      tusz-guard report diff reports/history/OLD.json reports/latest.json
    """
    changes = compare(load_report(old), load_report(new), previous=old)
    if as_json:
        click.echo(json.dumps(changes, indent=2, default=str))
    else:
        click.echo("\n".join(safe(line) for line in change_lines(changes)))
    return 0
