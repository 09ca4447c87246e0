"""The published recipe (docs: /work/shared/domain/tusz-format.md) as the cache baseline.

MNE reads the EDF, FFT resampling (scipy.signal.resample), causal Butterworth band-pass + IIR notch
(sosfilt / lfilter), per-channel z-score, clip +-10, float32, overlapping 60 s / 10 s windows materialised,
one compressed NPZ (windows + per-window labels) per recording.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def baseline_one(edf: str, out_dir: str, seizure_intervals: list[tuple[float, float]], rate: int = 256) -> int:
    """Process one recording the baseline way; returns the bytes written."""
    import mne
    from scipy import signal as sps

    from tusz_guard.corpus.channels import CHANNELS_10_20, normalize_label

    raw = mne.io.read_raw_edf(edf, preload=True, verbose="error")
    names: dict[str, str] = {}
    for label in raw.ch_names:
        channel = normalize_label(label)
        if channel is not None and channel not in names.values():
            names[label] = channel
    raw.pick(list(names)).rename_channels(names)
    missing = [c for c in CHANNELS_10_20 if c not in raw.ch_names]
    if missing:      # the recipe interpolates the absent midline channels with MNE
        zeros = mne.io.RawArray(np.zeros((len(missing), raw.n_times)),
                                mne.create_info(missing, raw.info["sfreq"], "eeg"), verbose="error")
        raw.add_channels([zeros], force_update_info=True)
        raw.reorder_channels(list(CHANNELS_10_20))
        raw.set_montage(mne.channels.make_standard_montage("colin27_1020"), verbose="error")
        raw.info["bads"] = missing
        raw.interpolate_bads(reset_bads=True, origin="auto", verbose="error")
    raw.reorder_channels(list(CHANNELS_10_20))
    x = raw.get_data()
    n_out = int(round(raw.n_times / raw.info["sfreq"] * rate))
    x = sps.resample(x, n_out, axis=-1)                                  # FFT resampling
    sos = sps.butter(4, [0.5, 120.0], btype="bandpass", fs=rate, output="sos")
    x = sps.sosfilt(sos, x, axis=-1)                                     # causal
    b, a = sps.iirnotch(60.0, 30.0, fs=rate)
    x = sps.lfilter(b, a, x, axis=-1)                                    # causal
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    x = np.clip(x, -10.0, 10.0).astype(np.float32)
    labels = np.zeros(n_out, dtype=np.uint8)
    for start, stop in seizure_intervals:
        labels[int(start * rate): int(stop * rate)] = 1
    length, stride = 60 * rate, 10 * rate
    if n_out < length:
        return 0
    windows = np.lib.stride_tricks.sliding_window_view(x, length, axis=-1)[:, ::stride].transpose(1, 0, 2).copy()
    win_labels = np.lib.stride_tricks.sliding_window_view(labels, length)[::stride].mean(axis=1)
    out = Path(out_dir) / (Path(edf).stem + ".npz")
    np.savez_compressed(out, windows=windows, seizure_ratio=win_labels.astype(np.float32))
    return out.stat().st_size


def _task(args: tuple[str, str, list[tuple[float, float]]]) -> int:
    return baseline_one(*args)


if __name__ == "__main__":
    print(baseline_one(sys.argv[1], sys.argv[2], []))
