"""One training run from a cache that passed the gate: startup checks, logging, outputs, the loop."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, Callable

import torch

from tusz_guard import __version__
from tusz_guard.cache.plan import Plan
from tusz_guard.cache.store import CacheStore, utc_now
from tusz_guard.config import LoadedConfig
from tusz_guard.errors import GuardError
from tusz_guard.train import outputs
from tusz_guard.train.checkpoint import Resume, identity
from tusz_guard.train.data import CacheHits, TrainingData, prepare
from tusz_guard.train.dataset import CacheWindows
from tusz_guard.train.loop import EpochMetrics, LoopSettings, NonFiniteLoss, Partial, ResumeState, TrainState, fit
from tusz_guard.train.model import SeizureCNN, describe

Log = Callable[[str], None]


@dataclass(frozen=True)
class LiveRecord:
    """What --allow-live did before training (recorded in run.json)."""

    allowed: bool
    built: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class RunRequest:
    """Everything a run needs besides the config: fingerprint, cache plan, overrides and gate facts."""

    fingerprint: str
    plan: Plan
    hits: CacheHits
    live: LiveRecord
    epochs: int | None = None
    device: str | None = None
    expected_windows: dict[str, int] | None = None
    resume: Resume | None = None         # a checkpoint whose identity matched this run (train --resume)
    checkpoint_every_s: float | None = None   # also checkpoint inside an epoch this often (--checkpoint-every)


def resolve_device(requested: str) -> str:
    """cpu, or cuda when asked (auto: when available); asking for cuda without it is a usage error."""
    available = torch.cuda.is_available()
    if requested == "auto":
        return "cuda" if available else "cpu"
    if requested == "cuda" and not available:
        raise GuardError(f"--device cuda: no CUDA device is available to torch {torch.__version__}",
                         hint="use --device cpu or auto")
    return requested


def configure_torch(seed: int, device: str) -> None:
    """Modest threads, seeded generators, deterministic kernels on CPU."""
    torch.set_num_threads(min(4, os.cpu_count() or 1))
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(device == "cpu")


def check_window_counts(found: dict[str, int], expected: dict[str, int] | None) -> None:
    """Stop when the dataset's windows per role differ from what the preflight counted."""
    if expected is None:
        return
    differ = [f"{role}: dataset {found[role]:,}, preflight {expected.get(role, 0):,}"
              for role in found if found[role] != expected.get(role, 0)]
    if differ:
        raise GuardError(f"window counts differ from the preflight's windows.count ({'; '.join(differ)})",
                         hint="the cache changed since the check ran; rerun `tusz-guard check CONFIG`", exit_code=1)


def settings_for(cfg: LoadedConfig, req: RunRequest) -> LoopSettings:
    t = cfg.config.training
    return LoopSettings(epochs=req.epochs or t.epochs, batch_size=t.batch_size, learning_rate=t.learning_rate,
                        loss=t.loss, device=resolve_device(req.device or t.device), seed=cfg.config.experiment.seed,
                        num_workers=t.num_workers, checkpoint_every_s=req.checkpoint_every_s)


def run_training(cfg: LoadedConfig, req: RunRequest, log: Log) -> list[EpochMetrics]:
    """Prepare the windows, check them against the preflight, log the facts, train, write the outputs."""
    store = CacheStore(cfg.cache_dir)
    settings = settings_for(cfg, req)
    data = prepare(cfg, req.plan, store)
    check_window_counts(data.windows_per_role(), req.expected_windows)
    configure_torch(settings.seed, settings.device)
    model = SeizureCNN(data.geom.n_segments)
    info = run_info(cfg, req, data, settings, model)
    for line in facts(info):
        log(line)
    if req.resume is not None:
        info["resumed_from"] = {"checkpoint": str(req.resume.path), "epoch": req.resume.epoch}
        log(f"resume:      {req.resume.path} after epoch {req.resume.epoch} of {settings.epochs}")
    outputs.write_resolved_config(cfg, req.fingerprint)
    outputs.write_json(cfg.output_dir / outputs.RUN, {**info, "status": "running"})
    return _fit(cfg, data, settings, model, info, log, req)


def resume_state(resume: Resume | None) -> ResumeState | None:
    """The loop's view of a matched checkpoint."""
    if resume is None:
        return None
    s = resume.state
    history = tuple(EpochMetrics(**m) for m in s["history"])
    p = s.get("partial")
    partial = Partial(int(p["epoch"]), int(p["batches"]), float(p["total"]), int(p["seen"]),
                      p["generator_at_start"]) if isinstance(p, dict) else None
    return ResumeState(resume.epoch, s["model"], s["optimizer"], s["generator"], s["rng"], history, partial)


def _fit(cfg: LoadedConfig, data: TrainingData, settings: LoopSettings, model: SeizureCNN,
         info: dict[str, Any], log: Log, req: RunRequest) -> list[EpochMetrics]:
    start = resume_state(req.resume)
    history: list[EpochMetrics] = list(start.history) if start is not None else []
    ident = identity(cfg, req.fingerprint)
    extra = {"fingerprint": info["fingerprint"], "n_segments": data.geom.n_segments, "model_name": info["model"]["name"]}

    def on_epoch(m: EpochMetrics, state: TrainState) -> None:
        history.append(m)
        outputs.write_metrics(cfg.output_dir, history)
        outputs.write_checkpoint(cfg.output_dir, state, history, ident, extra)
        log(epoch_line(m))

    def on_partial(p: Partial, state: TrainState) -> None:
        outputs.write_checkpoint(cfg.output_dir, state, history, ident, extra, partial=p)

    train = CacheWindows(cfg.cache_dir, data.tables["train"], data.geom, data.train_rows)
    val = CacheWindows(cfg.cache_dir, data.tables["val"], data.geom)
    try:
        fit(model, train, val, settings, data.pos_weight, on_epoch, start, on_partial)
    except NonFiniteLoss as exc:
        outputs.write_json(cfg.output_dir / outputs.RUN, {**info, "status": "stopped", "stopped_because": str(exc),
                                                          "finished_at": utc_now()})
        raise
    outputs.write_json(cfg.output_dir / outputs.RUN, {**info, "status": "finished", "epochs_done": len(history),
                                                      "finished_at": utc_now()})
    return history


def run_info(cfg: LoadedConfig, req: RunRequest, data: TrainingData, settings: LoopSettings,
             model: SeizureCNN) -> dict[str, Any]:
    """The run.json record: what was trained on, from where, how."""
    return {
        "schema": "tusz-guard/run/v1", "tool_version": __version__, "started_at": utc_now(),
        "config": str(cfg.path), "overrides": [o.describe() for o in cfg.overrides],
        "fingerprint": req.fingerprint, "cache_dir": str(cfg.cache_dir),
        "output_dir": str(cfg.output_dir), "windows": data.windows_per_role(),
        "training_windows": data.recipe.total, "recipe": {"available": data.recipe.available,
                                                         "chosen": data.recipe.chosen},
        "seizure_ratio": data.seizure_ratio, "pos_weight": data.pos_weight,
        "targets": {"per_window": data.geom.n_segments, "positive": data.positive_targets,
                    "total": data.total_targets},
        "cache_hits": {"current": req.hits.current, "total": req.hits.total,
                       "percent": round(req.hits.percent, 2), "stale": list(req.hits.stale),
                       "missing": list(req.hits.missing)},
        "allow_live": {**asdict(req.live), "built": list(req.live.built)},
        "seed": settings.seed, "epochs": settings.epochs, "batch_size": settings.batch_size,
        "learning_rate": settings.learning_rate, "loss": settings.loss, "device": settings.device,
        "torch_version": torch.__version__, "model": describe(model),
    }


def facts(info: dict[str, Any]) -> list[str]:
    """The lines every run logs before the first batch."""
    hits, windows, chosen = info["cache_hits"], info["windows"], info["recipe"]["chosen"]
    lines = [
        f"cache:       {info['cache_dir']} (fingerprint {info['fingerprint']})",
        f"cache hits:  {hits['current']}/{hits['total']} recordings ({hits['percent']:.1f}%)",
        f"windows:     train {windows['train']:,}, val {windows['val']:,}",
        f"recipe:      {info['training_windows']:,} training windows = {chosen['partial']:,} partial + "
        f"{chosen['full']:,} full + {chosen['background']:,} background",
        f"seizure:     {info['seizure_ratio']:.4f} of training targets (pos_weight {info['pos_weight']:.3f})",
        f"device:      {info['device']} (torch {info['torch_version']}, seed {info['seed']})",
    ]
    if info["allow_live"]["allowed"]:
        built = info["allow_live"]["built"]
        lines.append(f"LIVE:        --allow-live built {len(built)} entr{'y' if len(built) == 1 else 'ies'} "
                     f"before training ({info['allow_live']['seconds']:.1f} s)")
    return lines


def epoch_line(m: EpochMetrics) -> str:
    """One log line per epoch."""
    def show(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.4f}"
    return (f"epoch {m.epoch}: train_loss {m.train_loss:.4f}  val_loss {show(m.val_loss)}  "
            f"val_auroc {show(m.val_auroc)}  sens {show(m.val_sensitivity)}  spec {show(m.val_specificity)}  "
            f"({m.seconds:.1f} s)")
