"""The training loop: AdamW, BCE or focal loss weighted by the exact class ratio, clipping, per-epoch val."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Literal, cast

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from tusz_guard.errors import GuardError
from tusz_guard.train.dataset import CacheWindows, collate_batch
from tusz_guard.train.metrics import binary_metrics

LossKind = Literal["bce", "focal"]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
FOCAL_GAMMA = 2.0
CLIP_NORM = 1.0
WEIGHT_DECAY = 0.01


class NonFiniteLoss(GuardError):
    """A batch produced a NaN/inf loss: the run stops and names the batch (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class LoopSettings:
    """What the loop needs from the config and the command line."""

    epochs: int
    batch_size: int
    learning_rate: float
    loss: LossKind
    device: str
    seed: int
    num_workers: int = 0
    checkpoint_every_s: float | None = None    # also checkpoint inside an epoch this often (--checkpoint-every)


@dataclass(frozen=True)
class EpochMetrics:
    """One line of metrics.json."""

    epoch: int
    train_loss: float
    val_loss: float | None
    val_auroc: float | None
    val_sensitivity: float | None
    val_specificity: float | None
    seconds: float


def make_loss(kind: LossKind, pos_weight: float) -> LossFn:
    """Mean BCE-with-logits, or focal loss (gamma 2), with positives weighted by pos_weight."""
    weight = torch.tensor(pos_weight, dtype=torch.float32)
    if kind == "bce":
        return lambda logits, y: nn.functional.binary_cross_entropy_with_logits(
            logits, y, pos_weight=weight.to(logits.device))
    return lambda logits, y: _focal(logits, y, weight.to(logits.device))


def _focal(logits: torch.Tensor, y: torch.Tensor, pos_weight: torch.Tensor) -> torch.Tensor:
    # log-sigmoid forms stay finite for large logits, unlike log(sigmoid(x)).
    log_p, log_q = nn.functional.logsigmoid(logits), nn.functional.logsigmoid(-logits)
    p = log_p.exp()
    pos = -pos_weight * y * (1 - p) ** FOCAL_GAMMA * log_p
    neg = -(1 - y) * p ** FOCAL_GAMMA * log_q
    return (pos + neg).mean()


def _on(device: torch.device, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch on the device by a copy that completes before it returns: the loader refills one batch buffer
    for the next batch (CacheWindows.reusing_batches), so a non_blocking copy (or a prefetching, pinning
    DataLoader) could train on a half-overwritten batch. Keep it blocking."""
    return x.to(device), y.to(device)


def loader(data: CacheWindows, settings: LoopSettings, shuffle: bool) -> DataLoader:
    """A DataLoader whose order depends only on the seed."""
    generator = torch.Generator().manual_seed(settings.seed)
    return DataLoader(data, batch_size=settings.batch_size, shuffle=shuffle, generator=generator,
                      num_workers=settings.num_workers, drop_last=False,
                      collate_fn=collate_batch)  # type: ignore[arg-type]  # torch types collate_fn over list[Any]


@dataclass(frozen=True)
class Partial:
    """Where an epoch in progress stood at a mid-epoch checkpoint: its batches done and running loss sums, and
    the sampler generator as it was when the epoch began (the same state replays the same order)."""

    epoch: int
    batches: int
    total: float
    seen: int
    generator_at_start: torch.Tensor


OnBatch = Callable[[Partial], None]


def train_epoch(model: nn.Module, batches: DataLoader, optimizer: torch.optim.Optimizer, loss_fn: LossFn,
                device: torch.device, epoch: int, resume: Partial | None = None,
                on_batch: OnBatch | None = None) -> float:
    """One pass over the training windows; mean loss over windows. With `resume`, the batches it had done are
    drawn again (same order) and skipped, and its running sums go on; `on_batch` may checkpoint after each."""
    model.train()
    generator = cast(torch.Generator, batches.generator)
    at_start = resume.generator_at_start if resume is not None else generator.get_state()
    generator.set_state(at_start)
    total, seen = (resume.total, resume.seen) if resume is not None else (0.0, 0)
    skip = resume.batches if resume is not None else 0
    for index, (x, y, windows) in enumerate(batches):
        if index < skip:
            continue
        x, y = _on(device, x, y)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        if not torch.isfinite(loss):
            raise _non_finite(cast(CacheWindows, batches.dataset), epoch, index, windows, x, float(loss.detach()))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
        optimizer.step()
        total += float(loss.detach()) * len(y)
        seen += len(y)
        if on_batch is not None:
            on_batch(Partial(epoch, index + 1, total, seen, at_start))
    return total / max(seen, 1)


def _non_finite(data: CacheWindows, epoch: int, index: int, windows: torch.Tensor, x: torch.Tensor,
                loss: float) -> NonFiniteLoss:
    names = [data.table.name(int(w)) for w in windows]
    bad_input = [n for n, ok in zip(names, torch.isfinite(x).flatten(1).all(1).tolist(), strict=False) if not ok]
    if bad_input:
        culprit = f"non-finite input in {_first(bad_input)}"
    else:
        culprit = f"inputs finite; windows {_first(names)}"
    return NonFiniteLoss(f"non-finite loss ({loss}) at epoch {epoch} batch {index} ({len(names)} windows; {culprit})",
                         hint="check those cache entries (`tusz-guard check`) for non-finite or unclipped values")


def _first(names: list[str], n: int = 5) -> str:
    return ", ".join(names[:n]) + (f" (+{len(names) - n} more)" if len(names) > n else "")


@torch.no_grad()
def evaluate(model: nn.Module, batches: DataLoader, loss_fn: LossFn,
             device: torch.device) -> tuple[float | None, np.ndarray, np.ndarray]:
    """Mean loss, probabilities and targets over every segment of every validation window."""
    model.eval()
    probs, targets, total, seen = [], [], 0.0, 0
    for x, y, _ in batches:
        x, y = _on(device, x, y)
        logits = model(x)
        total += float(loss_fn(logits, y)) * len(y)
        seen += len(y)
        probs.append(torch.sigmoid(logits).cpu().numpy().ravel())
        targets.append(y.cpu().numpy().ravel())
    if not seen:
        return None, np.zeros(0), np.zeros(0)
    return total / seen, np.concatenate(probs), np.concatenate(targets)


@dataclass(frozen=True)
class TrainState:
    """What a checkpoint saves after an epoch: the model, the optimizer and the sampler's generator."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    generator: torch.Generator


@dataclass(frozen=True)
class ResumeState:
    """Where a resumed run goes on from: the state saved after `epoch`, and the metrics so far."""

    epoch: int
    model: dict[str, torch.Tensor]
    optimizer: dict[str, object]
    generator: torch.Tensor
    rng: torch.Tensor
    history: tuple[EpochMetrics, ...]
    partial: Partial | None = None       # a mid-epoch checkpoint: the epoch after `epoch`, part done


def fit(model: nn.Module, train: CacheWindows, val: CacheWindows, settings: LoopSettings, pos_weight: float,
        on_epoch: Callable[[EpochMetrics, TrainState], None], resume: ResumeState | None = None,
        on_partial: Callable[[Partial, TrainState], None] | None = None) -> list[EpochMetrics]:
    """Train for settings.epochs (from resume.epoch + 1 when resuming), calling on_epoch after each."""
    device = torch.device(settings.device)
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=WEIGHT_DECAY)
    loss_fn = make_loss(settings.loss, pos_weight)
    # The loop is done with each batch before it asks for the next: both datasets may fill one batch tensor.
    pin = device.type == "cuda"
    train_batches = loader(train.reusing_batches(pin), settings, True)
    val_batches = loader(val.reusing_batches(pin), settings, False)
    generator = cast(torch.Generator, train_batches.generator)
    history: list[EpochMetrics] = []
    start = 1
    if resume is not None:      # exactly the state after resume.epoch: the next epoch draws the same order
        model.load_state_dict(resume.model)
        optimizer.load_state_dict(resume.optimizer)
        generator.set_state(resume.generator)
        torch.set_rng_state(resume.rng)
        history, start = list(resume.history), resume.epoch + 1
    partial = resume.partial if resume is not None else None
    state = TrainState(model, optimizer, generator)
    last = [time.monotonic()]

    def on_batch(p: Partial) -> None:
        every = settings.checkpoint_every_s
        if on_partial is not None and every is not None and time.monotonic() - last[0] >= every:
            on_partial(p, state)
            last[0] = time.monotonic()

    for epoch in range(start, settings.epochs + 1):
        started = time.perf_counter()
        train_loss = train_epoch(model, train_batches, optimizer, loss_fn, device, epoch,
                                 partial if partial is not None and partial.epoch == epoch else None, on_batch)
        val_loss, probs, targets = evaluate(model, val_batches, loss_fn, device)
        m = binary_metrics(probs, targets)
        history.append(EpochMetrics(epoch, train_loss, val_loss, m.auroc, m.sensitivity, m.specificity,
                                    round(time.perf_counter() - started, 3)))
        on_epoch(history[-1], state)
        last[0] = time.monotonic()
    return history
