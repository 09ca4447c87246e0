"""The balanced training recipe: which windows of the train role are trained on (seeded, fixed per run).

Interpretation of "all partial + 0.3 x full + 2.5 x background" (the TUSZ domain notes, "one common training recipe"):
- a window's seizure ratio is its seizure samples / window samples: 0 -> background, >= 0.99 -> full,
  anything in between -> partial;
- every partial window is kept;
- 0.3 x full: round(0.3 x n_full) full windows (Python round: half to even) are drawn without
  replacement (30% of them);
- 2.5 x background: round(2.5 x (partial kept + full drawn)) background windows are drawn without
  replacement, i.e. 2.5 background windows per seizure window actually trained on, capped at the
  background windows that exist;
- draws use numpy's PCG64 seeded with the experiment seed; the result is sorted by window id, so the
  selection depends only on the seed and the window table, never on file-system order.
Validation uses every val window unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from tusz_guard.corpus.windows import FULL_RATIO  # one threshold for the checks and the trainer

WindowKind = Literal["background", "partial", "full"]
FULL_SHARE = 0.3
BACKGROUND_PER_SEIZURE = 2.5


@dataclass(frozen=True)
class RecipeCounts:
    """Windows available and chosen per kind."""

    available: dict[str, int]
    chosen: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.chosen.values())


def classify(ratios: np.ndarray) -> dict[WindowKind, np.ndarray]:
    """Window ids per kind from per-window seizure ratios."""
    ratios = np.asarray(ratios, dtype=np.float64)
    full = ratios >= FULL_RATIO
    background = ratios <= 0.0
    return {
        "background": np.flatnonzero(background),
        "partial": np.flatnonzero(~background & ~full),
        "full": np.flatnonzero(full),
    }


def balanced_selection(ratios: np.ndarray, seed: int) -> tuple[np.ndarray, RecipeCounts]:
    """Sorted window ids of the balanced training set and the counts behind it."""
    kinds = classify(ratios)
    rng = np.random.Generator(np.random.PCG64(seed))
    partial = kinds["partial"]
    full = _draw(rng, kinds["full"], round(FULL_SHARE * kinds["full"].size))
    background = _draw(rng, kinds["background"], round(BACKGROUND_PER_SEIZURE * (partial.size + full.size)))
    chosen = np.sort(np.concatenate([partial, full, background])).astype(np.int64)
    counts = RecipeCounts(
        available={kind: int(ids.size) for kind, ids in kinds.items()},
        chosen={"background": int(background.size), "partial": int(partial.size), "full": int(full.size)},
    )
    return chosen, counts


def _draw(rng: np.random.Generator, ids: np.ndarray, n: int) -> np.ndarray:
    n = min(n, ids.size)
    return rng.choice(ids, size=n, replace=False) if n else ids[:0]
