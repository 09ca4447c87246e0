"""The deep scan behind `build-cache --rebuild-damaged`: read every entry and name what is wrong with it.

Same rules as `check --deep` (cache.integrity): an entry is damaged when its meta.json or an array cannot be read,
the arrays disagree with the record (shape, file size) or the signal holds non-finite values.
"""
from __future__ import annotations

from collections.abc import Iterable

from tusz_guard.cache.store import CacheStore
from tusz_guard.errors import GuardError


def entry_damage(store: CacheStore, key: str) -> str | None:
    """What is wrong with entries/<key> (None when its files agree with its record)."""
    import numpy as np

    try:
        meta = store.read_entry_meta(key)
        signal = store.load_signal(key)
        labels = store.load_labels(key)
    except GuardError as exc:
        return str(exc)
    if signal.shape != (meta.n_channels, meta.n_samples):
        return f"signal shape {signal.shape}, the record says ({meta.n_channels}, {meta.n_samples})"
    if labels.shape != (meta.n_samples,):
        return f"labels shape {labels.shape}, the record says ({meta.n_samples},)"
    try:
        sizes = (store.signal_path(key).stat().st_size, store.labels_path(key).stat().st_size)
    except OSError as exc:
        return f"entries/{key}: cannot stat ({exc.strerror})"
    if sizes != (meta.signal_bytes, meta.labels_bytes):
        return f"file sizes {sizes[0]:,} / {sizes[1]:,} bytes, the record says {meta.signal_bytes:,} / " \
               f"{meta.labels_bytes:,}"
    nonfinite = int(signal.size - np.count_nonzero(np.isfinite(signal)))
    return f"{nonfinite:,} non-finite value(s) in signal.npy" if nonfinite else None


def damaged_entries(store: CacheStore, keys: Iterable[str]) -> dict[str, str]:
    """key -> what is wrong, for every damaged entry among `keys`."""
    return {key: why for key in keys if (why := entry_damage(store, key)) is not None}
