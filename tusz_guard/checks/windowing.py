"""Pure window arithmetic over a recording's seizure intervals: background / partial / full windows."""
from __future__ import annotations

from dataclasses import dataclass

from tusz_guard.corpus.ledger import Recording
from tusz_guard.corpus.windows import FULL_RATIO, n_windows


@dataclass(frozen=True)
class WindowClasses:
    """Window counts by seizure ratio: 0 background, >= 0.99 full, else partial."""

    background: int = 0
    partial: int = 0
    full: int = 0

    @property
    def total(self) -> int:
        return self.background + self.partial + self.full

    @property
    def seizure(self) -> int:
        return self.partial + self.full

    def __add__(self, other: "WindowClasses") -> "WindowClasses":
        return WindowClasses(self.background + other.background, self.partial + other.partial, self.full + other.full)


def sample_spans(rec: Recording, rate: float) -> list[tuple[int, int]]:
    """Seizure intervals in samples at `rate` (what a label mask holds)."""
    return [(int(round(a * rate)), int(round(b * rate))) for a, b in rec.seizure_intervals]


def seizure_samples(rec: Recording, rate: float) -> int:
    """Seizure samples the annotations call for at `rate`."""
    return sum(b - a for a, b in sample_spans(rec, rate))


def classify(rec: Recording, rate: float, length: int, stride: int) -> WindowClasses:
    """Classify every window of one recording by its seizure ratio."""
    total = n_windows(rec.n_samples, length, stride)
    if not rec.seizure_intervals:       # most recordings: every window is background
        return WindowClasses(total, 0, 0)
    spans = sample_spans(rec, rate)
    overlaps: dict[int, int] = {}
    # each span adds its overlap to the windows it can reach: work grows with seizure windows, not windows x spans
    for a, b in spans:
        first = max(0, -(-(a - length + 1) // stride))
        last = min(total - 1, (b - 1) // stride)
        for i in range(first, last + 1):
            start = i * stride
            overlaps[i] = overlaps.get(i, 0) + max(0, min(start + length, b) - max(start, a))
    partial = full = 0
    threshold = FULL_RATIO * length
    for overlap in overlaps.values():
        if overlap >= threshold:
            full += 1
        elif overlap > 0:
            partial += 1
    return WindowClasses(total - partial - full, partial, full)
