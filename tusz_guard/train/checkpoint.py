"""Resumable checkpoints: everything a killed run needs to go on exactly, and what it was trained on.

A checkpoint holds the model, the optimizer, the epoch, the sampler's generator and torch's RNG state, the
metrics so far, and the run's identity (cache fingerprint and folder, window geometry, label sets, training
keys). `train --resume` starts only when that identity equals the current one, and loads with
`weights_only=True`: tensors, numbers, strings and containers, never arbitrary objects.
"""
from __future__ import annotations

import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tusz_guard.config import LoadedConfig
from tusz_guard.errors import GuardError
from tusz_guard.train.model import SeizureCNN

SCHEMA = "tusz-guard/checkpoint/v2"
LATEST = "latest"
MODEL_NAME = SeizureCNN.__name__   # what describe(model)["name"] records in run.json


def identity(cfg: LoadedConfig, fingerprint: str) -> dict[str, Any]:
    """What a checkpoint was trained on; a resumed run must have the same."""
    c = cfg.config
    return {
        "fingerprint": fingerprint,
        "cache_dir": str(cfg.cache_dir),
        "windows.length_s": float(c.windows.length_s),
        "windows.stride_s": float(c.windows.stride_s),
        "preprocessing.sampling_rate": int(c.preprocessing.sampling_rate),
        "labels.seizure": sorted(c.labels.seizure),
        "labels.background": sorted(c.labels.background),
        "training.batch_size": int(c.training.batch_size),
        "training.learning_rate": float(c.training.learning_rate),
        "training.loss": c.training.loss,
        "experiment.seed": int(c.experiment.seed),
        "model": MODEL_NAME,
    }


def differences(saved: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """'windows.stride_s: checkpoint 10.0, now 30.0' for every key that differs (or is absent on one side)."""
    out = []
    for key in dict.fromkeys([*now, *saved]):
        if saved.get(key) != now.get(key):
            out.append(f"{key}: checkpoint {_show(saved.get(key))}, now {_show(now.get(key))}")
    return out


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return "(absent)" if value is None else str(value)


def resolve(arg: str, output_dir: Path) -> Path | None:
    """`latest` -> output_dir/checkpoint.pt, or None when there is none yet (a launcher's first job starts
    fresh); any other value is a path that must exist."""
    from tusz_guard.train.outputs import CHECKPOINT

    path = output_dir / CHECKPOINT if arg == LATEST else Path(arg).expanduser()
    if not path.is_file():
        if arg == LATEST and not path.exists():
            return None
        raise GuardError(f"checkpoint not found: {path}", hint="pass --resume PATH to a checkpoint.pt, or latest")
    return path


def load(path: Path) -> dict[str, Any]:
    """The checkpoint's dict, with weights_only=True; a one-line GuardError for anything else."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "unsupported global" in str(exc).lower():     # a class or function: code, never loaded
            raise GuardError(f"{path}: refused: it holds objects other than tensors and plain values "
                             "(loading it would run code from the file)",
                             hint="resume only from checkpoints tusz-guard train wrote") from None
        raise _unreadable(path, exc) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _unreadable(path, exc) from None
    if not isinstance(state, dict) or state.get("schema") != SCHEMA:
        raise GuardError(f"{path}: not a resumable tusz-guard checkpoint (schema {SCHEMA} expected)",
                         hint="it was written by another tool or an older version; train without --resume")
    return state


def _unreadable(path: Path, exc: Exception) -> GuardError:
    first = (str(exc).splitlines() or [""])[0].split(". ")[0][:100]
    return GuardError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {first})",
                      hint="the file is truncated or not a torch checkpoint; resume from another one")


@dataclass(frozen=True)
class Resume:
    """A checkpoint that matched the run: where the loop goes on from."""

    path: Path
    epoch: int
    state: dict[str, Any]


def for_run(arg: str, cfg: LoadedConfig, fingerprint: str) -> Resume | None:
    """Load and compare; GuardError (exit 1) naming each difference when the checkpoint belongs to another run.
    None: `latest` and no checkpoint yet."""
    path = resolve(arg, cfg.output_dir)
    if path is None:
        return None
    state = load(path)
    diff = differences(state.get("identity") or {}, identity(cfg, fingerprint))
    if diff:
        raise GuardError(f"{path} was trained on something else: {'; '.join(diff)}",
                         hint="resume with the config and cache it was trained on, or train from scratch "
                              "(leave --resume out)", exit_code=1)
    return Resume(path, int(state["epoch"]), state)
