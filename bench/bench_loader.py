"""Loader throughput: windows/s from memory-mapped cache entries vs. one window per item from compressed NPZ.

Both loaders serve the same windows (60 s x 19 channels at 256 Hz, 10 s stride) of the same recordings,
through a torch DataLoader (batch 32, seeded shuffle, num_workers 0), in the same process:
- cache:    tusz_guard.train.dataset.CacheWindows over a tusz-guard cache (signal.npy, np.load mmap_mode="r"),
            fetched a batch at a time as the trainer does (__getitems__ copies each window once into the batch);
- cache per item: the same dataset one window per item with the default collate (for comparison);
- issue 15.5, paired pass by pass: the copy floor (the same windows in the same order copied from the memory
            maps into one preallocated batch, no DataLoader), the cache with a fresh batch per fetch (before),
            and with one reused batch tensor (CacheWindows.reusing_batches(), what the training loop uses);
- baselines: every window materialised into one compressed NPZ per recording (np.savez_compressed), each
            item opening the NPZ and inflating what holds its window: the whole (n_windows, 19, L) array
            ("array", the recipe's layout) or a member holding only that window ("members", generous).
The signals are z-scored 1/f-like noise clipped to +-10 (what the cache holds after preprocessing).

    .venv/bin/python bench/bench_loader.py [--recordings 6] [--seconds 400] [--passes 3] [--array-items 64] [--work DIR]
    .venv/bin/python bench/bench_loader.py --no-npz --recordings 12 --passes 9      # issue 15.5: against the copy floor
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.train.dataset import CacheWindows, collate_batch, geometry, window_table

RATE = 256
BATCH = 32


def signal(rng: np.random.Generator, n: int) -> np.ndarray:
    """z-scored, clipped 1/f-like noise, float32 (19, n)."""
    white = rng.standard_normal((19, n)).astype(np.float32)
    smooth = np.cumsum(white, axis=1)
    x = white + 0.05 * (smooth - smooth.mean(axis=1, keepdims=True))
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    return np.clip(x, -10, 10).astype(np.float32)


def build_cache(root: Path, recordings: int, seconds: int, seed: int) -> list[tuple[str, int]]:
    """A tusz-guard cache of `recordings` entries written through CacheStore."""
    store, rng, entries = CacheStore(root), np.random.default_rng(seed), []
    for i in range(recordings):
        key, n = f"benchrec{i:02d}_s001_t000", seconds * RATE
        labels = np.zeros(n, np.uint8)
        labels[n // 3: n // 2] = 1
        x = signal(rng, n)
        meta = EntryMeta(key=key, source=f"train/{key}.edf", source_size=0, source_mtime_ns=0, fingerprint="bench",
                         n_channels=19, n_samples=n, sampling_rate=RATE, dtype="float32", interpolated=(),
                         seizure_samples=int(labels.sum()), mean=(0.0,) * 19, std=(1.0,) * 19, min=-10.0,
                         max=10.0, nonfinite=0, signal_bytes=0, labels_bytes=0, built_at="", build_seconds=0.0)
        store.write_entry(key, x, labels, meta)
        entries.append((key, n))
    store.sync_index("bench")
    return entries


class NpzWindows(Dataset):
    """A baseline: one compressed NPZ per recording; `layout` says how the windows are stored in it.

    "array":   one member `windows` of shape (n_windows, 19, L), as the recipe's cache stored them; one
               window per item means inflating the whole member.
    "members": one member per window (`w00000`, ...); one window per item inflates only that member.
    """

    def __init__(self, folder: Path, items: list[tuple[str, int]], layout: str) -> None:
        self.folder, self.items, self.layout = folder, items, layout

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> torch.Tensor:
        key, w = self.items[i]
        with np.load(self.folder / self.layout / f"{key}.npz", allow_pickle=False) as z:
            window = z["windows"][w] if self.layout == "array" else z[f"w{w:05d}"]
        return torch.from_numpy(np.ascontiguousarray(window))


def materialise(store: CacheStore, table, geom, folder: Path) -> list[tuple[str, int]]:
    """Write every window of the table into per-recording compressed NPZ files, in both layouts."""
    (folder / "array").mkdir(parents=True, exist_ok=True)
    (folder / "members").mkdir(parents=True, exist_ok=True)
    items = []
    for e, key in enumerate(table.keys):
        x = store.load_signal(key, mmap=False)
        windows = np.stack([x[:, s:s + geom.length] for s in table.start[table.entry == e]])
        np.savez_compressed(folder / "array" / f"{key}.npz", windows=windows)
        np.savez_compressed(folder / "members" / f"{key}.npz", **{f"w{w:05d}": win for w, win in enumerate(windows)})
        items += [(key, w) for w in range(len(windows))]
    return items


class PerItem(Dataset):
    """CacheWindows seen one window at a time (default collate), to show what batch fetching adds."""

    def __init__(self, data: CacheWindows) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.data[i][0]


def throughput(data: Dataset, passes: int, seed: int, collate=None) -> list[float]:
    """Windows per second for each full pass of a seeded, shuffled DataLoader."""
    return [one_pass(data, seed + p, collate) for p in range(passes)]


def one_pass(data: Dataset, seed: int, collate=None) -> float:
    loader = DataLoader(data, batch_size=BATCH, shuffle=True, generator=torch.Generator().manual_seed(seed),
                        collate_fn=collate)
    started, seen = time.perf_counter(), 0
    for batch in loader:
        seen += len(batch[0]) if isinstance(batch, (list, tuple)) else len(batch)
    return seen / (time.perf_counter() - started)


def floor_pass(data: CacheWindows, seed: int) -> float:
    """The copy floor: the same windows in the same order, copied from the memory maps into one preallocated batch."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed)).numpy()
    t, length = data.table, data.length
    maps = [np.load(data.cache_dir / "entries" / key / "signal.npy", mmap_mode="r") for key in t.keys]
    batch = np.empty((BATCH, 19, length), np.float32)
    started = time.perf_counter()
    for i in range(0, order.size, BATCH):
        for j, w in enumerate(order[i:i + BATCH]):
            start = int(t.start[w])
            np.copyto(batch[j], maps[t.entry[w]][:, start:start + length])
    return order.size / (time.perf_counter() - started)


def paired_passes(cache: CacheWindows, passes: int, seed: int) -> dict[str, list[float]]:
    """Floor, a fresh batch per fetch (the loader before issue 15.5) and the reused batch, in turn each pass."""
    reused = cache.reusing_batches()
    runs: dict[str, list[float]] = {k: [] for k in ("floor", "fresh", "reused", "floor_cpu", "fresh_cpu", "reused_cpu")}
    for p in range(passes):
        for name, data in (("floor", cache), ("fresh", cache), ("reused", reused)):
            cpu = time.process_time()
            runs[name].append(floor_pass(data, seed + p) if name == "floor" else one_pass(data, seed + p, collate_batch))
            # windows per CPU second of this process: what other jobs on a shared machine disturb least
            runs[f"{name}_cpu"].append(len(cache) / (time.process_time() - cpu))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=400)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--array-items", type=int, default=64, help="items timed for the array layout")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir, removed)")
    parser.add_argument("--no-npz", action="store_true", help="only the cache loaders and the copy floor (issue 15.5)")
    args = parser.parse_args()
    torch.set_num_threads(1)      # loading is single-threaded; spare cores belong to the model
    work = args.work or Path(tempfile.mkdtemp(prefix="tg-bench-loader-"))
    try:
        print(json.dumps(run(work, args), indent=2))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def run(work: Path, args: argparse.Namespace) -> dict[str, object]:
    geom = geometry(60.0, 10.0, RATE)
    entries = build_cache(work / "cache", args.recordings, args.seconds, args.seed)
    store = CacheStore(work / "cache")
    table = window_table(store, "train", entries, geom)
    cache = CacheWindows(work / "cache", table, geom)
    paired = paired_passes(cache, args.passes, args.seed)
    cache_rates = paired["reused"]                     # what the trainer uses (its loop reuses one batch tensor)
    floor = {
        "windows": len(table), "cache_windows_per_s": [round(r, 1) for r in cache_rates],
        "floor_windows_per_s": [round(r, 1) for r in paired["floor"]],
        "cache_fresh_batch_windows_per_s": [round(r, 1) for r in paired["fresh"]],
        # Issue 15.5: pass by pass against the copy floor, then the median.
        "reused_over_floor": round(float(np.median(np.divide(paired["reused"], paired["floor"]))), 3),
        "fresh_over_floor": round(float(np.median(np.divide(paired["fresh"], paired["floor"]))), 3),
        "reused_over_fresh": round(float(np.median(np.divide(paired["reused"], paired["fresh"]))), 3),
        "cpu_reused_over_floor": round(float(np.median(np.divide(paired["reused_cpu"], paired["floor_cpu"]))), 3),
        "cpu_fresh_over_floor": round(float(np.median(np.divide(paired["fresh_cpu"], paired["floor_cpu"]))), 3),
    }
    if args.no_npz:
        return floor
    started = time.perf_counter()
    items = materialise(store, table, geom, work / "npz")
    npz_seconds = time.perf_counter() - started
    item_rates = throughput(PerItem(cache), args.passes, args.seed)
    npz_rates = throughput(NpzWindows(work / "npz", items, "members"), args.passes, args.seed)
    # The array layout inflates a whole recording per window: time a seeded sample of items, one pass.
    sample = [items[i] for i in np.random.default_rng(args.seed).permutation(len(items))[:args.array_items]]
    array_rates = throughput(NpzWindows(work / "npz", sample, "array"), 1, args.seed)
    cache_mid, npz_mid = float(np.median(cache_rates)), float(np.median(npz_rates))
    return {
        **floor, "recordings": args.recordings, "seconds_per_recording": args.seconds,
        "cache_bytes": _size(work / "cache"), "npz_array_bytes": _size(work / "npz" / "array"),
        "npz_members_bytes": _size(work / "npz" / "members"),
        "npz_write_seconds": round(npz_seconds, 2),
        "cache_per_item_windows_per_s": [round(r, 1) for r in item_rates],
        "npz_members_windows_per_s": [round(r, 1) for r in npz_rates],
        "npz_array_windows_per_s": [round(r, 1) for r in array_rates], "npz_array_items": len(sample),
        # Ratios of the median pass of each loader (one pass for the array layout).
        "speedup_vs_npz_array": round(cache_mid / array_rates[0], 1),
        "speedup_vs_npz_members": round(cache_mid / npz_mid, 1),
        "speedup_per_item_vs_npz_members": round(float(np.median(item_rates)) / npz_mid, 1),
        "python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
        "machine": platform.machine(), "cpus": os.cpu_count(),
    }


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


if __name__ == "__main__":
    main()
