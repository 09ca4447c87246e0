"""Pure window arithmetic over a recording's seizure intervals: background / partial / full windows."""
from __future__ import annotations

import math
from dataclasses import dataclass

from tusz_guard.corpus.ledger import Recording
from tusz_guard.corpus.windows import FULL_RATIO, n_windows


@dataclass(frozen=True, slots=True)
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
    spans = [(a, b) for a, b in sample_spans(rec, rate) if b > a]      # an empty span overlaps no window
    threshold = math.ceil(FULL_RATIO * length)       # overlaps are whole samples: >= 0.99 L means >= this
    if any(nxt[0] - prev[1] < length for prev, nxt in zip(spans, spans[1:], strict=False)):
        return _classify_windows(spans, total, length, stride, threshold)   # a window may touch two spans
    partial = full = 0
    for a, b in spans:
        # the windows starting at s overlap [a, b) by max(0, min(s + L - a, b - s, L, b - a)) samples: counted by
        # their starts, with no loop over windows (they reach no other span: the gaps are >= one window)
        touched = len(_windows_starting_in(a - length + 1, b - 1, total, stride))
        whole = len(_windows_starting_in(a - length + threshold, b - threshold, total, stride)) \
            if min(length, b - a) >= threshold else 0
        full += whole
        partial += touched - whole
    return WindowClasses(total - partial - full, partial, full)


def _windows_starting_in(lo: int, hi: int, total: int, stride: int) -> range:
    """The windows (of 0 .. total - 1) whose start, index x stride, lies in [lo, hi]."""
    return range(max(0, -(-lo // stride)), min(total - 1, hi // stride) + 1)


def _classify_windows(spans: list[tuple[int, int]], total: int, length: int, stride: int,
                      threshold: int) -> WindowClasses:
    """Window by window: each span adds its overlap to the windows it reaches (spans closer than one window)."""
    overlaps: dict[int, int] = {}
    for a, b in spans:
        for i in _windows_starting_in(a - length + 1, b - 1, total, stride):     # the windows overlapping [a, b)
            start = i * stride
            overlaps[i] = overlaps.get(i, 0) + max(0, min(start + length, b) - max(start, a))
    full = sum(1 for overlap in overlaps.values() if overlap >= threshold)
    partial = sum(1 for overlap in overlaps.values() if 0 < overlap < threshold)
    return WindowClasses(total - partial - full, partial, full)
