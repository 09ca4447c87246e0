"""Electrode names, EDF signal labels and TCP derivations as TUSZ writes them."""
from __future__ import annotations

from typing import Literal

Montage = Literal["01_tcp_ar", "02_tcp_le", "03_tcp_ar_a"]
MONTAGES: tuple[Montage, ...] = ("01_tcp_ar", "02_tcp_le", "03_tcp_ar_a")
SUFFIX: dict[Montage, str] = {"01_tcp_ar": "REF", "02_tcp_le": "LE", "03_tcp_ar_a": "REF"}

# The 19 10-20 electrodes (old names, upper case as in TUSZ labels) plus the ear references.
ELECTRODES_19 = ("FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
                 "F7", "F8", "T3", "T4", "T5", "T6", "FZ", "CZ", "PZ")
EARS = ("A1", "A2")
# TUSZ header order: the lateral pairs, then A1/A2, then the midline.
_HEADER_ORDER = ELECTRODES_19[:16] + EARS + ELECTRODES_19[16:]
MODERN = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}
LEFT = frozenset({"FP1", "F3", "C3", "P3", "O1", "F7", "T3", "T5"})
RIGHT = frozenset({"FP2", "F4", "C4", "P4", "O2", "F8", "T4", "T6"})

# Non-EEG and spare signals, in the order they are added to reach the signal count.
_EXTRAS = ("EEG EKG1-{s}", "EEG ROC-{s}", "EEG LOC-{s}", "EEG T1-{s}", "EEG T2-{s}", "PHOTIC-REF",
           "IBI", "BURSTS", "SUPPR", "EEG 26-{s}", "EEG 27-{s}", "EEG 28-{s}", "EEG 29-{s}",
           "EEG 30-{s}", "EEG 20-{s}", "EEG 21-{s}", "EEG 22-{s}", "EEG 23-{s}", "EEG 24-{s}",
           "EEG 25-{s}", "EEG 31-{s}", "EEG 32-{s}")

TCP = ("FP1-F7", "F7-T3", "T3-T5", "T5-O1", "FP2-F8", "F8-T4", "T4-T6", "T6-O2", "A1-T3", "T3-C3",
       "C3-CZ", "CZ-C4", "C4-T4", "T4-A2", "FP1-F3", "F3-C3", "C3-P3", "P3-O1", "FP2-F4", "F4-C4",
       "C4-P4", "P4-O2")

MIN_SIGNALS, MAX_SIGNALS = 26, 36


def electrodes(montage: Montage, dropped: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Electrodes present in a header of this montage, header order, minus the dropped ones."""
    names = _HEADER_ORDER if montage != "03_tcp_ar_a" else tuple(e for e in _HEADER_ORDER if e not in EARS)
    return tuple(e for e in names if e not in dropped)


def signal_labels(montage: Montage, n_signals: int, dropped: tuple[str, ...] = (),
                  modern: bool = False) -> tuple[str, ...]:
    """EDF labels: electrodes as `EEG FP1-REF` (or T7/T8/P7/P8 when modern), then extras up to n_signals."""
    suffix = SUFFIX[montage]
    eeg = tuple(f"EEG {MODERN.get(e, e) if modern else e}-{suffix}" for e in electrodes(montage, dropped))
    n_extra = n_signals - len(eeg)
    if not 0 <= n_extra <= len(_EXTRAS):
        raise ValueError(f"{n_signals} signals cannot be built from {len(eeg)} electrodes")
    return eeg + tuple(x.format(s=suffix) for x in _EXTRAS[:n_extra])


def electrode_of(label: str) -> str | None:
    """'EEG T7-REF' -> 'T3' (old name); None for labels that are not scalp electrodes or ears."""
    name = label.removeprefix("EEG ").rsplit("-", 1)[0]
    name = {v: k for k, v in MODERN.items()}.get(name, name)
    return name if name in _HEADER_ORDER else None


def derivations(montage: Montage) -> tuple[str, ...]:
    """TCP derivations annotated in `.csv` files: 22, or 20 without A1/A2 for 03_tcp_ar_a."""
    if montage == "03_tcp_ar_a":
        return tuple(d for d in TCP if not set(d.split("-")) & set(EARS))
    return TCP
