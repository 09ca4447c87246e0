"""What is wrong with an entry: the stat-only scan of every `build-cache` and the deep scan behind
`build-cache --rebuild-damaged`.

Same rules as `check` (cache.integrity): an array that is not a regular file or not the recorded size is damaged
(one lstat each: a FIFO there would otherwise be `current` to build-cache while check blocks it); the deep scan
adds meta.json or an array that cannot be read, shapes that disagree with the record, non-finite values and
bytes that no longer hash to the sha256 recorded when they were written (`sum_problems`, the rule check uses too).
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.errors import GuardError

_KINDS = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symlink"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


NPY_HEADER_MAX = 65536        # a .npy header is a multiple of 16 bytes, far below this


def size_problems(meta: EntryMeta, signal_size: int | None, labels_size: int | None) -> list[str]:
    """The arrays' sizes against the record (the one rule of check's cache.integrity and build-cache's scan): the
    recorded size, and a .npy header plus exactly the recorded shape's bytes."""
    item = 2 if meta.dtype == "float16" else 4
    out = []
    if signal_size != meta.signal_bytes or not _npy_header_ok(signal_size, meta.n_channels * meta.n_samples * item):
        out.append(f"signal.npy is {signal_size or 0:,} bytes, not a ({meta.n_channels}, {meta.n_samples:,}) "
                   f"{meta.dtype} array of the recorded {meta.signal_bytes:,} bytes")
    if labels_size != meta.labels_bytes or not _npy_header_ok(labels_size, meta.n_samples):
        out.append(f"labels.npy is {labels_size or 0:,} bytes, not a ({meta.n_samples:,},) uint8 mask")
    return out


def _npy_header_ok(size: int | None, payload: int) -> bool:
    header = (size or 0) - payload
    return 0 < header <= NPY_HEADER_MAX and header % 16 == 0


def file_damage(store: CacheStore, key: str, meta: EntryMeta) -> str | None:
    """What one lstat per array shows wrong with entries/<key>: missing, not a regular file, or sizes that break
    size_problems."""
    sizes = []
    for path in (store.signal_path(key), store.labels_path(key)):
        shown = f"entries/{key}/{path.name}"
        try:
            st = os.lstat(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return f"{shown} is missing"
            return None                # unreadable (mode 000): the builder's foreign_reason names it
        if not stat.S_ISREG(st.st_mode):
            kind = next((word for test, word in _KINDS if test(st.st_mode)), "special")
            return f"{shown} is not a regular file ({kind})"
        sizes.append(st.st_size)
    problems = size_problems(meta, sizes[0], sizes[1])
    return f"entries/{key}/{problems[0]}" if problems else None


def file_sha256(path: Path) -> str | None:
    """The sha256 of a file's bytes (streamed); None when it cannot be read (the array load reports that)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def sum_problems(meta: EntryMeta, signal_sha256: str | None, labels_sha256: str | None) -> list[str]:
    """A file whose bytes no longer hash to the sum recorded when it was written (format v2 entries; v1 carry none)."""
    pairs = (("signal.npy", meta.signal_sha256, signal_sha256), ("labels.npy", meta.labels_sha256, labels_sha256))
    return [f"{name} sha256 {now[:12]}… differs from the recorded {built[:12]}… (changed after it was written)"
            for name, built, now in pairs if built is not None and now is not None and now != built]


def entry_damage(store: CacheStore, key: str) -> str | None:
    """What is wrong with entries/<key> (None when its files agree with its record)."""
    import numpy as np

    try:
        meta = store.read_entry_meta(key)
        found = file_damage(store, key, meta)
        if found is not None:
            return found
        signal = store.load_signal(key)
        labels = store.load_labels(key)
    except GuardError as exc:
        return str(exc)
    if signal.shape != (meta.n_channels, meta.n_samples):
        return f"signal shape {signal.shape}, the record says ({meta.n_channels}, {meta.n_samples})"
    if labels.shape != (meta.n_samples,):
        return f"labels shape {labels.shape}, the record says ({meta.n_samples},)"
    nonfinite = int(signal.size - np.count_nonzero(np.isfinite(signal)))
    if nonfinite:
        return f"{nonfinite:,} non-finite value(s) in signal.npy"
    sums = sum_problems(meta, file_sha256(store.signal_path(key)), file_sha256(store.labels_path(key)))
    return "; ".join(sums) or None


def damaged_entries(store: CacheStore, keys: Iterable[str]) -> dict[str, str]:
    """key -> what is wrong, for every damaged entry among `keys` (the deep scan)."""
    return {key: why for key in keys if (why := entry_damage(store, key)) is not None}


def damaged_files(store: CacheStore, records: dict[str, EntryMeta]) -> dict[str, str]:
    """key -> what is wrong, for every entry whose arrays a stat shows damaged (the scan of every build)."""
    return {key: why for key, meta in records.items() if (why := file_damage(store, key, meta)) is not None}
