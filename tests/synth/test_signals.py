"""The samples: background in the EEG range, seizures loud and rhythmic enough to learn."""
from __future__ import annotations

import numpy as np

from tusz_guard.synth.plan import build_plan
from tusz_guard.synth.signals import UV_PER_STEP, spike_and_wave, synthesize


def test_seizures_stand_out_of_the_background() -> None:
    plan = next(p for p in build_plan("tiny", 0, False) if p.seizures)
    uv = synthesize(plan, 0).astype(np.float64) * UV_PER_STEP
    fp1 = plan.labels.index(next(label for label in plan.labels if label.startswith("EEG FP1")))
    inside = np.zeros(uv.shape[1], dtype=bool)
    for s in plan.seizures:
        inside[round(s.start * plan.sfreq): round(s.stop * plan.sfreq)] = True
    background = uv[fp1, ~inside].std()
    assert 15.0 <= background <= 65.0
    assert uv[fp1, inside].std() > 2.0 * background


def test_spike_and_wave_is_three_to_five_hz() -> None:
    wave = spike_and_wave(250 * 30, 250, 4.0)
    spectrum = np.abs(np.fft.rfft(wave - wave.mean()))
    peak = np.fft.rfftfreq(wave.size, 1 / 250)[spectrum.argmax()]
    assert 3.0 <= peak <= 4.2 and abs(wave.max() - 1.0) < 0.05


def test_flat_and_ekg_channels() -> None:
    plan = next(p for p in build_plan("tiny", 0, False) if "IBI" in p.labels)
    digital = synthesize(plan, 0)
    assert not digital[plan.labels.index("IBI")].any()
    ekg = next(i for i, label in enumerate(plan.labels) if "EKG" in label)
    assert 400.0 <= digital[ekg].max() * UV_PER_STEP <= 600.0


def test_same_seed_same_samples() -> None:
    plan = build_plan("tiny", 0, False)[0]
    assert np.array_equal(synthesize(plan, 0), synthesize(plan, 0))
    assert not np.array_equal(synthesize(plan, 0), synthesize(plan, 1))
