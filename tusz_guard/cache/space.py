"""Bytes a build will write: the one sizing rule `check` (cache.disk_space) and `build-cache --dry-run` share,
and the free-space reader (statvfs of the nearest existing folder) they, `pack` and the machine probe use.

The arrays are sized exactly from header-derived sample counts, the channel count and the storage dtype, with
the .npy header NumPy writes for that shape (the store writes entries with the same header writer). Each file
and each entry folder is rounded up to the filesystem's block size; meta.json and the entry's line in
index.json are counted at META_BYTES (they are a few hundred bytes to ~2 KiB: one block on any filesystem).
"""
from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tusz_guard.cache.plan import PlanItem
from tusz_guard.corpus.channels import CHANNELS_10_20

META_BYTES = 4096          # meta.json, and the entry's record in index.json (each well under one 4 KiB block)
DEFAULT_BLOCK = 4096
MARGIN = 0.10              # warn when the free space exceeds the need by less than this fraction


def npy_bytes(shape: tuple[int, ...], dtype: str) -> int:
    """The exact size of the .npy file np.save (and the store) writes for an array of this shape and dtype."""
    import numpy as np
    from numpy.lib import format as npy

    d = np.dtype(dtype)
    header = io.BytesIO()
    npy.write_array_header_1_0(header, {"descr": npy.dtype_to_descr(d), "fortran_order": False, "shape": shape})
    count = 1
    for n in shape:
        count *= n
    return header.tell() + count * d.itemsize


def _blocks(size: int, block: int) -> int:
    return -(-size // block) * block


def array_bytes(n_samples: int, dtype: str, n_channels: int = len(CHANNELS_10_20)) -> tuple[int, int]:
    """The exact sizes of one entry's signal.npy and labels.npy."""
    return npy_bytes((n_channels, n_samples), dtype), npy_bytes((n_samples,), "uint8")


def entry_bytes(n_samples: int, dtype: str, block: int = DEFAULT_BLOCK, n_channels: int = len(CHANNELS_10_20)) -> int:
    """Disk bytes of one entry: signal.npy, labels.npy, meta.json, its folder and its index record."""
    return _on_disk(array_bytes(n_samples, dtype, n_channels), block)


def _on_disk(arrays: tuple[int, int], block: int) -> int:
    return sum(_blocks(size, block) for size in arrays) + 3 * _blocks(META_BYTES, block)


@dataclass(frozen=True)
class SpaceNeed:
    """What building the missing and stale entries writes."""

    entries: int
    bytes: int
    array_bytes: int           # signal.npy + labels.npy alone, unrounded: exactly what the store writes


def space_needed(items: Iterable[PlanItem], dtype: str, block: int = DEFAULT_BLOCK) -> SpaceNeed:
    """Missing and stale items at full size (a rebuild writes the new entry before the old one goes)."""
    sizes = [array_bytes(i.recording.n_samples, dtype) for i in items if i.state != "current"]
    return SpaceNeed(entries=len(sizes), bytes=sum(_on_disk(a, block) for a in sizes),
                     array_bytes=sum(sum(a) for a in sizes))


def verdict(need: int, free: int) -> str:
    """'fail' when it does not fit, 'warn' below the margin, else 'pass'."""
    if need > free:
        return "fail"
    if need and free < need * (1 + MARGIN):
        return "warn"
    return "pass"


def human(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:,.0f} B" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"


@dataclass(frozen=True)
class DiskSpace:
    """Free space on the filesystem that holds (or will hold) a folder, read with statvfs."""

    path: Path            # the nearest existing folder at or above the one asked for
    free: int             # bytes an unprivileged writer may use (f_bavail * f_frsize)
    total: int
    block: int            # the allocation unit (f_frsize): every file takes whole blocks


def free_space(folder: Path) -> DiskSpace | None:
    """statvfs of the nearest existing ancestor of `folder`; None where the platform or the path cannot say."""
    probe = folder
    while probe != probe.parent:
        try:
            if probe.is_dir():
                break
        except OSError:        # a name too long, a loop: look further up
            pass
        probe = probe.parent
    try:
        st = os.statvfs(probe)
    except (OSError, AttributeError):
        return None
    return DiskSpace(path=probe, free=st.f_bavail * st.f_frsize, total=st.f_blocks * st.f_frsize,
                     block=st.f_frsize or 4096)
