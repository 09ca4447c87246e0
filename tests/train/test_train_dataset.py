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


def _two_entries(tmp_path: Path) -> CacheWindows:
    """A float32 and a float16 entry: 4 s windows, 2 s stride; 7 windows, so batches of 2 end with a short one."""
    store = CacheStore(tmp_path)
    keys = []
    for key, seconds, dtype in (("aaaaaaae_s001_t000", 10, "float32"), ("aaaaaaaf_s001_t000", 8, "float16")):
        labels = labels_with(seconds * RATE, [(RATE, 3 * RATE)])
        write_entry(store, key, seizure_signal(labels, 2, dtype=dtype), labels)
        keys.append((key, labels.size))
    geom = geometry(4.0, 2.0, RATE)
    return CacheWindows(tmp_path, window_table(store, "train", keys, geom), geom)


def _batches(data: CacheWindows, workers: int = 0) -> list[tuple[bytes, bytes, list[int], int]]:
    from tusz_guard.train.loop import LoopSettings, loader

    settings = LoopSettings(epochs=1, batch_size=2, learning_rate=0.1, loss="bce", device="cpu", seed=5,
                            num_workers=workers)
    # Each batch's bytes are taken when it arrives: a reused batch is overwritten by the next one.
    return [(x.numpy().tobytes(), y.numpy().tobytes(), w.tolist(), x.data_ptr())
            for x, y, w in loader(data, settings, shuffle=True)]


def test_reused_batches_are_byte_identical_to_fresh_ones(tmp_path: Path) -> None:
    # Issue 15.5: the training loop fills one preallocated batch tensor; what it trains on must not change.
    data = _two_entries(tmp_path)
    fresh, reused = _batches(data), _batches(data.reusing_batches())
    assert len(fresh) == 4 and [b[:3] for b in reused] == [b[:3] for b in fresh]
    assert len({b[3] for b in reused}) == 1 < len({b[3] for b in fresh})   # one buffer, refilled
    t = data.table
    expected = b"".join(np.load(tmp_path / "entries" / t.keys[t.entry[w]] / "signal.npy")[:, s:s + data.length]
                        .astype(np.float32).tobytes() for b in fresh for w in b[2] for s in [int(t.start[w])])
    assert b"".join(b[0] for b in reused) == expected


def test_reused_batches_leave_items_and_worker_batches_fresh(tmp_path: Path) -> None:
    data = _two_entries(tmp_path).reusing_batches()
    first, second = data[0][0], data[1][0]
    assert first.data_ptr() != second.data_ptr() and not torch.equal(first, second)
    # Worker processes share their batches with the main process: each must stay its own.
    assert [b[:3] for b in _batches(data, workers=1)] == [b[:3] for b in _batches(_two_entries(tmp_path))]


def test_the_loop_trains_the_same_weights_on_reused_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tusz_guard.train import loop
    from tusz_guard.train.model import SeizureCNN

    data = _two_entries(tmp_path)
    settings = loop.LoopSettings(epochs=2, batch_size=2, learning_rate=0.01, loss="bce", device="cpu", seed=5)

    def weights() -> list[bytes]:
        torch.manual_seed(0)
        model = SeizureCNN(data.table.targets.shape[1])
        history = loop.fit(model, data, data, settings, 2.0, lambda m, s: None)
        return [v.numpy().tobytes() for v in model.state_dict().values()] + [repr((h.train_loss, h.val_loss, h.val_auroc)).encode() for h in history]

    reused = weights()
    monkeypatch.setattr(CacheWindows, "reusing_batches", lambda self, pin=False: self)   # the loop before 15.5
    assert weights() == reused
