"""The window formula every component shares: 0 if N < L else (N - L) // S + 1."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.corpus.windows import n_samples_at, n_windows, window_geometry


@given(st.integers(0, 200_000), st.integers(1, 20_000), st.integers(1, 5_000))
def test_n_windows_counts_every_full_window(n_samples: int, length: int, stride: int) -> None:
    starts = range(0, max(n_samples - length + 1, 0), stride)      # brute force: every start that fits
    assert n_windows(n_samples, length, stride) == len(starts)
    if n_windows(n_samples, length, stride):
        last = (n_windows(n_samples, length, stride) - 1) * stride
        assert last + length <= n_samples < last + length + stride   # the next window would not fit


@pytest.mark.parametrize(("seconds", "expected"), [
    (59.99, 0), (60, 1), (69.99, 1), (70, 2), (301, 25), (3600, 355),
])
def test_the_tusz_recipe_at_256_hz(seconds: float, expected: int) -> None:
    length, stride = window_geometry(60, 10, 256)
    assert (length, stride) == (15_360, 2_560)
    assert n_windows(n_samples_at(seconds, 256), length, stride) == expected


@given(st.floats(0.0, 7200.0, allow_nan=False), st.sampled_from([200, 250, 256, 400, 512]))
def test_sample_count_is_the_rounded_product(seconds: float, rate: int) -> None:
    n = n_samples_at(seconds, rate)
    assert abs(n - seconds * rate) <= 0.5


@pytest.mark.parametrize(("length", "stride"), [(0, 1), (1, 0), (-5, 3)])
def test_degenerate_geometry_is_refused(length: int, stride: int) -> None:
    with pytest.raises(ValueError, match="window length and stride must be positive"):
        n_windows(100, length, stride)
