"""The NPZ header reader: shapes and dtypes as numpy writes them, stored or deflated, without inflating arrays."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tusz_guard.pipeline.npz import NpzError, read_npz_headers

DTYPES = ["<f4", "<f2", "<f8", "|u1", "<i2", "|b1", "<i8"]


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(0, 9), min_size=0, max_size=4), dtype=st.sampled_from(DTYPES),
       compressed=st.booleans(), fortran=st.booleans())
def test_headers_equal_what_numpy_wrote(tmp_path_factory: pytest.TempPathFactory, shape: list[int], dtype: str,
                                        compressed: bool, fortran: bool) -> None:
    path = tmp_path_factory.mktemp("npz") / "x.npz"
    array = np.zeros(shape, dtype=dtype, order="F" if fortran else "C")
    (np.savez_compressed if compressed else np.savez)(path, windows=array, labels=np.ones(3, np.float32))
    headers = read_npz_headers(path)
    assert headers["windows"].shape == tuple(shape)
    assert np.dtype(headers["windows"].descr) == np.dtype(dtype)
    assert headers["windows"].size_ok and headers["labels"].shape == (3,)


def test_a_version_2_header_is_read(tmp_path: Path) -> None:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.zeros((2, 5), np.float32), version=(2, 0))
    with zipfile.ZipFile(tmp_path / "v2.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("windows.npy", buf.getvalue())
    assert read_npz_headers(tmp_path / "v2.npz")["windows"].shape == (2, 5)


def test_a_truncated_member_does_not_fit_its_header(tmp_path: Path) -> None:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.zeros((4, 19, 8), np.float32))
    with zipfile.ZipFile(tmp_path / "t.npz", "w") as zf:
        zf.writestr("windows.npy", buf.getvalue()[:-16])
    assert not read_npz_headers(tmp_path / "t.npz")["windows"].size_ok


@pytest.mark.parametrize("members, message", [
    ({"windows.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'"}, "windows.npy: truncated or unsupported .npy header"),
    ({"windows.npy": b"plain text, not an array"}, "windows.npy is not a .npy array"),
    ({"notes.txt": b"x"}, "member 'notes.txt' is not a .npy array"),
    ({"windows.npy": b"\x93NUMPY\x01\x00\x1e\x00{'descr': __import__('os')}    "},
     "windows.npy: unreadable .npy header"),
])
def test_bad_members_are_named(tmp_path: Path, members: dict[str, bytes], message: str) -> None:
    with zipfile.ZipFile(tmp_path / "bad.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(NpzError) as err:
        read_npz_headers(tmp_path / "bad.npz")
    assert message in str(err.value)


def test_an_object_array_is_reported_never_unpickled(tmp_path: Path) -> None:
    class Boom:
        def __reduce__(self):  # unpickling this would raise: the reader must never get there
            return (exec, ("raise SystemExit('unpickled')",))

    np.savez(tmp_path / "p.npz", meta=np.array([Boom()], dtype=object))
    header = read_npz_headers(tmp_path / "p.npz")["meta"]
    assert header.is_object and header.shape == (1,)


def test_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "x.npz").write_bytes(b"\x93NUMPY not a zip")
    with pytest.raises(NpzError, match="x.npz is not a zip archive"):
        read_npz_headers(tmp_path / "x.npz")


def test_only_the_npy_header_is_inflated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zlib

    import tusz_guard.pipeline.npz as npz

    inflated: list[int] = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *args: int) -> None:
            self.inner = real(*args)

        @property
        def unconsumed_tail(self) -> bytes:
            return self.inner.unconsumed_tail

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self.inner.decompress(data, max_length)
            inflated.append(len(out))
            return out

    monkeypatch.setattr(npz.zlib, "decompressobj", Counting)
    np.savez_compressed(tmp_path / "big.npz", windows=np.zeros((40, 19, 15360), np.float32),
                        labels=np.zeros((40, 15360), np.float32))
    headers = read_npz_headers(tmp_path / "big.npz")
    assert headers["windows"].shape == (40, 19, 15360)
    assert sum(inflated) == 2 * 128        # two .npy v1 headers of 128 bytes, out of 49 MB of arrays
