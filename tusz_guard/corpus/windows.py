"""The window formula shared by the ledger, the cache, the checks and the trainer."""
from __future__ import annotations

# The recipe's threshold for a "full" seizure window (seizure samples / window samples); one definition for
# the checks (checks/windowing.py), the suites' windows table and the trainer's balanced sampler.
FULL_RATIO = 0.99


def n_samples_at(duration_s: float, rate: float) -> int:
    """Sample count of a recording of `duration_s` seconds at `rate` Hz (what the cache stores)."""
    return int(round(duration_s * rate))


def window_geometry(length_s: float, stride_s: float, rate: float) -> tuple[int, int]:
    """Window length and stride in samples."""
    return int(round(length_s * rate)), int(round(stride_s * rate))


def n_windows(n_samples: int, length: int, stride: int) -> int:
    """Windows of `length` samples every `stride` samples: 0 if N < L else (N - L) // S + 1."""
    if length <= 0 or stride <= 0:
        raise ValueError("window length and stride must be positive")
    return 0 if n_samples < length else (n_samples - length) // stride + 1
