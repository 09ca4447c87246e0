"""The signal pipeline: 19 channels, polyphase resampling, zero-phase filters, interpolation, z-score, clip.

Order (all float64 until the final cast):
  read present 10-20 channels (volts) -> resample_poly to the target rate (per source rate) -> trim to
  round(duration * rate) samples -> band-pass + notch (one SOS cascade, sosfiltfilt) -> interpolate the
  allowed missing channels (MNE spherical spline weights, colin27 10-20 positions) -> z-score per channel ->
  clip -> storage dtype.
Interpolation is a fixed linear map of the present channels, so applying it after the (per-channel, linear)
resampling and filtering equals applying it to the raw signal, and it filters 17 channels instead of 19.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tusz_guard.cache.edfread import read_channels
from tusz_guard.corpus.channels import CHANNELS_10_20, map_channels
from tusz_guard.corpus.edf import EdfHeader
from tusz_guard.corpus.windows import n_samples_at
from tusz_guard.errors import GuardError

BANDPASS_ORDER = 4
NOTCH_Q = 30.0
MONTAGE = "colin27_1020"   # MNE's 10-20 positions (the successor of the deprecated 'standard_1020')


class PreprocessError(GuardError):
    """A recording the pipeline cannot process (missing channels, too short for the filters)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}", hint="exclude the file or change preprocessing in the config")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class PipelineParams:
    """The preprocessing keys of the config, picklable for worker processes."""

    sampling_rate: int = 256
    interpolate: tuple[str, ...] = ("Fz", "Pz")
    bandpass: tuple[float, float] | None = (0.5, 120.0)
    notch: float | None = 60.0
    normalize: str = "zscore"
    clip: float | None = 10.0
    dtype: str = "float32"

    @classmethod
    def from_config(cls, config: Any) -> "PipelineParams":
        """From a schema Config or a LoadedConfig."""
        pre = getattr(config, "config", config).preprocessing
        return cls(pre.sampling_rate, tuple(pre.interpolate), pre.bandpass, pre.notch, pre.normalize,
                   pre.clip, pre.dtype)


@dataclass(frozen=True)
class Processed:
    """One preprocessed recording."""

    signal: np.ndarray                 # (19, n_samples), storage dtype
    interpolated: tuple[str, ...]


def process(path: Path, header: EdfHeader, params: PipelineParams) -> Processed:
    """Run the whole pipeline on one EDF file."""
    cmap = map_channels(header.labels, params.interpolate)
    if cmap.missing:
        raise PreprocessError(str(path), f"missing {', '.join(cmap.missing)} (not interpolated)")
    present = [i for i, idx in enumerate(cmap.indices) if idx is not None]
    picks = [idx for idx in cmap.indices if idx is not None]          # the source channel of each present one
    raw = read_channels(path, picks, header)
    rates = [header.sfreqs[idx] for idx in picks]
    n_out = n_samples_at(header.duration_s, params.sampling_rate)
    data = resample_channels(raw, rates, params.sampling_rate, n_out, str(path))
    data = apply_filters(data, params, str(path))
    full = interpolate(data, present, tuple(cmap.interpolated))
    return Processed(finish(full, params), tuple(cmap.interpolated))


def resample_channels(raw: list[np.ndarray], rates: list[float], target: int, n_out: int, where: str) -> np.ndarray:
    """Polyphase resampling of each channel to `target` Hz, trimmed to n_out samples: (n_channels, n_out)."""
    from scipy.signal import resample_poly

    groups = sorted(set(rates))
    out = np.empty((len(raw), n_out)) if len(groups) != 1 else None
    for rate in groups:
        rows = [j for j, r in enumerate(rates) if r == rate]
        up, down = _ratio(rate, target, where)
        block = np.stack([raw[j] for j in rows])
        res = block if up == down else resample_poly(block, up, down, axis=-1)
        if res.shape[1] < n_out:
            raise PreprocessError(where, f"{res.shape[1]} samples after resampling, expected {n_out}")
        if out is None:          # one rate (the usual case): no second copy of the recording
            return res[:, :n_out]
        out[rows] = res[:, :n_out]
    assert out is not None   # several rates (or none): filled above
    return out


def _ratio(rate: float, target: int, where: str) -> tuple[int, int]:
    if not float(rate).is_integer():
        raise PreprocessError(where, f"sampling rate {rate:g} Hz is not an integer; polyphase resampling needs one")
    g = math.gcd(int(rate), target)
    return target // g, int(rate) // g


@functools.lru_cache(maxsize=16)
def filter_sos(rate: int, bandpass: tuple[float, float] | None, notch: float | None) -> np.ndarray | None:
    """One SOS cascade: Butterworth band-pass (order 4; low-pass when low is 0) then an IIR notch (Q 30)."""
    from scipy.signal import butter, iirnotch, tf2sos

    sections = []
    if bandpass is not None:
        low, high = bandpass
        if low > 0:
            sections.append(butter(BANDPASS_ORDER, [low, high], btype="bandpass", fs=rate, output="sos"))
        else:
            sections.append(butter(BANDPASS_ORDER, high, btype="lowpass", fs=rate, output="sos"))
    if notch is not None:
        b, a = iirnotch(notch, NOTCH_Q, fs=rate)
        sections.append(tf2sos(b, a))
    return np.vstack(sections) if sections else None


def apply_filters(data: np.ndarray, params: PipelineParams, where: str) -> np.ndarray:
    """Zero-phase (forward-backward) filtering along time."""
    from scipy.signal import sosfiltfilt

    bp = None if params.bandpass is None else (float(params.bandpass[0]), float(params.bandpass[1]))
    sos = filter_sos(params.sampling_rate, bp, None if params.notch is None else float(params.notch))
    if sos is None:
        return data
    padlen = 3 * (2 * len(sos) + 1)
    if data.shape[1] <= padlen:
        raise PreprocessError(where, f"{data.shape[1]} samples are too few for zero-phase filtering "
                              f"(needs more than {padlen})")
    return sosfiltfilt(sos, data, axis=-1)


def interpolate(data: np.ndarray, present: list[int], interpolated: tuple[str, ...]) -> np.ndarray:
    """Place present rows into 19 channels and fill the interpolated ones from the spline weights."""
    full = np.zeros((len(CHANNELS_10_20), data.shape[1]))
    full[present] = data
    if interpolated:
        missing = [CHANNELS_10_20.index(c) for c in interpolated]
        full[missing] = spline_weights(tuple(interpolated)) @ data
    return full


@functools.lru_cache(maxsize=16)
def spline_weights(missing: tuple[str, ...]) -> np.ndarray:
    """(len(missing), 19 - len(missing)) weights of MNE's spherical-spline interpolation of `missing`."""
    import mne

    good = [c for c in CHANNELS_10_20 if c not in missing]
    info = mne.create_info(list(CHANNELS_10_20), sfreq=float(len(good)), ch_types="eeg")
    # An identity signal on the good channels turns the interpolated rows into the weight matrix.
    probe = np.zeros((len(CHANNELS_10_20), len(good)))
    for col, name in enumerate(good):
        probe[CHANNELS_10_20.index(name), col] = 1.0
    raw = mne.io.RawArray(probe, info, verbose="error")
    raw.set_montage(mne.channels.make_standard_montage(MONTAGE), verbose="error")
    raw.info["bads"] = list(missing)
    raw.interpolate_bads(reset_bads=True, origin="auto", verbose="error")
    return raw.get_data(picks=list(missing)).copy()


def finish(data: np.ndarray, params: PipelineParams) -> np.ndarray:
    """z-score per channel (a flat channel becomes 0), clip, cast to the storage dtype; `data` is consumed.

    In place: two fresh float64 copies of a recording cost more in page faults than the arithmetic (issue 15.5);
    the operations and their order are those of `(data - mean) / std`, so the values are bit-identical.
    """
    if params.normalize == "zscore":
        mean = data.mean(axis=1, keepdims=True)
        std = data.std(axis=1, keepdims=True)
        np.subtract(data, mean, out=data)
        np.divide(data, std, out=data, where=std > 0)
        data[~(std[:, 0] > 0)] = 0.0
    if params.clip is not None:
        np.clip(data, -params.clip, params.clip, out=data)
    return np.ascontiguousarray(data.astype(params.dtype))
