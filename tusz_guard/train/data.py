"""From ledger + cache to what the loop trains on: entries per role, window tables, the balanced set."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tusz_guard.cache.plan import Plan
from tusz_guard.cache.store import CacheStore
from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.ledger import TRAINING_ROLES
from tusz_guard.errors import GuardError
from tusz_guard.train.dataset import Geometry, WindowTable, geometry, window_table
from tusz_guard.train.sampler import RecipeCounts, balanced_selection


@dataclass(frozen=True)
class CacheHits:
    """Recordings of the training roles whose entry was current before the run touched the cache."""

    current: int
    total: int
    stale: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.current / self.total if self.total else 100.0


@dataclass(frozen=True)
class TrainingData:
    """Every window per role, the chosen training windows, and the class balance of the targets."""

    geom: Geometry
    tables: dict[str, WindowTable]
    train_rows: np.ndarray
    recipe: RecipeCounts
    positive_targets: int
    total_targets: int

    @property
    def seizure_ratio(self) -> float:
        """Share of seizure targets (segments) among the training windows."""
        return self.positive_targets / self.total_targets if self.total_targets else 0.0

    @property
    def pos_weight(self) -> float:
        """Negatives per positive in the training targets: the exact ratio, not an estimate."""
        return (self.total_targets - self.positive_targets) / self.positive_targets

    def windows_per_role(self) -> dict[str, int]:
        return {role: len(table) for role, table in self.tables.items()}


def cache_hits(plan: Plan) -> CacheHits:
    """Hits and misses of a cache plan (keys of stale and missing entries, sorted)."""
    return CacheHits(current=len(plan.current), total=len(plan.items),
                     stale=tuple(sorted(i.recording.stem for i in plan.stale)),
                     missing=tuple(sorted(i.recording.stem for i in plan.missing)))


def role_entries(plan: Plan) -> dict[str, list[tuple[str, int]]]:
    """(key, n_samples) per role; refuses any entry that is not current (the trainer never goes live)."""
    behind = [i for i in plan.items if i.state != "current"]
    if behind:
        first = behind[0]
        raise GuardError(f"{len(behind)} recording(s) of the training roles have no current cache entry "
                         f"(first: {first.recording.stem}: {first.reason})",
                         hint="run `tusz-guard build-cache CONFIG` or pass --allow-live", exit_code=1)
    out: dict[str, list[tuple[str, int]]] = {role: [] for role in TRAINING_ROLES}
    for item in plan.items:                  # every item is current here (checked above): it has its entry
        assert item.entry is not None and item.recording.role is not None
        out[item.recording.role].append((item.recording.stem, item.entry.n_samples))
    return out


def prepare(cfg: LoadedConfig, plan: Plan, store: CacheStore) -> TrainingData:
    """Window tables for train and val, and the seeded balanced selection of training windows."""
    c = cfg.config
    geom = geometry(c.windows.length_s, c.windows.stride_s, c.preprocessing.sampling_rate)
    entries = role_entries(plan)
    tables: dict[str, WindowTable] = {role: window_table(store, role, entries[role], geom) for role in TRAINING_ROLES}
    rows, recipe = balanced_selection(tables["train"].ratio, c.experiment.seed)
    targets = tables["train"].targets[rows]
    data = TrainingData(geom, tables, rows, recipe, int(targets.sum()), int(targets.size))
    _require_classes(data, cfg)
    return data


def _require_classes(data: TrainingData, cfg: LoadedConfig) -> None:
    if not len(data.tables["train"]) or not len(data.tables["val"]):
        empty = [r for r in TRAINING_ROLES if not len(data.tables[r])]
        raise GuardError(f"no {' or '.join(empty)} windows in the cache for {cfg.display(cfg.path)}",
                         hint="run `tusz-guard inventory CONFIG` to see why recordings are excluded", exit_code=1)
    if data.positive_targets == 0:
        raise GuardError("the training windows hold no seizure seconds: nothing to learn",
                         hint="check labels.seizure and the annotations (`tusz-guard check CONFIG`)", exit_code=1)
    if data.positive_targets == data.total_targets:
        raise GuardError("the training windows hold no background seconds",
                         hint="check labels.background and the annotations (`tusz-guard check CONFIG`)", exit_code=1)
