"""What is wrong with an entry: the stat-only scan of every `build-cache` and the deep scan behind
`build-cache --rebuild-damaged`.

Same rules as `check` (cache.integrity): an array that is not a regular file or not the recorded size is damaged
(one lstat each: a FIFO there would otherwise be `current` to build-cache while check blocks it); the deep scan
adds meta.json or an array that cannot be read, shapes that disagree with the record and non-finite values.
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable

from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.errors import GuardError

_KINDS = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symlink"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def file_damage(store: CacheStore, key: str, meta: EntryMeta) -> str | None:
    """What one lstat per array shows wrong with entries/<key>: missing, not a regular file, not the recorded size."""
    for path, want in ((store.signal_path(key), meta.signal_bytes), (store.labels_path(key), meta.labels_bytes)):
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
        if st.st_size != want:
            return f"{shown} is {st.st_size:,} bytes, the record says {want:,}"
    return None


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
    return f"{nonfinite:,} non-finite value(s) in signal.npy" if nonfinite else None


def damaged_entries(store: CacheStore, keys: Iterable[str]) -> dict[str, str]:
    """key -> what is wrong, for every damaged entry among `keys` (the deep scan)."""
    return {key: why for key in keys if (why := entry_damage(store, key)) is not None}


def damaged_files(store: CacheStore, records: dict[str, EntryMeta]) -> dict[str, str]:
    """key -> what is wrong, for every entry whose arrays a stat shows damaged (the scan of every build)."""
    return {key: why for key, meta in records.items() if (why := file_damage(store, key, meta)) is not None}
