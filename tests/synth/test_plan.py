"""The plan: scale counts match v2.0.3, names follow TUSZ, spans and tiling hold for any input."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.synth.annotations import tile
from tusz_guard.synth.montage import derivations, electrode_of, signal_labels
from tusz_guard.synth.plan import build_plan, patient_ids, place_spans


@pytest.fixture(scope="module")
def scale():
    return build_plan("scale", 0, True)


def test_scale_matches_the_v2_0_3_counts(scale) -> None:
    assert Counter(p.split for p in scale) == {"train": 4667, "dev": 1832, "eval": 865}
    assert {s: len({p.patient for p in scale if p.split == s}) for s in ("train", "dev", "eval")} == {
        "train": 579, "dev": 53, "eval": 43}
    assert Counter(p.montage for p in scale) == {"01_tcp_ar": 5508, "03_tcp_ar_a": 1309, "02_tcp_le": 547}
    clean = [p for p in scale if not {"too_short"} & set(p.defects)]
    assert min(p.duration for p in clean) >= 60 and max(p.duration for p in scale) <= 3600


def test_scale_durations_seizures_and_defects(scale) -> None:
    for split, (hours, events, seizure_hours) in {"train": (910, 2421, 48.6), "dev": (436, 1081, 20.0),
                                                   "eval": (128, 469, 7.6)}.items():
        rows = [p for p in scale if p.split == split]
        mean = hours * 3600 / len(rows)  # 702, 857 and 533 s
        assert abs(np.mean([p.duration for p in rows]) - mean) / mean < 0.02
        assert abs(sum(p.duration for p in rows) / 3600 - hours) / hours < 0.05
        n_events = sum(len(p.seizures) for p in rows)
        assert 0.98 * events <= n_events <= events
        assert abs(sum(s.stop - s.start for p in rows for s in p.seizures) / 3600 - seizure_hours) < 0.1 * seizure_hours
    no_fz_pz = Counter(p.split for p in scale if "no_fz_pz" in p.defects)
    assert no_fz_pz == {"train": 43, "dev": 206}
    assert sum(p.reason is not None for p in scale) == 14
    assert not any(p.defects for p in build_plan("scale", 0, False))


def test_names_are_tusz_names(scale) -> None:
    assert all(re.fullmatch(r"[a-z]{8}", p.patient) for p in scale)
    assert all(re.fullmatch(r"s\d{3}_\d{4}(_\d\d_\d\d)?", p.session) for p in scale)
    assert len({p.stem for p in scale}) == len(scale)
    tokens: dict[str, list[int]] = {}
    for p in scale:
        tokens.setdefault(p.rel_path.rsplit("/", 1)[0], []).append(p.token)
    assert all(t == list(range(len(t))) for t in tokens.values())
    assert {p.patient for p in scale if p.split == "train"}.isdisjoint({p.patient for p in scale if p.split != "train"})


def test_patient_ids_are_distinct_lowercase() -> None:
    ids = patient_ids(np.random.default_rng(0), 500)
    assert len(set(ids)) == 500 and all(re.fullmatch(r"[a-z]{8}", i) for i in ids)


@pytest.mark.parametrize(("montage", "modern", "first", "n_eeg"), [
    ("01_tcp_ar", False, "EEG FP1-REF", 21), ("02_tcp_le", False, "EEG FP1-LE", 21),
    ("03_tcp_ar_a", False, "EEG FP1-REF", 19), ("01_tcp_ar", True, "EEG FP1-REF", 21)])
def test_signal_labels(montage, modern, first, n_eeg) -> None:
    labels = signal_labels(montage, 33, modern=modern)
    assert len(labels) == 33 and labels[0] == first
    assert sum(electrode_of(label) is not None for label in labels) == n_eeg
    assert ("EEG T7-REF" in labels) == modern and ("EEG A1-REF" in labels) == (montage == "01_tcp_ar")
    assert len(derivations(montage)) == (20 if montage == "03_tcp_ar_a" else 22)


@given(duration=st.integers(10, 4000), lengths=st.lists(st.floats(1.0, 600.0), max_size=4), seed=st.integers(0, 99))
def test_place_spans_fit_without_overlap(duration: int, lengths: list[float], seed: int) -> None:
    spans = place_spans(np.random.default_rng(seed), duration, lengths)
    assert len(spans) <= len(lengths)
    for start, stop in spans:
        assert 5.0 - 1e-4 <= start < stop <= duration - 5.0 + 1e-4
    assert all(b[0] - a[1] >= 10.0 - 2e-4 for a, b in zip(spans, spans[1:], strict=False))


@given(duration=st.integers(10, 4000), seed=st.integers(0, 99), n=st.integers(0, 3))
def test_tile_covers_the_recording(duration: int, seed: int, n: int) -> None:
    spans = [(a, b, "seiz") for a, b in place_spans(np.random.default_rng(seed), duration, [20.0] * n)]
    rows = tile(duration, spans)
    assert rows[0][0] == 0.0 and rows[-1][1] == duration
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(rows, rows[1:], strict=False))
    assert [r for r in rows if r[2] == "seiz"] == spans
