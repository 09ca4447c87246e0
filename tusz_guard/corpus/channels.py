"""Map EDF header labels onto the 19 referential 10-20 channels."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tusz_guard.errors import GuardError

CHANNELS_10_20 = ("Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz",
                  "Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2")
N_CHANNELS = len(CHANNELS_10_20)    # what every cache entry and the model carry
# TUSZ uses the old 10-20 names; the modern ones map onto them.
SYNONYMS = {"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}
REFERENCE_SUFFIXES = ("-REF", "-LE", "-AR", "-AVG")

_BY_UPPER = {c.upper(): c for c in CHANNELS_10_20} | {k.upper(): v for k, v in SYNONYMS.items()}


@lru_cache(maxsize=8192)
def normalize_label(label: str) -> str | None:
    """'EEG FP1-REF' -> 'Fp1', 'EEG T7-LE' -> 'T3'; None for anything that is not a 10-20 electrode."""
    name = label.strip().upper()
    if name.startswith("EEG "):
        name = name[4:].strip()
    for suffix in REFERENCE_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return _BY_UPPER.get(name)


@dataclass(frozen=True)
class ChannelMap:
    """Where each 10-20 channel sits in one header, and which are absent."""

    indices: tuple[int | None, ...]
    interpolated: tuple[str, ...]
    missing: tuple[str, ...]
    duplicates: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every channel is present or may be interpolated."""
        return not self.missing

    @property
    def found(self) -> tuple[str, ...]:
        """Channels present in the header, in CHANNELS_10_20 order."""
        return tuple(c for c, i in zip(CHANNELS_10_20, self.indices, strict=False) if i is not None)


def map_channels(labels: Sequence[str], interpolate: Sequence[str] = ("Fz", "Pz")) -> ChannelMap:
    """Locate the 19 channels among header labels; the first of duplicate labels wins."""
    # A corpus has a handful of distinct label sets (one per montage/device): map each once.
    return _map_channels(tuple(labels), tuple(interpolate))


@lru_cache(maxsize=1024)
def _map_channels(labels: tuple[str, ...], interpolate: tuple[str, ...]) -> ChannelMap:
    allowed = {_interpolable(name) for name in interpolate}
    position: dict[str, int] = {}
    duplicates: list[str] = []
    for index, label in enumerate(labels):
        channel = normalize_label(label)
        if channel is None:
            continue
        if channel in position:
            if channel not in duplicates:
                duplicates.append(channel)
        else:
            position[channel] = index
    absent = [c for c in CHANNELS_10_20 if c not in position]
    return ChannelMap(
        indices=tuple(position.get(c) for c in CHANNELS_10_20),
        interpolated=tuple(c for c in absent if c in allowed),
        missing=tuple(c for c in absent if c not in allowed),
        duplicates=tuple(c for c in CHANNELS_10_20 if c in duplicates),
    )


def _interpolable(name: str) -> str:
    channel = normalize_label(name)
    if channel is None:
        raise GuardError(f"cannot interpolate unknown channel '{name}'; choose from "
                         f"{', '.join(CHANNELS_10_20)}")
    return channel
