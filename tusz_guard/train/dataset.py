"""Windows over cache entries: a window table built from the labels, a Dataset that slices memory maps.

No window is ever materialised on disk: a window is (entry, start sample), its signal a slice of the
entry's memory-mapped signal.npy, copied only into the batch.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from tusz_guard.cache.store import CacheStore
from tusz_guard.corpus.channels import N_CHANNELS
from tusz_guard.corpus.windows import n_windows, window_geometry
from tusz_guard.errors import GuardError


@dataclass(frozen=True)
class Geometry:
    """Window length and stride in samples, and the target segments (seconds) within a window."""

    rate: int
    length: int
    stride: int
    edges: tuple[int, ...]          # segment boundaries in samples, len = n_segments + 1

    @property
    def n_segments(self) -> int:
        return len(self.edges) - 1


def geometry(length_s: float, stride_s: float, rate: int) -> Geometry:
    """Per-second targets: round(length_s) segments (at least one) of (nearly) equal length."""
    length, stride = window_geometry(length_s, stride_s, rate)
    n_seg = max(1, round(length_s))
    edges = tuple(int(e) for e in np.linspace(0, length, n_seg + 1).round())
    return Geometry(rate=rate, length=length, stride=stride, edges=edges)


@dataclass(frozen=True)
class WindowTable:
    """Every window of one role: which entry, where it starts, its seizure ratio and segment targets."""

    role: str
    keys: tuple[str, ...]
    entry: np.ndarray        # int32, entry index per window
    start: np.ndarray        # int64, first sample per window
    ratio: np.ndarray        # float64, seizure samples / window samples
    targets: np.ndarray      # uint8 (windows, segments): 1 when most of the segment is seizure

    def __len__(self) -> int:
        return int(self.start.size)

    def name(self, window: int) -> str:
        """'<entry key>@<start sample>' for messages."""
        return f"{self.keys[self.entry[window]]}@{int(self.start[window])}"


def window_table(store: CacheStore, role: str, entries: Iterable[tuple[str, int]], geom: Geometry) -> WindowTable:
    """The windows of (key, n_samples) entries, labels read once per entry (signals are not opened)."""
    keys, parts = [], []
    for index, (key, n_samples) in enumerate(entries):
        keys.append(key)
        parts.append(_entry_windows(index, key, _labels(store, key, n_samples), geom))
    if not parts:
        empty = np.zeros(0)
        return WindowTable(role, (), empty.astype(np.int32), empty.astype(np.int64), empty,
                           np.zeros((0, geom.n_segments), np.uint8))
    cols = list(zip(*parts, strict=False))
    return WindowTable(role, tuple(keys), *(np.concatenate(c) for c in cols))


def _labels(store: CacheStore, key: str, n_samples: int) -> np.ndarray:
    # Opening the signal map reads only its .npy header: a cheap shape check before any batch.
    _expect_shape(key, "signal.npy", store.load_signal(key, mmap=True).shape, (N_CHANNELS, n_samples))
    labels = store.load_labels(key)
    _expect_shape(key, "labels.npy", labels.shape, (n_samples,))
    return labels


def _expect_shape(key: str, name: str, found: tuple[int, ...], expected: tuple[int, ...]) -> None:
    if found != expected:
        raise GuardError(f"cache entry {key}: {name} has shape {found}, its meta.json says {expected}",
                         hint="rebuild it with `tusz-guard build-cache --rebuild-stale`", exit_code=1)


def _entry_windows(index: int, key: str, labels: np.ndarray, geom: Geometry) -> tuple[np.ndarray, ...]:
    count = n_windows(labels.size, geom.length, geom.stride)
    starts = np.arange(count, dtype=np.int64) * geom.stride
    cum = np.concatenate([[0], np.cumsum(labels != 0, dtype=np.int64)])
    ratio = (cum[starts + geom.length] - cum[starts]) / geom.length
    edges = np.asarray(geom.edges, dtype=np.int64)
    bounds = cum[starts[:, None] + edges[None, :]]
    seizure = np.diff(bounds, axis=1)
    targets = (2 * seizure >= np.diff(edges)[None, :]).astype(np.uint8)
    return np.full(count, index, np.int32), starts, ratio, targets


Item = tuple[torch.Tensor, torch.Tensor, int]
Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def collate_batch(batch: Batch) -> Batch:
    """DataLoader collate_fn for CacheWindows: __getitems__ already returns a collated batch."""
    return batch


class CacheWindows(Dataset):
    """Windows of a table as (signal float32 (19, L), targets float32 (segments,), window id).

    DataLoader fetches whole batches through __getitems__; use collate_fn=collate_batch with it.
    """

    def __init__(self, cache_dir: Path, table: WindowTable, geom: Geometry, rows: np.ndarray | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.table = table
        self.length = geom.length
        self.rows = np.arange(len(table), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        self._maps: dict[int, np.ndarray] = {}
        self._reuse, self._pin = False, False
        self._batch: torch.Tensor | None = None

    def reusing_batches(self, pin: bool = False) -> CacheWindows:
        """This dataset filling one preallocated batch tensor (pinned with `pin`) instead of a fresh one per batch.

        A fresh 37 MB batch costs page faults on every page, about as much as the copy itself. Each batch then
        overwrites the previous one, so only a consumer done with a batch before it asks for the next may use it
        (the training loop). Worker processes still build fresh batches: theirs are shared with the main process.
        """
        clone = copy.copy(self)
        clone._maps, clone._reuse, clone._pin, clone._batch = {}, True, pin, None
        return clone

    def __len__(self) -> int:
        return int(self.rows.size)

    def __getitem__(self, item: int) -> Item:
        x, y, windows = self._fetch([item], reuse=False)
        return x[0], y[0], int(windows[0])

    def __getitems__(self, items: list[int]) -> Batch:
        """A whole batch: each window is copied once, from the page cache straight into the batch tensor."""
        return self._fetch(items, reuse=self._reuse and get_worker_info() is None)

    def _fetch(self, items: list[int], reuse: bool) -> Batch:
        windows = self.rows[np.asarray(items, dtype=np.int64)]
        x = self._out(windows.size) if reuse else torch.from_numpy(
            np.empty((windows.size, N_CHANNELS, self.length), dtype=np.float32))
        out = x.numpy()
        for j, window in enumerate(windows):
            start = int(self.table.start[window])
            out[j] = self._signal(int(self.table.entry[window]))[:, start:start + self.length]  # float16 widens here
        y = self.table.targets[windows].astype(np.float32)
        return x, torch.from_numpy(y), torch.from_numpy(windows)

    def _out(self, n: int) -> torch.Tensor:
        if self._batch is None or self._batch.shape[0] < n:
            self._batch = torch.empty((n, N_CHANNELS, self.length), dtype=torch.float32, pin_memory=self._pin)
        return self._batch[:n]

    def _signal(self, entry: int) -> np.ndarray:
        signal = self._maps.get(entry)
        if signal is None:
            signal = CacheStore(self.cache_dir).load_signal(self.table.keys[entry], mmap=True)
            self._maps[entry] = signal
        return signal

    def __getstate__(self) -> dict[str, Any]:
        # Memory maps must not be pickled into DataLoader workers (that would copy whole recordings).
        state = dict(self.__dict__)
        state["_maps"], state["_batch"] = {}, None
        return state
