"""The tables suites run on, as names and columns only (no pandas): suites are checked against this."""
from __future__ import annotations

from typing import Literal

TableName = Literal["recordings", "cache_entries", "windows"]
TABLES: tuple[TableName, ...] = ("recordings", "cache_entries", "windows")

# Every column of every table, in order (docs/expectations.md describes each one).
COLUMNS: dict[TableName, tuple[str, ...]] = {
    "recordings": ("path", "split", "role", "patient", "session", "montage", "sfreq", "duration_s",
                   "n_signals", "n_channels", "n_interpolated", "annotation_rows", "annotation_parsed",
                   "seizure_seconds", "seizure_fraction", "n_samples", "windows_expected"),
    "cache_entries": ("path", "key", "role", "dtype", "normalize", "n_channels", "sampling_rate", "n_samples",
                      "expected_n_samples", "mean_abs_max", "std_min", "std_max", "min", "max", "abs_max",
                      "nonfinite", "seizure_samples", "seizure_fraction", "n_interpolated"),
    "windows": ("path", "key", "role", "window", "start_s", "seizure_fraction", "label_min", "label_max",
                "window_class"),
}
# The columns that name a failing row in reports.
ID_COLUMNS: dict[TableName, tuple[str, ...]] = {
    "recordings": ("path",), "cache_entries": ("path",), "windows": ("path", "window"),
}
# Tables built from the cache: their suites are skipped when there is no cache index.
NEEDS_CACHE: frozenset[TableName] = frozenset({"cache_entries", "windows"})
# Suite parameters ({"$PARAMETER": name}) that tusz-guard fills from the config.
PARAMETERS: tuple[str, ...] = ("sampling_rate", "clip", "n_channels", "window_length_s", "window_stride_s")
