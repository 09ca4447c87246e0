"""Header labels onto the 19 10-20 channels."""
from __future__ import annotations

import pytest

from tusz_guard.corpus.channels import CHANNELS_10_20, ChannelMap, map_channels, normalize_label
from tusz_guard.errors import GuardError

AR_LABELS = [f"EEG {c.upper()}-REF" for c in CHANNELS_10_20] + ["EEG A1-REF", "EEG EKG1-REF", "PHOTIC-REF"]


@pytest.mark.parametrize(("label", "channel"), [
    ("EEG FP1-REF", "Fp1"), ("EEG FP2-LE", "Fp2"), ("eeg fz-ref", "Fz"), ("EEG CZ-AR", "Cz"),
    ("EEG O2-AVG", "O2"), ("  EEG P3-REF  ", "P3"), ("FP1", "Fp1"), ("Fp1", "Fp1"), ("EEG F7", "F7"),
    ("EEG T7-LE", "T3"), ("EEG T8-REF", "T4"), ("EEG P7-REF", "T5"), ("P8", "T6"), ("EEG T5-REF", "T5"),
    ("EEG EKG1-REF", None), ("PHOTIC-REF", None), ("IBI", None), ("BURSTS", None), ("SUPPR", None),
    ("EEG 20-REF", None), ("EEG T1-REF", None), ("EEG A1-REF", None), ("EEG FP1-F7", None),
    ("EEG FP1-A1", None), ("EEGFP1-REF", None), ("", None), ("EEG FP1-REF-REF", None),
])
def test_normalize_label(label: str, channel: str | None) -> None:
    assert normalize_label(label) == channel


def test_full_ar_header() -> None:
    m = map_channels(AR_LABELS)
    assert m == ChannelMap(indices=tuple(range(19)), interpolated=(), missing=(), duplicates=())
    assert m.ok and m.found == CHANNELS_10_20


def test_order_follows_channels_not_header() -> None:
    m = map_channels(["EEG O2-LE", "IBI", "EEG FP1-LE"] + [f"EEG {c}-LE" for c in CHANNELS_10_20[1:-1]])
    assert m.indices[0] == 2 and m.indices[-1] == 0 and m.indices[1] == 3
    assert m.ok


def test_midline_absent_is_interpolated_by_default() -> None:
    labels = [lab for lab in AR_LABELS if lab not in ("EEG FZ-REF", "EEG PZ-REF")]
    m = map_channels(labels)
    assert m.interpolated == ("Fz", "Pz") and m.missing == () and m.ok
    assert m.indices[CHANNELS_10_20.index("Fz")] is None
    assert m.indices[CHANNELS_10_20.index("Cz")] == labels.index("EEG CZ-REF")


def test_missing_channel_not_allowed() -> None:
    labels = [lab for lab in AR_LABELS if lab not in ("EEG FZ-REF", "EEG O1-REF", "EEG PZ-REF")]
    m = map_channels(labels, interpolate=["Fz"])
    assert (m.interpolated, m.missing, m.ok) == (("Fz",), ("O1", "Pz"), False)


def test_no_interpolation_allowed() -> None:
    m = map_channels(["EEG FP1-REF"], interpolate=())
    assert m.interpolated == () and m.missing == CHANNELS_10_20[1:]


def test_duplicates_first_wins() -> None:
    labels = AR_LABELS + ["EEG T7-REF", "EEG FP1-LE", "EEG FP1-REF"]
    m = map_channels(labels)
    assert m.duplicates == ("Fp1", "T3")
    assert m.indices[0] == 0 and m.indices[CHANNELS_10_20.index("T3")] == 5


def test_interpolate_names_are_normalized_and_checked() -> None:
    assert map_channels(["EEG FP1-REF"], interpolate=["FZ", "t7"]).interpolated == ("T3", "Fz")
    with pytest.raises(GuardError) as info:
        map_channels(AR_LABELS, interpolate=["Fz", "Oz"])
    assert info.value.message == ("cannot interpolate unknown channel 'Oz'; choose from Fp1, F3, C3, P3, F7, T3, "
                                  "T5, O1, Fz, Cz, Pz, Fp2, F4, C4, P4, F8, T4, T6, O2")
