"""Issue 15.5: the builder's faster z-score, stats and resampling keep every stored value bit-identical.

Each reference below is the formula the builder used before (fresh float64 copies); equality is exact
(tolerance 0), so signal.npy and meta.json do not change and PREPROCESS_VERSION stays as it is.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.signal import resample_poly

from tusz_guard.cache.builder import signal_stats
from tusz_guard.cache.preprocess import PipelineParams, finish, resample_channels


def _recording(seed: int, n: int = 256 * 37 + 11) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((19, n)) * 4e-5 + 1e-6
    x[3] = 0.0                            # a flat channel: z-scored to 0
    x[7, :50] *= 1e4                      # outliers: clipped
    return x


def _finish_before(data: np.ndarray, params: PipelineParams) -> np.ndarray:
    mean = data.mean(axis=1, keepdims=True)
    std = data.std(axis=1, keepdims=True)
    data = np.divide(data - mean, std, out=np.zeros_like(data), where=std > 0)
    if params.clip is not None:
        np.clip(data, -params.clip, params.clip, out=data)
    return np.ascontiguousarray(data.astype(params.dtype))


def _stats_before(signal: np.ndarray) -> dict[str, Any]:
    x = signal.astype(np.float64)
    finite = np.isfinite(x)
    nonfinite = int(x.size - finite.sum())
    if nonfinite:
        x = np.where(finite, x, np.nan)
    any_finite = bool(finite.any())
    return {"mean": tuple(float(v) for v in np.nan_to_num(np.nanmean(x, axis=1) if nonfinite else x.mean(axis=1))),
            "std": tuple(float(v) for v in np.nan_to_num(np.nanstd(x, axis=1) if nonfinite else x.std(axis=1))),
            "min": float(np.nanmin(x)) if any_finite else 0.0, "max": float(np.nanmax(x)) if any_finite else 0.0,
            "nonfinite": nonfinite}


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finish_is_bit_identical_to_the_copying_formula(seed: int, dtype: str) -> None:
    params = PipelineParams(dtype=dtype)
    x = _recording(seed)
    expected = _finish_before(x.copy(), params)
    got = finish(x, params)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
    assert not got[3].any()


def test_finish_zeroes_a_channel_whose_std_is_nan() -> None:
    x = _recording(3)
    x[5, 10] = np.nan
    expected = _finish_before(x.copy(), PipelineParams())
    assert finish(x, PipelineParams()).tobytes() == expected.tobytes()


@pytest.mark.filterwarnings("ignore:Mean of empty slice", "ignore:Degrees of freedom")   # all-NaN rows, as before
@pytest.mark.parametrize("seed", [0, 1])
def test_stats_without_a_float64_copy_are_identical(seed: int) -> None:
    signal = finish(_recording(seed), PipelineParams())
    assert signal_stats(signal) == _stats_before(signal)
    signal[2, 5], signal[9, 0] = np.nan, np.inf
    assert signal_stats(signal) == _stats_before(signal)
    assert signal_stats(np.full((19, 4), np.nan, np.float32)) == _stats_before(np.full((19, 4), np.nan, np.float32))


def test_stats_of_an_hour_long_recording_are_identical() -> None:
    """Regression: mean/std with dtype=float64 cast in buffered chunks and summed in another order; on an hour at
    256 Hz (921,600 samples per channel) 5 of 19 channel means differed in their last bits from the old formula."""
    signal = (np.random.default_rng(7).standard_normal((19, 921_600)) * 3 + 0.1).astype(np.float32)
    assert signal_stats(signal) == _stats_before(signal)


def test_one_rate_is_resampled_without_a_second_copy() -> None:
    raw = [np.random.default_rng(i).standard_normal(250 * 20) for i in range(17)]
    got = resample_channels(raw, [250.0] * 17, 256, 256 * 20, "x.edf")
    assert got.tobytes() == np.ascontiguousarray(resample_poly(np.stack(raw), 128, 125, axis=-1)[:, :256 * 20]).tobytes()
    mixed = resample_channels(raw, [250.0] * 9 + [500.0] * 8, 256, 256 * 10, "x.edf")
    assert mixed.shape == (17, 256 * 10)
