"""Compressed streams and member names: round trips, truncation, trailing data, the name rules."""
from __future__ import annotations

import hashlib
import io
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tusz_guard.archive.layout import Place, name_problem, normalise, place
from tusz_guard.archive.scan import scan_archive
from tusz_guard.archive.streams import Compressor, DecodedReader, StreamError, detect


def compress(data: bytes, kind: str) -> bytes:
    buf = io.BytesIO()
    c = Compressor(buf, kind)  # type: ignore[arg-type]
    c.write(data)
    c.close()
    return buf.getvalue()


def decode(blob: bytes) -> bytes:
    reader = DecodedReader(io.BytesIO(blob), detect(blob[:8]))
    try:
        return reader.read()
    finally:
        reader.close()


@settings(max_examples=30, deadline=None)
@given(data=st.binary(min_size=1, max_size=200_000), kind=st.sampled_from(["gz", "zst"]), frames=st.integers(1, 3))
def test_round_trip_over_frames(data: bytes, kind: str, frames: int) -> None:
    assert decode(compress(data, kind) * frames) == data * frames


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=1, max_size=50_000), kind=st.sampled_from(["gz", "zst"]), cut=st.floats(0.01, 0.99))
def test_any_truncation_raises(data: bytes, kind: str, cut: float) -> None:
    blob = compress(data, kind)
    with pytest.raises(StreamError, match="truncated"):
        decode(blob[: max(4, min(len(blob) - 1, int(len(blob) * cut)))])   # 4: past the magic bytes


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_zero_padding_is_accepted_and_junk_is_not(kind: str) -> None:
    blob = compress(b"abc" * 1000, kind)
    assert decode(blob + bytes(4096)) == b"abc" * 1000
    with pytest.raises(StreamError, match="data after the end of the"):
        decode(blob + b"junk")


def test_a_bomb_is_decoded_in_bounded_steps() -> None:
    blob = compress(bytes(200 << 20), "zst")
    reader = DecodedReader(io.BytesIO(blob), "zst")
    try:
        assert reader.drain() == 200 << 20
    finally:
        reader.close()


def test_compression_is_deterministic() -> None:
    data = bytes(range(256)) * 4000
    for kind in ("gz", "zst"):
        assert compress(data, kind) == compress(data, kind)


@pytest.mark.parametrize("name, problem", [
    ("cache/tusz/index.json", None),
    ("./cache/tusz/index.json", None),
    ("../x", "path climbs out with '..'"),
    ("cache/../../x", "path climbs out with '..'"),
    ("cache\\..\\x", "path climbs out with '..'"),
    ("/etc/passwd", "absolute path"),
    ("C:\\x", "absolute path"),
    ("a\x00b", "name holds a NUL byte"),
    ("./", "empty name"),
])
def test_name_problem(name: str, problem: str | None) -> None:
    assert name_problem(name) == problem


@pytest.mark.parametrize("path, expected", [
    ("cache/tusz/tusz-guard-archive.json", Place("manifest", "cache/tusz")),
    ("cache/tusz/tusz-guard-cache.json", Place("cache_meta", "cache/tusz")),
    ("cache/tusz/index.json", Place("index", "cache/tusz")),
    ("cache/tusz/entries/aaaaaaac_s001_t000/signal.npy", Place("entry", "cache/tusz", "aaaaaaac_s001_t000", "signal.npy")),
    ("entries/aaaaaaac_s001_t000/meta.json", Place("entry", "", "aaaaaaac_s001_t000", "meta.json")),
    ("cache/tusz/entries/.tmp-aaaaaaac_s001_t000-1-ab/signal.npy", Place("temp")),
    ("cache/tusz/entries/aaaaaaac_s001_t000/notes.txt", Place("other")),
    ("cache/tusz/.lock", Place("lock", "cache/tusz")),
])
def test_place(path: str, expected: Place) -> None:
    assert place(path) == expected


def test_normalise() -> None:
    assert normalise("./cache//tusz/x/") == "cache/tusz/x"


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
def test_tar_reader_applies_long_names(fmt: int, tmp_path) -> None:
    long = "cache/tusz/" + "d" * 120 + "/file.bin" if fmt != tarfile.USTAR_FORMAT else "cache/" + "d" * 90 + "/f"
    path = tmp_path / "long.tar"
    with tarfile.open(path, "w", format=fmt) as tf:
        for name, data in ((long, b"x" * 700), ("cache/tusz/index.json", b"{}")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    scan = scan_archive(path)
    assert scan.read_error is None
    assert [(m.name, m.size, m.sha256) for m in scan.members] == [
        (long, 700, hashlib.sha256(b"x" * 700).hexdigest()), ("cache/tusz/index.json", 2, hashlib.sha256(b"{}").hexdigest())]


def test_data_after_the_end_marker(tmp_path) -> None:
    path = tmp_path / "x.tar"
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo("a")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"a"))
    path.write_bytes(path.read_bytes() + b"more")
    assert scan_archive(path).read_error == "after member 'a': data after the end-of-archive marker (byte 10,244)"


class _NoDecompressobj:
    """zstandard's decompressor without decompressobj(): its decompress() holds the GIL for the whole call."""

    def __init__(self, **kwargs: object) -> None:
        import zstandard

        self._d = zstandard.ZstdDecompressor(**kwargs)  # type: ignore[arg-type]

    def decompressobj(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("decompressobj().decompress holds the GIL: hashing could not overlap decoding")

    def stream_reader(self, *args: object, **kwargs: object) -> object:
        return self._d.stream_reader(*args, **kwargs)  # type: ignore[arg-type]


def test_zst_is_decoded_by_a_call_that_releases_the_gil(monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 15.5: with decompressobj, the decode thread and sha256 in the reading thread took the sum of both.
    import zstandard

    monkeypatch.setattr("tusz_guard.archive.streams.zstandard", type("Z", (), {
        "ZstdDecompressor": _NoDecompressobj, "ZstdError": zstandard.ZstdError,
        "ZstdCompressor": zstandard.ZstdCompressor}))
    data = bytes(range(256)) * 9000
    assert decode(compress(data, "zst") * 2) == data * 2


@pytest.mark.parametrize("cut", [1, 4, 5])
def test_a_frame_cut_in_its_last_block_or_checksum_is_truncated(cut: int) -> None:
    blob = compress(b"xyz" * 5000, "zst")       # the frame ends with a 4-byte checksum after its last block
    with pytest.raises(StreamError, match="truncated zstd stream"):
        decode(blob[:-cut])
