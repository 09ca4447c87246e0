"""Is data_dir the folder that holds train/ dev/ eval/? A probe (two listings) and a pure verdict.

`init --data-dir .../edf/train` used to say PASS and "next: build-cache", which then built nothing: the level
of the folder is checked before anything else reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tusz_guard.corpus.paths import POLICY_SPLITS
from tusz_guard.corpus.paths import SPLITS as SPLIT_DIRS

NEEDED: dict[str, tuple[str, ...]] = {policy: tuple(s for s, _ in pairs) for policy, pairs in POLICY_SPLITS.items()}


@dataclass(frozen=True)
class DataDirLevel:
    """Which split folders a data_dir, its parent and its edf/ child hold (None: the folder does not exist)."""

    path: Path
    splits: tuple[str, ...] | None
    parent_splits: tuple[str, ...] = ()
    edf_splits: tuple[str, ...] = ()


def _splits(folder: Path) -> tuple[str, ...] | None:
    if not folder.is_dir():
        return None
    return tuple(s for s in SPLIT_DIRS if (folder / s).is_dir())


def probe(path: Path) -> DataDirLevel:
    """The listings the verdict needs (the only I/O here)."""
    return DataDirLevel(path=path, splits=_splits(path), parent_splits=_splits(path.parent) or (),
                        edf_splits=_splits(path / "edf") or ())


def level_problem(level: DataDirLevel, policy: str, shown: str) -> str | None:
    """Why data_dir is at the wrong level for the split policy, with the folder meant; None when fine or absent."""
    if level.splits is None:      # not there (yet): corpus.layout reports a missing corpus
        return None
    needed = NEEDED[policy]
    missing = [s for s in needed if s not in level.splits]
    if not missing:
        return None
    holds = f"holds only {_dirs(level.splits)}" if level.splits else f"holds none of {_dirs(SPLIT_DIRS)}"
    message = (f"data.data_dir ({shown}) {holds}; split_policy {policy} needs {_dirs(needed)} "
               f"(missing {_dirs(missing)})")
    return message + _meant(level, needed)


def _meant(level: DataDirLevel, needed: tuple[str, ...]) -> str:
    if all(s in level.parent_splits for s in needed):
        return f"; did you mean the parent folder ({level.path.parent})?"
    if all(s in level.edf_splits for s in needed):
        return f"; did you mean its edf/ folder ({level.path / 'edf'})?"
    return "; data.data_dir must be the folder holding them"


def _dirs(names: tuple[str, ...] | list[str]) -> str:
    return " ".join(f"{n}/" for n in names)
