from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from cachefixture import labels_with, seizure_signal, write_entry

from tusz_guard.cache.store import CacheStore
from tusz_guard.errors import GuardError
from tusz_guard.train.dataset import CacheWindows, geometry, window_table

RATE = 256


def test_geometry_per_second_segments() -> None:
    geom = geometry(60.0, 10.0, RATE)
    assert (geom.length, geom.stride, geom.n_segments) == (15360, 2560, 60)
    assert geom.edges[:3] == (0, 256, 512) and geom.edges[-1] == 15360


def test_window_table_ratios_and_targets(tmp_path: Path) -> None:
    store = CacheStore(tmp_path)
    # 4 s windows, 2 s stride over 10 s: windows at 0, 2, 4, 6 s; seizure from 3.5 s to 6 s.
    labels = labels_with(10 * RATE, [(int(3.5 * RATE), 6 * RATE)])
    write_entry(store, "aaaaaaaa_s001_t000", seizure_signal(labels, 0), labels)
    table = window_table(store, "train", [("aaaaaaaa_s001_t000", labels.size)], geometry(4.0, 2.0, RATE))
    assert table.start.tolist() == [0, 512, 1024, 1536]
    assert table.ratio.tolist() == [0.125, 0.625, 0.5, 0.0]
    # Segment = one second; a second is seizure when at least half of it is.
    assert table.targets.tolist() == [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]]
    assert table.name(2) == "aaaaaaaa_s001_t000@1024"


def test_window_table_refuses_shape_mismatch(tmp_path: Path) -> None:
    store = CacheStore(tmp_path)
    labels = np.zeros(5 * RATE, np.uint8)
    write_entry(store, "aaaaaaaa_s001_t000", seizure_signal(labels, 0), labels)
    with pytest.raises(GuardError, match=r"aaaaaaaa_s001_t000: signal.npy has shape \(19, 1280\), "
                                         r"its meta.json says \(19, 1300\)"):
        window_table(store, "train", [("aaaaaaaa_s001_t000", 1300)], geometry(4.0, 2.0, RATE))


def test_items_are_slices_of_the_memory_map(tmp_path: Path) -> None:
    store = CacheStore(tmp_path)
    labels = labels_with(8 * RATE, [(0, 3 * RATE)])
    signal = seizure_signal(labels, 3, dtype="float16")
    write_entry(store, "aaaaaaab_s001_t000", signal, labels)
    geom = geometry(4.0, 2.0, RATE)
    table = window_table(store, "val", [("aaaaaaab_s001_t000", labels.size)], geom)
    data = CacheWindows(tmp_path, table, geom, rows=np.array([1, 2]))
    x, y, window = data[0]
    assert len(data) == 2 and window == 1
    assert x.dtype == torch.float32 and x.shape == (19, 4 * RATE)
    assert torch.equal(x, torch.from_numpy(signal[:, 512:512 + 4 * RATE].astype(np.float32)))
    assert y.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert isinstance(data._maps[0], np.memmap)


def test_pickled_dataset_drops_memory_maps(tmp_path: Path) -> None:
    import pickle

    store = CacheStore(tmp_path)
    labels = np.zeros(4 * RATE, np.uint8)
    write_entry(store, "aaaaaaac_s001_t000", seizure_signal(labels, 0), labels)
    geom = geometry(4.0, 2.0, RATE)
    data = CacheWindows(tmp_path, window_table(store, "train", [("aaaaaaac_s001_t000", labels.size)], geom), geom)
    data[0]
    clone = pickle.loads(pickle.dumps(data))
    assert clone._maps == {} and torch.equal(clone[0][0], data[0][0])


def test_worker_processes_serve_the_same_batches(tmp_path: Path) -> None:
    from tusz_guard.train.loop import LoopSettings, loader

    store = CacheStore(tmp_path)
    labels = labels_with(12 * RATE, [(RATE, 5 * RATE)])
    write_entry(store, "aaaaaaad_s001_t000", seizure_signal(labels, 1), labels)
    geom = geometry(4.0, 2.0, RATE)
    data = CacheWindows(tmp_path, window_table(store, "train", [("aaaaaaad_s001_t000", labels.size)], geom), geom)
    batches = []
    for workers in (0, 1):
        settings = LoopSettings(epochs=1, batch_size=2, learning_rate=0.1, loss="bce", device="cpu", seed=3,
                                num_workers=workers)
        batches.append([(x, y, w.tolist()) for x, y, w in loader(data, settings, shuffle=True)])
    assert [b[2] for b in batches[0]] == [b[2] for b in batches[1]]
    assert sorted(w for b in batches[0] for w in b[2]) == [0, 1, 2, 3, 4]
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(*batches, strict=False))
