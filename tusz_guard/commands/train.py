"""`tusz-guard train`: the preflight gate, then a small seizure detector trained from the cache (imports torch)."""
from __future__ import annotations

from pathlib import Path

import click

from tusz_guard.commands.common import CONFIG_ARG, SET_OPTION, TIME_LIMIT_OPTION, Duration, echo_paths, load_for, overrides
from tusz_guard.extras import require


@click.command("train")
@CONFIG_ARG
@click.option("--allow-live", is_flag=True,
              help="Build missing cache entries now (loudly, recorded in run.json) instead of refusing to train.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Override training.epochs.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default=None,
              help="Override training.device (default cpu; auto picks cuda when available).")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the preflight report (default: reports/ in the project root, as `check`).")
@click.option("--resume", metavar="CHECKPOINT|latest", default=None,
              help="Go on from a checkpoint (latest: output_dir/checkpoint.pt) when its cache fingerprint, cache "
                   "dir, window geometry, label sets and training keys equal this run's; exit 1 naming each "
                   "difference otherwise.")
@click.option("--checkpoint-every", type=Duration(), default=None, metavar="DURATION",
              help="Also checkpoint inside an epoch this often (e.g. 30m), so a killed run loses at most that much; "
                   "--resume goes on from the batch it had reached.")
@SET_OPTION
@TIME_LIMIT_OPTION
def command(config: str, allow_live: bool, epochs: int | None, device: str | None, report_dir: Path | None,
            resume: str | None, checkpoint_every: float | None, sets: tuple[str, ...], time_limit: float | None) -> int:
    """Run the preflight; train only when it passes (exit 1 naming the blocking checks otherwise).

    Writes to experiment.output_dir: metrics.json (per epoch), checkpoint.pt, config.resolved.yaml and
    run.json; a blocked run writes nothing there (its preflight report goes to reports/).

    \b
    Examples:
      tusz-guard train configs/train.yaml
      tusz-guard train configs/smoke.yaml --epochs 1
      tusz-guard train configs/train.yaml --allow-live --device auto
      tusz-guard train configs/train.yaml --resume latest      # after a killed or time-limited run
    """
    require("train", "tusz-guard train")     # before the preflight: torch is what the whole command is for
    from tusz_guard.train.gated import gated_train

    cfg = load_for(config, "train", overrides(sets))
    echo_paths(cfg)
    return gated_train(cfg, allow_live=allow_live, epochs=epochs, device=device,
                       report_dir=report_dir.absolute() if report_dir else None, log=click.echo,
                       resume=resume, time_limit=time_limit, checkpoint_every=checkpoint_every)
