"""The run's files under output_dir, each written atomically (temp file in the same folder + os.replace)."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import torch
import yaml

from tusz_guard.atomic import atomic_target, write_output
from tusz_guard.config import LoadedConfig
from tusz_guard.train.loop import EpochMetrics, Partial, TrainState

METRICS = "metrics.json"
CHECKPOINT = "checkpoint.pt"
RESOLVED_CONFIG = "config.resolved.yaml"
RUN = "run.json"


def _atomic_binary(path: Path, write: Callable[[Path], None]) -> None:
    """Like tusz_guard.atomic.write_output, for writers that need a path (torch.save)."""
    with atomic_target(path) as tmp:
        write(tmp)


def write_json(path: Path, data: Any) -> None:
    """Atomically replace a JSON file (indented, keys in insertion order)."""
    write_output(path, json.dumps(data, indent=2) + "\n")


def write_metrics(output_dir: Path, history: list[EpochMetrics]) -> None:
    """metrics.json: one record per finished epoch."""
    write_json(output_dir / METRICS, {"schema": "tusz-guard/metrics/v1", "epochs": [asdict(m) for m in history]})


def write_checkpoint(output_dir: Path, train: TrainState, history: list[EpochMetrics], identity: dict[str, Any],
                     extra: dict[str, Any], partial: Partial | None = None) -> None:
    """checkpoint.pt after an epoch (or, with `partial`, inside one): model, optimizer, sampler generator, RNG,
    metrics and the run's identity (tusz_guard.train.checkpoint); replaced atomically, so a killed run loses at
    most the work since the last one."""
    from tusz_guard.train.checkpoint import SCHEMA

    where = {} if partial is None else {"partial": {
        "epoch": partial.epoch, "batches": partial.batches, "total": partial.total, "seen": partial.seen,
        "generator_at_start": partial.generator_at_start}}
    state = {"schema": SCHEMA, "epoch": history[-1].epoch if history else 0, **where,
             "model": {k: v.detach().cpu() for k, v in train.model.state_dict().items()},
             "optimizer": train.optimizer.state_dict(), "generator": train.generator.get_state(),
             "rng": torch.get_rng_state(), "history": [asdict(m) for m in history], "identity": identity, **extra}
    _atomic_binary(output_dir / CHECKPOINT, lambda tmp: torch.save(state, tmp))


def resolved_config(cfg: LoadedConfig, fingerprint: str) -> dict[str, Any]:
    """The effective config (defaults included) with the absolute paths it resolved to."""
    data = cfg.config.model_dump(mode="json")
    data["data"]["data_dir"] = str(cfg.data_dir)
    data["data"]["cache_dir"] = str(cfg.cache_dir)
    data["experiment"]["output_dir"] = str(cfg.output_dir)
    return {"source": str(cfg.path), "fingerprint": fingerprint, "config": data}


def write_resolved_config(cfg: LoadedConfig, fingerprint: str) -> None:
    """config.resolved.yaml: what this run actually used."""
    write_output(cfg.output_dir / RESOLVED_CONFIG, yaml.safe_dump(resolved_config(cfg, fingerprint), sort_keys=False))
