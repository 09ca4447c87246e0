"""The three corpus profiles as data: sizes, durations, rates, montages and where defects go."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Profile = Literal["tiny", "demo", "scale"]
PROFILES: tuple[Profile, ...] = ("tiny", "demo", "scale")
Split = Literal["train", "dev", "eval"]
SPLITS: tuple[Split, ...] = ("train", "dev", "eval")

Defect = Literal["colon_date", "truncated", "empty_file", "text_file", "no_annotations",
                 "csv_bi_three_columns", "csv_bi_clock_times", "no_fz_pz", "missing_c3", "too_short"]
Reason = Literal["unreadable", "no_annotations", "bad_annotations", "missing_channels", "too_short"]
# What the default config (60 s windows, interpolate Fz/Pz, csv_bi, official split) makes of each defect.
DEFECT_REASON: dict[Defect, Reason | None] = {
    "colon_date": None, "truncated": "unreadable", "empty_file": "unreadable", "text_file": "unreadable",
    "no_annotations": "no_annotations", "csv_bi_three_columns": "bad_annotations",
    "csv_bi_clock_times": "bad_annotations", "no_fz_pz": None, "missing_c3": "missing_channels",
    "too_short": "too_short",
}
# Defects that make the file unreadable, so no samples need synthesising.
NO_SIGNAL_DEFECTS: frozenset[Defect] = frozenset({"empty_file", "text_file"})

# v2.0.3 `.csv` row counts per seizure type: the weights for the scale profile.
SEIZURE_WEIGHTS: dict[str, int] = {"gnsz": 23804, "fnsz": 19000, "cpsz": 3597, "absz": 2507,
                                   "spsz": 942, "tcsz": 857, "tnsz": 410, "mysz": 44}
# tiny/demo cycle through these so that every small corpus holds several types, mysz early.
SEIZURE_CYCLE = ("gnsz", "mysz", "fnsz", "cpsz", "absz", "tcsz", "spsz", "tnsz")
GENERALISED = frozenset({"gnsz", "absz", "tcsz", "tnsz", "mysz", "cnsz", "atsz"})


@dataclass(frozen=True)
class SplitSpec:
    """How many EDF files and patients one split holds, and its seizure events (scale only)."""

    files: int
    patients: int
    mean_duration_s: float = 0.0
    seizure_events: int = 0
    seizure_hours: float = 0.0


@dataclass(frozen=True)
class ProfileSpec:
    """Everything that distinguishes one profile."""

    splits: dict[Split, SplitSpec]
    duration_range: tuple[int, int]
    rates: dict[int, int]                  # sampling rate -> exact count (tiny/demo) or weight (scale)
    sparse: bool
    defects: tuple[tuple[Split, Defect, int], ...]
    seizure_share: float = 0.45            # of clean recordings, tiny/demo
    seizure_len: tuple[float, float] = (20.0, 60.0)
    montage_counts: dict[str, int] | None = None


_SMALL_DEFECTS: tuple[tuple[Split, Defect, int], ...] = (
    ("train", "truncated", 1), ("train", "text_file", 1), ("train", "no_annotations", 1),
    ("train", "csv_bi_three_columns", 1), ("train", "missing_c3", 1), ("train", "too_short", 1),
    ("dev", "empty_file", 1), ("dev", "csv_bi_clock_times", 1), ("dev", "no_fz_pz", 1), ("dev", "colon_date", 1),
    ("eval", "colon_date", 1),
)

SPECS: dict[Profile, ProfileSpec] = {
    "tiny": ProfileSpec(
        splits={"train": SplitSpec(11, 5), "dev": SplitSpec(6, 2), "eval": SplitSpec(3, 2)},
        duration_range=(70, 200), rates={256: 1, 400: 1, 512: 1}, sparse=False, defects=_SMALL_DEFECTS,
        seizure_len=(20.0, 45.0)),
    "demo": ProfileSpec(
        splits={"train": SplitSpec(32, 8), "dev": SplitSpec(14, 4), "eval": SplitSpec(8, 3)},
        duration_range=(120, 600), rates={256: 4, 400: 3, 512: 3}, sparse=False,
        defects=_SMALL_DEFECTS + (("train", "no_fz_pz", 1), ("dev", "too_short", 1), ("dev", "missing_c3", 1)),
        seizure_share=0.6),
    "scale": ProfileSpec(
        splits={"train": SplitSpec(4667, 579, 702.0, 2421, 48.6), "dev": SplitSpec(1832, 53, 857.0, 1081, 20.0),
                "eval": SplitSpec(865, 43, 533.0, 469, 7.6)},
        duration_range=(60, 3600), rates={250: 870, 256: 70, 400: 40, 512: 15, 1000: 5}, sparse=True,
        defects=(("train", "no_fz_pz", 43), ("dev", "no_fz_pz", 206), ("eval", "colon_date", 1),
                 ("train", "truncated", 1), ("dev", "empty_file", 1), ("train", "text_file", 1),
                 ("train", "no_annotations", 1), ("dev", "no_annotations", 1),
                 ("train", "csv_bi_three_columns", 1), ("dev", "csv_bi_clock_times", 1),
                 ("train", "missing_c3", 2), ("train", "too_short", 3), ("dev", "too_short", 2)),
        montage_counts={"01_tcp_ar": 5508, "03_tcp_ar_a": 1309, "02_tcp_le": 547}),
}
