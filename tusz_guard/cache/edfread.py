"""EDF sample readers: a direct numpy reader over our header reader (used), and MNE's (the reference).

bench/bench_build.py compares both; tests/cache/test_cache_edfread.py proves the numpy reader returns
MNE's values (same calibration, same operation order, volts) on every readable test file.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tusz_guard.corpus.edf import SIGNAL_BYTES, EdfHeader, read_header
from tusz_guard.errors import GuardError

_MICRO = ("\u03bcV", "\u00b5V", "\x83\xcaV", "uV")


class EdfReadError(GuardError):
    """An EDF file whose samples cannot be read (truncated, padded, unknown record count)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}", hint="re-export or remove the file")
        self.path = path
        self.reason = reason


def unit_gain(unit: str) -> float:
    """Physical unit -> volts factor, as MNE reads it (uV 1e-6, mV 1e-3, anything else 1)."""
    if unit in _MICRO:
        return 1e-6
    return 1e-3 if unit == "mV" else 1.0


def read_channels(path: str | Path, indices: Sequence[int], header: EdfHeader | None = None) -> list[np.ndarray]:
    """Physical values (volts, float64) of the given signals, one array per index at its own rate."""
    header = header or read_header(path)
    _check_readable(header)
    total = sum(header.samples_per_record)
    data_offset = SIGNAL_BYTES * (header.n_signals + 1)
    raw = np.fromfile(path, dtype="<i2", count=header.n_records * total, offset=data_offset)
    records = raw.reshape(header.n_records, total)
    starts = np.concatenate([[0], np.cumsum(header.samples_per_record)])
    return [_calibrate(records[:, starts[i]:starts[i + 1]].reshape(-1), header, i) for i in indices]


def _calibrate(digital: np.ndarray, h: EdfHeader, i: int) -> np.ndarray:
    # MNE's order of operations: digital * cal + offset, then * unit gain (keeps values bit-identical).
    cal = (h.physical_max[i] - h.physical_min[i]) / (h.digital_max[i] - h.digital_min[i])
    offset = h.physical_min[i] - h.digital_min[i] * cal
    out = digital * cal
    out += offset
    out *= unit_gain(h.units[i])
    return out


def _check_readable(h: EdfHeader) -> None:
    if not h.size_ok:
        raise EdfReadError(h.path, h.size_problem or "file size disagrees with the header")
    for i, label in enumerate(h.labels):
        if h.digital_max[i] == h.digital_min[i]:
            raise EdfReadError(h.path, f"signal '{label}' has digital min == max; it cannot be calibrated")


def read_channels_mne(path: str | Path, indices: Sequence[int], header: EdfHeader | None = None) -> list[np.ndarray]:
    """The same as read_channels through mne.io.read_raw_edf (the reference; slower)."""
    import mne

    header = header or read_header(path)
    _check_readable(header)
    names = [header.labels[i] for i in indices]
    raw = mne.io.read_raw_edf(path, include=names, preload=True, verbose="error")
    picked = raw.get_data(picks=names)
    return [picked[j] for j in range(len(names))]
