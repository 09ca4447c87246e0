"""`tusz-guard synth`: write a synthetic TUSZ corpus with its ground truth."""
from __future__ import annotations

from pathlib import Path

import click

from tusz_guard.extras import require
from tusz_guard.synth import PROFILES, generate, summary


@click.command("synth")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", type=click.Choice(PROFILES), default="tiny", show_default=True,
              help="tiny: 20 files in a second; demo: 54 learnable files; scale: v2.0.3 counts, sparse files.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option("--no-defects", "no_defects", is_flag=True, help="Leave out the deliberately broken recordings.")
def command(dest: Path, profile: str, seed: int, no_defects: bool) -> int:
    """Write a synthetic TUSZ corpus to DEST (data_dir is DEST/edf) and DEST/ground_truth.json.

    Refuses a non-empty DEST that is not a corpus of ours; rerunning with the same options regenerates
    it in place.

    \b
    Examples:
      tusz-guard synth demo --profile demo
      tusz-guard synth /tmp/tusz-scale --profile scale --seed 1 --no-defects
    """
    require("build", "tusz-guard synth", ("edfio",))    # before the first file: no half-written corpus
    if profile == "tiny" or not _stderr_is_terminal():
        truth = generate(dest, profile, seed=seed, defects=not no_defects)  # type: ignore[arg-type]
    else:
        truth = _with_bar(dest, profile, seed, not no_defects)
    click.echo(f"synth: wrote {dest / 'edf'}: {summary(truth)}")
    return 0


def _stderr_is_terminal() -> bool:
    from rich.console import Console

    return Console(stderr=True).is_terminal


def _with_bar(dest: Path, profile: str, seed: int, defects: bool) -> dict:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # The bar goes to stderr so that stdout carries only the summary line.
    with Progress(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("synth", total=None)
        return generate(dest, profile, seed=seed, defects=defects,  # type: ignore[arg-type]
                        progress=lambda done, total: bar.update(task, completed=done, total=total))
