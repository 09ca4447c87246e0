"""Recording stems: the cache keys every entry by stem, so one stem must name exactly one recording."""
from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable


def stem_of(path: str) -> str:
    """The file name without its extension ('train/p/s/m/p_s001_t000.edf' -> 'p_s001_t000')."""
    return posixpath.splitext(posixpath.basename(path))[0]


def duplicate_stems(paths: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Every stem that more than one path shares, with those paths; both sorted (deterministic messages)."""
    by_stem: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        by_stem[stem_of(path)].append(path)
    return [(stem, sorted(found)) for stem, found in sorted(by_stem.items()) if len(found) > 1]


def describe(duplicates: list[tuple[str, list[str]]]) -> list[str]:
    """One line per shared stem naming every path that has it."""
    return [f"{stem} is {' and '.join(paths)}" for stem, paths in duplicates]
