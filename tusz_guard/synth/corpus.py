"""Write a planned corpus to disk, never over data that is not ours."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tusz_guard.errors import GuardError
from tusz_guard.synth import truth as gt
from tusz_guard.synth.annotations import csv_bi_text, csv_text
from tusz_guard.synth.edfwrite import break_file, write_full, write_sparse
from tusz_guard.synth.plan import RecordingPlan, build_plan
from tusz_guard.synth.profiles import PROFILES, SPECS, Profile
from tusz_guard.synth.signals import synthesize

Progress = Callable[[int, int], None]


def generate(dest: Path, profile: Profile, seed: int = 0, defects: bool = True,
             progress: Progress | None = None) -> dict[str, Any]:
    """Write dest/edf/{train,dev,eval}/... and dest/ground_truth.json; return the ground truth."""
    if profile not in PROFILES:
        raise GuardError(f"unknown synth profile '{profile}'", hint=f"choose one of {', '.join(PROFILES)}")
    dest = Path(dest)
    check_dest(dest, profile, seed, defects)
    plans = build_plan(profile, seed, defects)
    dest.mkdir(parents=True, exist_ok=True)
    # Written first so that an interrupted run leaves a directory we can prove is ours and regenerate.
    _save(dest, gt.ground_truth(profile, seed, defects, plans, complete=False))
    sparse = SPECS[profile].sparse
    for done, plan in enumerate(plans, start=1):
        write_recording(dest / "edf", plan, seed, sparse)
        if progress is not None:
            progress(done, len(plans))
    truth = gt.ground_truth(profile, seed, defects, plans)
    _save(dest, truth)
    return truth


def check_dest(dest: Path, profile: Profile, seed: int, defects: bool) -> None:
    """Refuse a file, a non-empty directory that is not ours, or one of ours made with other options."""
    if dest.exists() and not dest.is_dir():
        raise GuardError(f"{dest} is a file, not a directory", hint="choose a new or empty directory")
    if not dest.is_dir() or not any(dest.iterdir()):
        return
    prior = gt.read(dest / gt.FILE_NAME)
    if prior is None:
        raise GuardError(f"{dest} is not empty and holds no tusz-guard synthetic corpus; nothing was written",
                         hint="choose a new or empty directory")
    made = (prior.get("profile"), prior.get("seed"), prior.get("defects"))
    if made != (profile, seed, defects):
        raise GuardError(f"{dest} holds a synthetic corpus made with profile={made[0]}, seed={made[1]}, "
                         f"defects={made[2]}; nothing was written",
                         hint="use a new directory, or the same options to regenerate it in place")


def write_recording(root: Path, plan: RecordingPlan, seed: int, sparse: bool) -> None:
    """The EDF (full, sparse or broken) and its .csv/.csv_bi companions."""
    edf = root / plan.rel_path
    edf.parent.mkdir(parents=True, exist_ok=True)
    if plan.needs_signal:
        if sparse:
            write_sparse(edf, plan)
        else:
            write_full(edf, plan, synthesize(plan, seed))
    break_file(edf, plan)
    if "no_annotations" not in plan.defects:
        edf.with_suffix(".csv").write_text(csv_text(plan), encoding="ascii", newline="\n")
        edf.with_suffix(".csv_bi").write_text(csv_bi_text(plan), encoding="ascii", newline="\n")


def _save(dest: Path, truth: dict[str, Any]) -> None:
    (dest / gt.FILE_NAME).write_text(gt.dumps(truth), encoding="utf-8", newline="\n")
