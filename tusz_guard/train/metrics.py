"""Validation metrics from numpy only: AUROC by rank statistics, sensitivity and specificity."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BinaryMetrics:
    """Threshold-free AUROC plus sensitivity/specificity at one threshold (None when a class is absent)."""

    auroc: float | None
    sensitivity: float | None
    specificity: float | None
    n_positive: int
    n_negative: int


def auroc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Mann-Whitney AUROC with average ranks for ties; None when only one class is present."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(labels).astype(bool).ravel()
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = average_ranks(scores)
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks; tied values share the mean of the ranks they span."""
    order = np.argsort(values, kind="mergesort")
    sorted_vals = values[order]
    # Start of each run of equal values, and the run each sorted position belongs to.
    starts = np.flatnonzero(np.r_[True, sorted_vals[1:] != sorted_vals[:-1]])
    ends = np.r_[starts[1:], sorted_vals.size]
    run_rank = (starts + 1 + ends) / 2.0          # mean of ranks starts+1 .. ends
    run_of = np.repeat(np.arange(starts.size), ends - starts)
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = run_rank[run_of]
    return ranks


def binary_metrics(probs: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> BinaryMetrics:
    """AUROC, sensitivity (TP / P) and specificity (TN / N) of probabilities against 0/1 labels."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    truth = np.asarray(labels).astype(bool).ravel()
    predicted = probs >= threshold
    n_pos = int(truth.sum())
    n_neg = truth.size - n_pos
    tp = int((predicted & truth).sum())
    tn = int((~predicted & ~truth).sum())
    return BinaryMetrics(
        auroc=auroc(probs, truth),
        sensitivity=tp / n_pos if n_pos else None,
        specificity=tn / n_neg if n_neg else None,
        n_positive=n_pos,
        n_negative=n_neg,
    )
