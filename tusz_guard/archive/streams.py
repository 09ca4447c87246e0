"""Compressed byte streams: detect gz / zst / plain tar, decompress in a reader thread, compress for pack.

Decompression runs in its own thread so that hashing in the main thread overlaps it. That needs calls that
release the GIL: zlib's decompress does, zstandard's decompressobj().decompress does not (two threads of it
take 1.6x one thread's time), its stream_reader().readinto does. So a zst frame is decoded by readinto into
fresh buffers, from a source that serves exactly one frame (_FrameSource follows the frame's headers): a
stream that ends inside a frame raises StreamError instead of ending quietly (stream_reader alone would),
and data after the last frame is an error, not ignored.
"""
from __future__ import annotations

import gzip
import os
import queue
import threading
import zlib
from collections.abc import Generator, Iterator
from typing import BinaryIO, Literal

import zstandard

Compression = Literal["gz", "zst", "tar"]
COMPRESSIONS: tuple[str, ...] = ("gz", "zst")
SUFFIX: dict[str, str] = {"gz": ".tar.gz", "zst": ".tar.zst", "tar": ".tar"}
CHUNK = 1 << 20                      # compressed bytes read per call
OUT_LIMIT = 8 << 20                  # decompressed gzip bytes produced per step (bounds memory on bombs)
OUT_SIZE = 1 << 20                   # decompressed zstd bytes per piece (readinto's buffer bounds them)
_MAGIC: dict[str, bytes] = {"gz": b"\x1f\x8b", "zst": b"\x28\xb5\x2f\xfd"}
_WHAT = {"gz": "gzip", "zst": "zstd"}
_OTHER_MAGIC = {b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "zip"}
GZ_LEVEL, ZST_LEVEL = 6, 3


class StreamError(Exception):
    """The compressed stream is corrupt, truncated or of an unsupported kind."""


def detect(head: bytes) -> Compression:
    """The compression of a file from its first bytes."""
    for kind, magic in _MAGIC.items():
        if head.startswith(magic):
            return kind  # type: ignore[return-value]
    for magic, name in _OTHER_MAGIC.items():
        if head.startswith(magic):
            raise StreamError(f"{name} compression is not supported (use gz or zst)")
    return "tar"


class _GzDecoder:
    """One gzip member; zlib checks its CRC-32 and length trailer."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(31)
        self.unused = b""

    @property
    def eof(self) -> bool:
        return self._d.eof

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self._d.decompress(data, OUT_LIMIT)
            except zlib.error as exc:
                raise StreamError(f"corrupt gzip data ({exc})") from None
            if out:
                yield out
            if self._d.eof:
                self.unused = self._d.unused_data
                return
            data = self._d.unconsumed_tail
            if not data and len(out) < OUT_LIMIT:     # a full buffer may leave output pending: ask again
                return


class _FrameSource:
    """A read()-able source that serves the compressed bytes of one zstd frame, then ends (for stream_reader)."""

    def __init__(self, fh: BinaryIO, data: bytes) -> None:
        self._fh, self._data = fh, data          # data: compressed bytes already read, not yet served
        self._walk = _FrameWalk()
        self.complete = False                    # the frame's last structure was served

    def read(self, n: int = -1) -> bytes:
        if self.complete:
            return b""
        data = self._data or self._fh.read(CHUNK)
        if not data:
            return b""
        end = self._walk.frame_end(memoryview(data))
        if end is None:
            self._data = b""
            return data
        self.complete = True
        self._data = data[end:]
        return data[:end]

    def rest(self) -> bytes:
        """The bytes read past the frame's end."""
        return self._data


def _truncated(what: str) -> StreamError:
    return StreamError(f"truncated {what} stream: it ends inside a compressed frame")


def _gz_member(fh: BinaryIO, data: bytes) -> Generator[bytes, None, bytes]:
    """One gzip member's decoded bytes, starting with `data`; returns the bytes read past its end."""
    dec = _GzDecoder()
    while data and not dec.eof:
        yield from dec.feed(data)
        data = dec.unused if dec.eof else fh.read(CHUNK)
    if not dec.eof:
        raise _truncated("gzip")
    return data


def _zst_frame(fh: BinaryIO, data: bytes) -> Generator[memoryview, None, bytes]:
    """One zstd frame's decoded bytes in pieces of at most OUT_SIZE; returns the bytes read past its end."""
    source = _FrameSource(fh, data)
    dctx = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
    with dctx.stream_reader(source, read_size=CHUNK, read_across_frames=False,  # type: ignore[arg-type]
                            closefd=False) as reader:                         # (it takes any object with read)
        while True:
            buf = bytearray(OUT_SIZE)            # fresh: the reading thread may still hold the last one
            try:
                n = reader.readinto(buf)
            except zstandard.ZstdError as exc:
                raise StreamError(_zstd_problem(exc)) from None
            if not n:
                break
            yield memoryview(buf)[:n]
    if not source.complete:
        raise _truncated("zstd")
    return source.rest()


def _zstd_problem(exc: zstandard.ZstdError) -> str:
    if "too much memory" in str(exc):
        return f"a zstd frame asks for a decoding window over {MAX_WINDOW >> 20} MiB; refused"
    return f"corrupt zstd data ({exc})"


# zstd frame format (RFC 8878): frame content size and dictionary id field widths by their flag values
_FCS_BYTES, _DID_BYTES = (0, 2, 4, 8), (0, 1, 2, 4)
MAX_WINDOW = 32 << 20                # what the decoder may allocate per frame; level 19 uses 8 MiB


class _FrameWalk:
    """Follows the headers of one zstd frame (RFC 8878) to know where it ends: the decoder's reader cannot say
    whether its input stopped inside a frame, and it must not read past one (the next frame is checked apart)."""

    def __init__(self) -> None:
        self._phase = "frame"            # frame -> frame_rest -> block (body) ... -> checksum -> end
        self._want, self._head = 5, bytearray()   # bytes of the structure being read: magic + descriptor first
        self._body = 0                   # bytes of the current block's body still to pass
        self._checksum = False

    def frame_end(self, view: memoryview) -> int | None:
        """Where the frame ends in `view` (which continues the bytes seen so far), or None: it goes on."""
        pos = 0
        while pos < len(view):
            if self._body:               # the last block's body comes before the frame's end
                step = min(self._body, len(view) - pos)
                self._body -= step
                pos += step
                continue
            if self._phase == "end":
                return pos
            if self._phase == "lost":
                return None              # not a frame we can follow: the decoder rejects it within a few bytes
            take = min(self._want - len(self._head), len(view) - pos)
            self._head += view[pos:pos + take]
            pos += take
            if len(self._head) == self._want:
                self._parsed(bytes(self._head))
                self._head = bytearray()
        return pos if self._phase == "end" and not self._body else None

    def _expect(self, phase: str, n: int) -> None:
        self._phase, self._want = phase, n

    def _parsed(self, head: bytes) -> None:
        """Move past one complete structure."""
        if self._phase == "frame":
            if head[:4] != _MAGIC["zst"]:
                self._phase = "lost"
                return
            fhd = head[4]
            single = bool(fhd & 0x20)
            fcs = _FCS_BYTES[fhd >> 6] or (1 if single else 0)
            self._checksum = bool(fhd & 0x04)
            self._expect("frame_rest", (0 if single else 1) + _DID_BYTES[fhd & 3] + fcs)
        elif self._phase == "frame_rest":
            self._expect("block", 3)
        elif self._phase == "block":
            self._block(int.from_bytes(head, "little"))
        else:                            # the checksum after the last block
            self._phase = "end"

    def _block(self, h: int) -> None:
        last, kind, size = h & 1, (h >> 1) & 3, h >> 3
        self._body = 1 if kind == 1 else size          # an RLE block stores one byte, repeated size times
        if last:
            self._expect("checksum", 4) if self._checksum else self._expect("end", 0)


def decoded_chunks(fh: BinaryIO, kind: Compression) -> Iterator[bytes | memoryview]:
    """The decompressed bytes of fh, frame after frame; StreamError on truncation or trailing junk."""
    if kind == "tar":
        while chunk := fh.read(CHUNK):
            yield chunk
        return
    frame = _gz_member if kind == "gz" else _zst_frame
    magic, what = _MAGIC[kind], _WHAT[kind]
    data = fh.read(CHUNK)
    while True:
        data = yield from frame(fh, data)
        data = data or fh.read(CHUNK)
        if len(data) < len(magic):
            data += fh.read(CHUNK)
        if not data:
            return
        if not data.startswith(magic):
            _only_zeros(data, fh, what)
            return


def _only_zeros(data: bytes, fh: BinaryIO, what: str) -> None:
    """Zero padding after the last frame is tape blocking; anything else is trailing junk."""
    while data:
        if data.strip(b"\x00"):
            raise StreamError(f"data after the end of the {what} stream")
        data = fh.read(CHUNK)


_END = object()


class DecodedReader:
    """A read(n) file object over decoded chunks produced by a background thread."""

    def __init__(self, fh: BinaryIO, kind: Compression, depth: int = 8) -> None:
        self._fh = fh
        self._q: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._buf = memoryview(b"")
        self._ended = False
        self.delivered = 0               # decoded bytes handed to the reader's caller
        self.produced = 0                # decoded bytes the thread produced (before any error)
        self._thread = threading.Thread(target=self._run, args=(kind,), daemon=True, name="tusz-guard-decode")
        self._thread.start()

    @property
    def compressed_pos(self) -> int:
        """Compressed bytes read so far (for the progress bar)."""
        try:
            return self._fh.tell()
        except (OSError, ValueError):
            return 0

    def _run(self, kind: Compression) -> None:
        try:
            for chunk in decoded_chunks(self._fh, kind):
                self.produced += len(chunk)
                if not self._put(chunk):
                    return
            self._put(_END)
        except BaseException as exc:   # handed to the reading thread, which raises it
            self._put(exc)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _next(self) -> bool:
        if self._ended:
            return False
        item = self._q.get()
        if item is _END:
            self._ended = True
            return False
        if isinstance(item, BaseException):
            self._ended = True
            raise item
        self._buf = memoryview(item)  # type: ignore[arg-type]
        return True

    def read(self, n: int = -1) -> bytes:
        parts: list[bytes] = []
        want = n if n >= 0 else 1 << 62
        while want > 0 and (len(self._buf) or self._next()):
            take = self._buf[:want]
            parts.append(bytes(take))
            self._buf = self._buf[len(take):]
            want -= len(take)
        out = parts[0] if len(parts) == 1 else b"".join(parts)
        self.delivered += len(out)
        return out

    def read_view(self, n: int) -> memoryview:
        """Up to n bytes of the current chunk without copying; empty only at the end of the stream."""
        if not len(self._buf) and not self._next():
            return memoryview(b"")
        view = self._buf[:n]
        self._buf = self._buf[len(view):]
        self.delivered += len(view)
        return view

    def drain(self) -> int:
        """Read to the end; the number of bytes that were left."""
        n = 0
        while chunk := self.read(CHUNK):
            n += len(chunk)
        return n

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Compressor:
    """A write-only stream that compresses into `raw` (which it never closes); deterministic output."""

    def __init__(self, raw: BinaryIO, kind: Literal["gz", "zst"], level: int | None = None) -> None:
        if kind == "gz":
            self._w: BinaryIO = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                              compresslevel=level or GZ_LEVEL)  # type: ignore[assignment]
        else:
            # nbWorkers >= 1 gives the same frame whatever the worker count, so the output stays deterministic.
            cctx = zstandard.ZstdCompressor(level=level or ZST_LEVEL, threads=max(1, os.cpu_count() or 1),
                                            write_checksum=True)
            self._w = cctx.stream_writer(raw, closefd=False)

    def write(self, data: bytes) -> int:
        return self._w.write(data)

    def close(self) -> None:
        self._w.close()
