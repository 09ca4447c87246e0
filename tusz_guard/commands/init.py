"""`tusz-guard init`: write a consistent configs/smoke.yaml + configs/train.yaml pair for one data dir."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
import yaml

from tusz_guard.config import find_project_root
from tusz_guard.config.schema import Preprocessing, Training, Windows
from tusz_guard.corpus.levels import level_problem, probe
from tusz_guard.corpus.paths import SPLITS
from tusz_guard.errors import GuardError

MARKER = "tusz-guard.toml"
HEADER = """\
# Written by `tusz-guard init`. smoke.yaml and train.yaml share data.data_dir, data.cache_dir and every
# preprocessing key: the smoke run builds cache entries the full run reuses (one fingerprint, one cache).
# Change preprocessing in both files, or `tusz-guard check` blocks (config.consistency).
"""


@click.command("init")
@click.option("--data-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The TUSZ edf/ folder (holding train/, dev/, eval/), or the corpus root above it.")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root; the configs go to PROJECT_DIR/configs/.")
@click.option("--cache-dir", default="cache/tusz", show_default=True,
              help="The one cache both configs read (relative to the project root).")
@click.option("--smoke-files", type=click.IntRange(min=1), default=20, show_default=True,
              help="data.limit_files of the smoke config (recordings per role).")
@click.option("--force", is_flag=True, help="Overwrite existing configs/smoke.yaml and configs/train.yaml.")
def command(data_dir: Path, project_dir: Path, cache_dir: str, smoke_files: int, force: bool) -> int:
    """Write configs/smoke.yaml and configs/train.yaml for DATA_DIR, then run the config checks on them.

    \b
    Examples:
      tusz-guard init --data-dir data/tusz/edf
      tusz-guard init --data-dir /mnt/tusz/v2.0.3 --project-dir ~/seizure --smoke-files 50
    """
    project = project_dir.expanduser().absolute()
    folder = project / "configs"
    targets = {"smoke": folder / "smoke.yaml", "train": folder / "train.yaml"}
    _refuse_overwrite(targets.values(), project, force)
    data = _data_dir(data_dir.expanduser().absolute())
    marker = _ensure_root(project, targets["train"])
    shared = shared_sections(_shown(data, project), cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for kind, path in targets.items():
        path.write_text(render(config_for(kind, shared, smoke_files)), encoding="utf-8")
    for written in [marker, *targets.values()]:
        if written is not None:
            click.echo(f"wrote {_rel(written, project)}")
    return _gate(targets["train"], targets["smoke"])


def _data_dir(path: Path) -> Path:
    """The folder holding train/dev/eval: accept the corpus root and step into its edf/."""
    if not any((path / s).is_dir() for s in SPLITS) and (path / "edf").is_dir():
        click.echo(f"note: using {path / 'edf'} (the edf/ folder under {path})")
        return path / "edf"
    if not path.is_dir():
        click.echo(f"note: {path} does not exist yet; the configs name it anyway")
    problem = level_problem(probe(path), "official", str(path))
    if problem:   # a wrong level would pass the config checks and build nothing (issue 13.5)
        raise GuardError(problem.replace("data.data_dir", "--data-dir", 1), hint="nothing written")
    return path


def _refuse_overwrite(paths: Any, project: Path, force: bool) -> None:
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        names = ", ".join(_rel(p, project) for p in existing)
        raise GuardError(f"{names} already exist(s) in {project}", hint="pass --force to overwrite")


def _ensure_root(project: Path, config: Path) -> Path | None:
    """Relative paths resolve against the project root: make sure the configs find this one."""
    if find_project_root(config) == project:
        return None
    marker = project / MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("# Marks the tusz-guard project root: config paths resolve against this folder.\n",
                      encoding="utf-8")
    return marker


def _shown(path: Path, project: Path) -> str:
    """Relative to the project when inside it (the configs move with the project), else absolute."""
    return _rel(path, project) if path.is_relative_to(project) else str(path)


def _rel(path: Path, project: Path) -> str:
    return Path(os.path.relpath(path, project)).as_posix() if path.is_relative_to(project) else str(path)


def shared_sections(data_dir: str, cache_dir: str) -> dict[str, Any]:
    """What both configs hold identically: paths, split policy, preprocessing, windows."""
    return {
        "data": {"data_dir": data_dir, "cache_dir": cache_dir, "split_policy": "official", "annotations": "csv_bi"},
        "preprocessing": Preprocessing().model_dump(mode="json"),
        "windows": Windows().model_dump(mode="json"),
    }


def config_for(kind: str, shared: dict[str, Any], smoke_files: int) -> dict[str, Any]:
    """The smoke or the full config: the shared sections plus experiment, limits and training."""
    smoke = kind == "smoke"
    data = dict(shared["data"], **({"limit_files": smoke_files} if smoke else {}))
    training = Training().model_dump(mode="json") | ({"epochs": 1} if smoke else {})
    return {
        "experiment": {"name": f"tusz_{kind}", "kind": "smoke" if smoke else "full", "seed": 42,
                       "output_dir": f"results/{kind}"},
        "data": data,
        "preprocessing": shared["preprocessing"],
        "windows": shared["windows"],
        "training": training,
    }


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes lists in flow style ([0.5, 120.0]) and mappings in block style."""


_Dumper.add_representer(list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def render(config: dict[str, Any]) -> str:
    """YAML with the header comment."""
    return HEADER + yaml.dump(config, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def _gate(train: Path, smoke: Path) -> int:
    """Run the config.* checks on the pair just written; print the full report only when blocked."""
    from tusz_guard.app.preflight import preflight
    from tusz_guard.config import load_config
    from tusz_guard.report.text import render_text, summary_line

    report = preflight(load_config(train), (smoke,), select=("config.*",))
    if report.exit_code:
        click.echo(render_text(report))
        return report.exit_code
    click.echo(f"config checks: {summary_line(report)}")
    click.echo(f"next: tusz-guard build-cache {_rel(smoke, train.parents[1])}   "
               f"then tusz-guard check {_rel(train, train.parents[1])}")
    return 0
