"""Shapes and dtypes of the arrays inside an NPZ, read from the .npy headers without decompressing the arrays.

Per member: the zip central directory (zipfile), the member's local header, then only as many bytes of the deflate
stream as the .npy header needs (zlib.decompressobj with max_length); stored members are read directly.
Nothing is unpickled: an object dtype is reported, never loaded.
"""
from __future__ import annotations

import ast
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

NPY_MAGIC = b"\x93NUMPY"
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
LOCAL_SIGNATURE = b"PK\x03\x04"
HEADER_MAX = 65536 + 12
CHUNK = 1024           # compressed bytes read at a time; a header inflates from the first few


class NpzError(Exception):
    """An NPZ (or one member) that cannot be what the pipeline reads; the message names the file."""


@dataclass(frozen=True)
class ArrayHeader:
    """What a .npy header says: shape, dtype descr, and whether the member's size fits it."""

    shape: tuple[int, ...]
    descr: str
    size_ok: bool                      # the member's uncompressed size equals header + shape x itemsize

    @property
    def is_object(self) -> bool:
        return "O" in self.descr


def read_npz_headers(path: Path) -> dict[str, ArrayHeader]:
    """Array name -> header for every member; NpzError for a file that is not a zip, or a member not .npy."""
    try:
        with open(path, "rb") as f, zipfile.ZipFile(f) as zf:
            return {_array_name(i.filename, path): _member_header(f, i, path) for i in zf.infolist()}
    except zipfile.BadZipFile:
        raise NpzError(f"{path.name} is not a zip archive (not an NPZ)") from None
    except OSError as exc:
        raise NpzError(f"cannot read {path.name}: {exc.strerror or exc.__class__.__name__}") from None


def _array_name(member: str, path: Path) -> str:
    if not member.endswith(".npy"):
        raise NpzError(f"{path.name}: member '{member}' is not a .npy array")
    return member[:-4]


def _member_header(f, info: zipfile.ZipInfo, path: Path) -> ArrayHeader:
    where = f"{path.name}:{info.filename}"
    if info.flag_bits & 0x1:
        raise NpzError(f"{where} is encrypted")
    f.seek(info.header_offset)
    raw = f.read(LOCAL_HEADER.size)
    if len(raw) < LOCAL_HEADER.size or raw[:4] != LOCAL_SIGNATURE:
        raise NpzError(f"{where}: damaged local header")
    fields = LOCAL_HEADER.unpack(raw)
    f.seek(info.header_offset + LOCAL_HEADER.size + fields[9] + fields[10])
    head = _head_bytes(f, info, where)
    return _parse_npy_header(head, info.file_size, where)


def _head_bytes(f, info: zipfile.ZipInfo, where: str) -> bytes:
    """The first bytes of the member's content: exactly the .npy header (the array itself is never inflated)."""
    if info.compress_type == zipfile.ZIP_STORED:
        head = f.read(min(12, info.file_size))
        size = _header_size(head) if len(head) >= 10 and head.startswith(NPY_MAGIC) else None
        return head + f.read(max(0, min(size or 0, HEADER_MAX, info.file_size) - len(head)))
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise NpzError(f"{where}: compression method {info.compress_type} is not what numpy writes")
    inflater = zlib.decompressobj(-15)
    out, left, target = b"", info.compress_size, min(12, info.file_size)
    while len(out) < target:
        data = inflater.unconsumed_tail
        if not data:
            data = f.read(min(CHUNK, left))
            left -= len(data)
            if not data:
                break
        try:
            out += inflater.decompress(data, target - len(out))
        except zlib.error:
            raise NpzError(f"{where}: damaged deflate stream") from None
        if target == min(12, info.file_size) and len(out) >= target:
            size = _header_size(out) if len(out) >= 10 and out.startswith(NPY_MAGIC) else None
            target = min(size or 0, HEADER_MAX, info.file_size)
    return out


def _header_size(data: bytes) -> int | None:
    major = data[6]
    if major == 1:
        return 10 + struct.unpack("<H", data[8:10])[0]
    if major in (2, 3) and len(data) >= 12:
        return 12 + struct.unpack("<I", data[8:12])[0]
    return None


def _parse_npy_header(data: bytes, file_size: int, where: str) -> ArrayHeader:
    if not data.startswith(NPY_MAGIC) or len(data) < 10:
        raise NpzError(f"{where} is not a .npy array")
    size = _header_size(data)
    if size is None or len(data) < size:
        raise NpzError(f"{where}: truncated or unsupported .npy header")
    start = 10 if data[6] == 1 else 12
    try:
        header = ast.literal_eval(data[start:size].decode("latin1"))
        descr, shape = header["descr"], tuple(int(x) for x in header["shape"])
    except (ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError):
        raise NpzError(f"{where}: unreadable .npy header") from None
    if not isinstance(descr, str):
        return ArrayHeader(shape, "structured", False)
    count = 1
    for dim in shape:
        count *= dim
    return ArrayHeader(shape, descr, "O" not in descr and size + count * _itemsize(descr) == file_size)


def _itemsize(descr: str) -> int:
    digits = "".join(ch for ch in descr if ch.isdigit())
    return int(digits) if digits else 1
