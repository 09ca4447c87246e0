"""Floats: packed float64 vectors that behave like the tuples of floats they replace in EntryMeta."""
from __future__ import annotations

import json
import math
import pickle
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.cache.floats import Floats

finite = st.floats(allow_nan=False, width=64)


@given(st.lists(finite, max_size=24))
def test_equals_and_hashes_like_its_tuple(values: list[float]) -> None:
    f = Floats(values)
    assert f == tuple(values) and tuple(values) == f and f == values
    assert hash(f) == hash(tuple(values))
    assert list(f) == values and len(f) == len(values) and tuple(f) == f.values()
    assert Floats.from_bytes(f.packed) == f
    assert pickle.loads(pickle.dumps(f)) == f
    assert json.loads(json.dumps(list(f))) == values
    assert np.array_equal(np.asarray(f, dtype=np.float64), np.array(values, dtype=np.float64))


def test_sequence_behaviour() -> None:
    f = Floats([1.0, 0.0, -2.5])
    assert 0 in f and 0.0 in f and 3 not in f
    assert f[0] == 1.0 and f[-1] == -2.5 and f[:2] == (1.0, 0.0)
    assert repr(f) == "(1.0, 0.0, -2.5)"
    assert Floats.of(f) is f
    assert f != (1.0, 0.0) and f != "abc" and f != Floats([1.0, 0.0, -2.4])
    with pytest.raises(AttributeError):
        f._packed = b""     # type: ignore[misc]


def test_converts_as_float_did() -> None:
    """JSON may carry ints, bools or numeric strings: converted as tuple(map(float, ...)) converted them."""
    assert Floats([1, True, "2.5"]) == (1.0, 1.0, 2.5)
    with pytest.raises(ValueError):
        Floats(["x"])
    with pytest.raises(TypeError):
        Floats([None])          # type: ignore[list-item]
    with pytest.raises(ValueError):
        Floats.from_bytes(b"\x00" * 7)


def test_nan_compares_as_a_tuple_of_fresh_floats() -> None:
    f = Floats([math.nan])
    assert f != (math.nan,)         # a new float object per value: nan equals nothing, as in a tuple of new nans
    assert np.isnan(np.asarray(f)).all()


def test_smaller_than_a_tuple() -> None:
    values = [float(i) + 0.5 for i in range(19)]
    as_tuple = sys.getsizeof(tuple(values)) + sum(sys.getsizeof(v) for v in values)
    f = Floats(values)
    assert sys.getsizeof(f) + sys.getsizeof(f.packed) < as_tuple / 2


def test_entry_meta_keeps_floats_and_writes_lists() -> None:
    from tusz_guard.cache.store import EntryMeta

    meta = EntryMeta(key="k", source="train/a.edf", source_size=1, source_mtime_ns=2, fingerprint="f", n_channels=2,
                     n_samples=3, sampling_rate=256, dtype="float32", interpolated=(), seizure_samples=0,
                     mean=(0.25, -1.0), std=[1.0, 0.0], min=-1.0, max=1.0, nonfinite=0, signal_bytes=0, labels_bytes=0,
                     built_at="2026-11-28T17:00:00Z", build_seconds=0.1)
    assert type(meta.mean) is Floats and type(meta.std) is Floats
    data = meta.to_json()
    assert data["mean"] == [0.25, -1.0] and data["std"] == [1.0, 0.0]
    again = EntryMeta.from_json(json.loads(json.dumps(data)))
    assert again == meta and hash(again.mean) == hash(meta.mean)

