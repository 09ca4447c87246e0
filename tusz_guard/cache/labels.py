"""Per-sample labels from an annotation file: 1 seizure, 0 background; never invented for a bare file."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from tusz_guard.corpus.annotations import AnnotationKind, parse_annotations
from tusz_guard.corpus.paths import companion
from tusz_guard.errors import GuardError

# Times carry 4 decimals: a boundary within half of their last digit of a sample instant is that instant.
_EPS_S = 5e-5


class LabelError(GuardError):
    """An annotation file that cannot give trustworthy labels (missing, unparsed rows, no events)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}", hint="restore the annotation file from the corpus release")
        self.path = path
        self.reason = reason


def annotation_path(edf: Path, kind: AnnotationKind) -> Path:
    """The companion annotation file of an EDF (corpus.paths.companion)."""
    return Path(companion(str(edf), kind))


def rasterize(intervals: Iterable[tuple[float, float]], n_samples: int, rate: float) -> np.ndarray:
    """uint8 labels: sample i (at time i/rate) is 1 when start <= i/rate < stop for some interval."""
    labels = np.zeros(n_samples, dtype=np.uint8)
    for start, stop in intervals:
        first = max(0, math.ceil((start - _EPS_S) * rate))
        end = min(n_samples, math.ceil((stop - _EPS_S) * rate))
        if end > first:
            labels[first:end] = 1
    return labels


def read_labels(edf: Path, kind: AnnotationKind, seizure: Sequence[str], n_samples: int, rate: float) -> np.ndarray:
    """Parse the configured annotation file and rasterise its seizure intervals; LabelError if unusable."""
    path = annotation_path(edf, kind)
    if not path.is_file():
        raise LabelError(str(path), f"no {kind} annotation file; a recording without annotations is never "
                         "stored as all background")
    ann = parse_annotations(path, kind)        # AnnotationError (a GuardError) when unreadable
    if ann.n_data_rows == 0:
        raise LabelError(str(path), "no annotation rows; refusing to label the recording all background")
    unparsed = ann.n_data_rows - ann.n_parsed
    if unparsed:
        raise LabelError(str(path), f"{unparsed} of {ann.n_data_rows} annotation rows cannot be parsed")
    return rasterize(ann.seizure_intervals(seizure), n_samples, rate)
