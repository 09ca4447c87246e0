"""Learnable synthetic EEG: 1/f background with alpha, seizures as 3-5 Hz spike-and-wave on most channels."""
from __future__ import annotations

import zlib

import numpy as np

from tusz_guard.synth.montage import EARS, electrode_of
from tusz_guard.synth.plan import RecordingPlan, Seizure

# int16 samples at 0.1 uV per step: physical range -3276.8..3276.7 uV maps exactly onto -32768..32767.
PHYSICAL_RANGE = (-3276.8, 3276.7)
DIGITAL_RANGE = (-32768, 32767)
UV_PER_STEP = 0.1
_POSTERIOR = frozenset({"O1", "O2", "P3", "P4", "PZ", "T5", "T6"})
_FLAT = ("PHOTIC", "IBI", "BURSTS", "SUPPR")


def recording_rng(seed: int, stem: str) -> np.random.Generator:
    """A generator per recording, independent of write order."""
    return np.random.default_rng([seed, zlib.crc32(stem.encode("ascii"))])


def synthesize(plan: RecordingPlan, seed: int) -> np.ndarray:
    """Digital samples, shape (n_signals, duration * sfreq), int16."""
    rng = recording_rng(seed, plan.stem)
    n = plan.duration * plan.sfreq
    uv = np.zeros((len(plan.labels), n), dtype=np.float32)
    noisy = [i for i, label in enumerate(plan.labels) if label.startswith("EEG ") and "EKG" not in label]
    uv[noisy] = _background(rng, [plan.labels[i] for i in noisy], n, plan.sfreq)
    for i, label in enumerate(plan.labels):
        if "EKG" in label:
            uv[i] = _ekg(rng, n, plan.sfreq)
    rows = {electrode_of(label): i for i, label in enumerate(plan.labels) if electrode_of(label)}
    for seizure in plan.seizures:
        _add_seizure(rng, uv, rows, seizure, plan.sfreq)
    return np.clip(np.round(uv / UV_PER_STEP), *DIGITAL_RANGE).astype(np.int16)


def _background(rng: np.random.Generator, labels: list[str], n: int, sfreq: int) -> np.ndarray:
    """Gaussian noise shaped in the frequency domain: 1/f-like spectrum plus an alpha peak, 20-50 uV RMS."""
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq).astype(np.float32)
    # Amplitude ~ 1/f^0.8 with a roll-off above 40 Hz: scalp EEG holds little high-frequency power.
    pink = np.maximum(freqs, 1.0) ** -0.8 * np.minimum(1.0, (40.0 / np.maximum(freqs, 1.0)) ** 2)
    pink[freqs < 0.3] = 0.0
    alpha_hz = rng.uniform(8.5, 11.5)
    bump = np.exp(-0.5 * ((freqs - alpha_hz) / 0.8) ** 2)
    electrodes = [electrode_of(label) for label in labels]
    gains = np.array([0.6 if e in _POSTERIOR else 0.15 for e in electrodes], dtype=np.float32)
    spectrum = (rng.standard_normal((len(labels), freqs.size), dtype=np.float32)
                + 1j * rng.standard_normal((len(labels), freqs.size), dtype=np.float32))
    spectrum *= pink[None, :] + gains[:, None] * bump[None, :]
    x = np.fft.irfft(spectrum, n=n, axis=1).astype(np.float32)
    x /= np.maximum(x.std(axis=1, keepdims=True), 1e-12)
    level = rng.uniform(20.0, 50.0)
    scale = [level * rng.uniform(0.8, 1.2) * (0.5 if e in EARS or e is None else 1.0) for e in electrodes]
    return x * np.array(scale, dtype=np.float32)[:, None]


def _ekg(rng: np.random.Generator, n: int, sfreq: int) -> np.ndarray:
    """R waves at 60-90 beats per minute, about 500 uV, over a little noise."""
    beats_per_s = rng.uniform(1.0, 1.5)
    phase = (np.arange(n, dtype=np.float32) / sfreq * beats_per_s) % 1.0
    return (500.0 * np.exp(-0.5 * ((phase - 0.5) / (0.012 * beats_per_s)) ** 2)
            + rng.normal(0.0, 10.0, n).astype(np.float32))


def spike_and_wave(n: int, sfreq: int, hz: float) -> np.ndarray:
    """Unit-amplitude spike-and-wave at hz, slowing by 20% over its course, with 2 s ramps."""
    t = np.arange(n, dtype=np.float64) / sfreq
    length = max(n / sfreq, 1e-9)
    cycles = (hz * t - 0.1 * hz * t ** 2 / length) % 1.0
    wave = np.exp(-0.5 * ((cycles - 0.1) / 0.03) ** 2) - 0.5 * np.exp(-0.5 * ((cycles - 0.55) / 0.15) ** 2)
    ramp = np.minimum(1.0, np.minimum(t, length - t) / 2.0)
    return (wave * np.clip(ramp, 0.0, 1.0)).astype(np.float32)


def _add_seizure(rng: np.random.Generator, uv: np.ndarray, rows: dict, seizure: Seizure, sfreq: int) -> None:
    start, stop = round(seizure.start * sfreq), min(round(seizure.stop * sfreq), uv.shape[1])
    wave = spike_and_wave(stop - start, sfreq, rng.uniform(3.0, 5.0)) * rng.uniform(100.0, 300.0)
    for electrode in seizure.electrodes:
        if electrode in rows:
            uv[rows[electrode], start:stop] += wave * rng.uniform(0.6, 1.0)
