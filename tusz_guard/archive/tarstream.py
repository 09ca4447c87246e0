"""A forward-only tar reader: headers parsed by tarfile.TarInfo.frombuf, member data read straight from the
decoded stream (no second buffer, no copies), pax and GNU long-name headers applied, the end marker checked.

tarfile's own stream mode buffers and re-joins every block, reads ahead of the member it reports, and treats
a stream cut at a member boundary or a damaged header as a clean end; this reader does none of that.
"""
from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator

from tusz_guard.archive.streams import DecodedReader

BLOCK = tarfile.BLOCKSIZE
_PAX = (tarfile.XHDTYPE, tarfile.SOLARIS_XHDTYPE)
_LONG = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)
_NO_DATA = (tarfile.LNKTYPE, tarfile.SYMTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.DIRTYPE, tarfile.FIFOTYPE)
_EXTENDED = (*_PAX, tarfile.XGLTYPE, *_LONG)
_KIND = {tarfile.XHDTYPE: "pax", tarfile.SOLARIS_XHDTYPE: "pax", tarfile.XGLTYPE: "pax global"}
_RECORD = re.compile(rb"(\d+) ")
ENCODING, ERRORS = "utf-8", "surrogateescape"
# pax and GNU long-name headers are read whole: a header declaring gigabytes must be refused before reading.
# Real ones hold a path or a few attributes (a long path is 4 KiB); 256 KiB is generous.
MAX_HEADER_BYTES = 256 << 10


class TarReadError(Exception):
    """The tar data is damaged or ends too early; the message says where."""


class TarStream:
    """Iterate members (TarInfo), then read each member's data with chunks(); unread data is skipped."""

    def __init__(self, reader: DecodedReader) -> None:
        self.r = reader
        self.offset = 0                  # bytes of tar consumed
        self._left = 0                   # data bytes of the current member not read yet
        self._pad = 0
        self._globals: dict[str, str] = {}

    def _exact(self, n: int, what: str) -> bytes:
        data = self.r.read(n)
        self.offset += len(data)
        if len(data) < n:
            raise TarReadError(f"the tar data ends inside {what} (byte {self.offset:,})")
        return data

    def chunks(self, size: int) -> Iterator[memoryview]:
        """The current member's data, in pieces of at most `size` bytes, without copying."""
        while self._left:
            view = self.r.read_view(min(size, self._left))
            if not len(view):
                raise TarReadError(f"the data ends {self._left:,} bytes before the member's end")
            self._left -= len(view)
            self.offset += len(view)
            yield view

    def _skip_rest(self) -> None:
        for _ in self.chunks(1 << 20):
            pass
        if self._pad:
            self._exact(self._pad, "the padding after a member")
            self._pad = 0

    def members(self) -> Iterator[tarfile.TarInfo]:
        overrides: dict[str, str] = {}
        while True:
            self._skip_rest()
            info = self._header()
            if info is None:
                return
            size = info.size
            if info.type in _EXTENDED:
                self._check_extended(info)
            if info.type in _PAX or info.type == tarfile.XGLTYPE:
                records = _pax(self._exact(_blocks(size), "a pax header"))
                (self._globals if info.type == tarfile.XGLTYPE else overrides).update(records)
                continue
            if info.type in _LONG:
                name = tarfile.nts(  # type: ignore[attr-defined]  # stdlib helper, not in typeshed
                    self._exact(_blocks(size), "a GNU long-name header")[:size], ENCODING, ERRORS)
                overrides["path" if info.type == tarfile.GNUTYPE_LONGNAME else "linkpath"] = name
                continue
            _apply(info, {**self._globals, **overrides})
            overrides = {}
            self._left = 0 if info.type in _NO_DATA else info.size
            self._pad = _blocks(self._left) - self._left
            yield info

    def _check_extended(self, info: tarfile.TarInfo) -> None:
        if info.size > MAX_HEADER_BYTES:
            raise TarReadError(f"a {_KIND.get(info.type, 'GNU long-name')} header at byte {self.offset - BLOCK:,} "
                               f"declares {info.size:,} bytes; more than {MAX_HEADER_BYTES:,} is not a tar header "
                               "(refused before reading it)")

    def _header(self) -> tarfile.TarInfo | None:
        start = self.offset
        block = self.r.read(BLOCK)
        self.offset += len(block)
        if not block:
            raise TarReadError("the archive is empty: no tar data" if start == 0 else
                               "the end-of-archive marker is missing: the archive stops after a member")
        if len(block) < BLOCK:
            raise TarReadError(f"the tar data ends inside a member header (byte {self.offset:,})")
        try:
            return tarfile.TarInfo.frombuf(block, ENCODING, ERRORS)
        except tarfile.EOFHeaderError:  # type: ignore[attr-defined]  # stdlib, not in typeshed
            self._end()
            return None
        except tarfile.HeaderError as exc:
            raise TarReadError(f"damaged member header at byte {start:,} ({exc})") from None

    def _end(self) -> None:
        """Two zero blocks end the archive; anything but zeros after them is damage, not padding."""
        second = self.r.read(BLOCK)
        self.offset += len(second)
        if len(second) < BLOCK:
            raise TarReadError("the end-of-archive marker is cut short (the archive is truncated)")
        if second.strip(b"\x00"):
            raise TarReadError(f"data after the end-of-archive marker (byte {self.offset - BLOCK:,})")
        while len(rest := self.r.read_view(1 << 20)):
            self.offset += len(rest)
            if bytes(rest).strip(b"\x00"):
                raise TarReadError(f"data after the end-of-archive marker (byte {self.offset:,})")


def _blocks(n: int) -> int:
    return -(-n // BLOCK) * BLOCK


def _pax(data: bytes) -> dict[str, str]:
    """'LEN key=value\\n' records of a pax extended header."""
    out, pos = {}, 0
    while pos < len(data) and data[pos] != 0:
        m = _RECORD.match(data, pos)
        length = int(m.group(1)) if m else 0
        if not m or length <= m.end() - pos or pos + length > len(data):
            raise TarReadError("damaged pax header")
        key, _, value = data[m.end():pos + length - 1].partition(b"=")
        out[key.decode(ENCODING, ERRORS)] = value.decode(ENCODING, ERRORS)
        pos += length
    return out


def _apply(info: tarfile.TarInfo, pax: dict[str, str]) -> None:
    if "path" in pax:
        info.name = pax["path"]
    if "linkpath" in pax:
        info.linkname = pax["linkpath"]
    if "size" in pax:
        try:
            info.size = int(pax["size"])
        except ValueError:
            raise TarReadError(f"damaged pax size {pax['size']!r} for member '{info.name}'") from None
    if info.type == tarfile.AREGTYPE and info.name.endswith("/"):
        info.type = tarfile.DIRTYPE
    if info.type == tarfile.DIRTYPE:
        info.name = info.name.rstrip("/")
