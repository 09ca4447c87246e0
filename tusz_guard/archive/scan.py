"""The one streaming pass over an archive: every member's type, name, size and sha256, never extracting.

The pass gathers facts only (the adapter of the archive checks); verify.py judges them. An optional sink
receives the bytes of safe regular files as they stream by, which is how unpack verifies as it goes.
"""
from __future__ import annotations

import hashlib
import json
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

from tusz_guard.archive.layout import Place, name_problem, normalise, place
from tusz_guard.archive.manifest import MAX_MANIFEST_BYTES, Manifest, ManifestError, parse_manifest
from tusz_guard.archive.streams import CHUNK, DecodedReader, StreamError, detect
from tusz_guard.archive.tarstream import TarReadError, TarStream

MemberType = Literal["file", "dir", "symlink", "hardlink", "device", "fifo", "other"]
JSON_LIMITS: dict[str, int] = {"cache_meta": 1 << 20, "index": 256 << 20, "entry": 1 << 20}
_TYPES: dict[bytes, MemberType] = {
    tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.CONTTYPE: "file", tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink", tarfile.CHRTYPE: "device",
    tarfile.BLKTYPE: "device", tarfile.FIFOTYPE: "fifo",
}
_TYPE_WORDS = {"symlink": "symbolic link", "hardlink": "hard link", "device": "device node", "fifo": "FIFO",
               "other": "special member"}


@dataclass(frozen=True)
class Member:
    """One member as the stream showed it."""

    name: str                    # as stored
    path: str                    # normalised ('' when the name is unsafe)
    type: MemberType
    size: int
    sha256: str | None = None    # regular files read to their end


@dataclass(frozen=True)
class Unsafe:
    """A member that must never be extracted, and why."""

    name: str
    problem: str


class Writer(Protocol):
    """Where a sink takes a member's bytes."""

    def write(self, data: bytes | memoryview) -> int: ...
    def close(self) -> None: ...


class Sink(Protocol):
    """Receives safe regular files while they stream by (unpack)."""

    def wants(self, path: str, where: Place) -> bool: ...
    def open(self, path: str, size: int, manifest: Manifest | None) -> Writer | None: ...   # None: not staged
    def done(self, path: str, sha256: str, size: int, manifest: Manifest | None) -> None: ...


class ArchiveURL(str):
    """A remote archive's URL as shown (redacted), with a Path's `.name` for messages."""

    @property
    def name(self) -> str:
        return self.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Scan:
    """Everything one pass learned; filled while streaming, read-only afterwards."""

    archive: Path | ArchiveURL           # a local path, or a URL as shown (credentials redacted)
    archive_bytes: int
    compression: str = "?"
    members: list[Member] = field(default_factory=list)
    unsafe: list[Unsafe] = field(default_factory=list)
    manifest: Manifest | None = None
    manifest_error: str | None = None
    manifest_member: bool = False        # the first member is named like a manifest (valid or not)
    read_error: str | None = None
    documents: dict[str, Any] = field(default_factory=dict)     # parsed JSON of cache files, by path
    json_errors: dict[str, str] = field(default_factory=dict)
    decoded_bytes: int = 0
    seconds: float = 0.0

    @property
    def readable(self) -> bool:
        return self.read_error is None

    @property
    def files(self) -> list[Member]:
        return [m for m in self.members if m.type == "file"]


Progress = Callable[[int], None]


def scan_archive(archive: Path, sink: Sink | None = None, progress: Progress | None = None) -> Scan:
    """Read the archive once, to the end; never raises for bad content (the Scan records it)."""
    size = archive.stat().st_size
    with open(archive, "rb") as fh:
        return scan_stream(fh, archive, size, sink, progress)


def scan_stream(fh: BinaryIO, archive: Path | ArchiveURL, size: int, sink: Sink | None = None,
                progress: Progress | None = None) -> Scan:
    """scan_archive over any seekable binary stream (a local file, an object opened through fsspec)."""
    start = time.perf_counter()
    scan = Scan(archive=archive, archive_bytes=size)
    try:
        scan.compression = detect(fh.read(8))
    except StreamError as exc:
        scan.read_error = str(exc)
        return scan
    fh.seek(0)
    reader = DecodedReader(fh, scan.compression)
    try:
        _Walker(scan, reader, sink, progress).run()
    finally:
        reader.close()
    scan.seconds = time.perf_counter() - start
    return scan


class _Walker:
    """Walks the tar stream member by member, filling a Scan."""

    def __init__(self, scan: Scan, reader: DecodedReader, sink: Sink | None, progress: Progress | None) -> None:
        self.scan, self.reader, self.sink, self.progress = scan, reader, sink, progress
        self.seen: dict[str, str] = {}      # casefolded path -> first name
        self.current: str | None = None     # the member being read, for error messages
        self.last: str | None = None
        self.done_bytes = 0

    def run(self) -> None:
        tar = TarStream(self.reader)
        try:
            for info in tar.members():
                self.member(tar, info)
        except (TarReadError, StreamError, OSError) as exc:
            self.scan.read_error = self.describe(exc, tar)
        self.scan.decoded_bytes = tar.offset

    def member(self, tar: TarStream, info: tarfile.TarInfo) -> None:
        self.current = info.name
        mtype = _TYPES.get(info.type, "other")
        problem = name_problem(info.name) or _type_problem(mtype, info)
        path = "" if name_problem(info.name) else normalise(info.name)
        if problem is None and mtype != "dir":
            problem = self.duplicate(path)
        if problem:
            self.scan.unsafe.append(Unsafe(info.name, problem))
        sha = self.content(tar, info, path, safe=problem is None) if mtype == "file" else None
        self.scan.members.append(Member(info.name, path, mtype, info.size, sha))
        self.last, self.current = info.name, None
        if self.progress:
            self.progress(self.reader.compressed_pos)

    def duplicate(self, path: str) -> str | None:
        key = path.casefold()
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = path
            return None
        if first == path:
            return "a second member with the same name"
        return f"same name as '{first}' on a case-insensitive file system"

    def content(self, tar: TarStream, info: tarfile.TarInfo, path: str, safe: bool) -> str:
        where = place(path) if path else Place("other")
        first = not self.scan.members
        keep = _keep_limit(where, first)
        wanted = safe and self.sink is not None and self.sink.wants(path, where)
        out = self.sink.open(path, info.size, self.scan.manifest) if wanted else None  # type: ignore[union-attr]
        digest, kept = self.stream(tar, out, keep)
        if out is not None:
            out.close()
            self.sink.done(path, digest, info.size, self.scan.manifest)  # type: ignore[union-attr]
        if keep:
            self.document(path, where, first, kept, info.size > keep)
        return digest

    def stream(self, tar: TarStream, out: Writer | None, keep: int) -> tuple[str, bytes | None]:
        h = hashlib.sha256()
        kept: list[bytes] = []
        kept_n = 0
        for chunk in tar.chunks(CHUNK):
            h.update(chunk)
            if out is not None:
                out.write(chunk)
            if kept_n < keep:
                kept.append(bytes(chunk))
                kept_n += len(chunk)
        return h.hexdigest(), (b"".join(kept) if kept_n <= keep else None)

    def document(self, path: str, where: Place, first: bool, data: bytes | None, too_big: bool) -> None:
        if first and where.kind == "manifest":
            self.scan.manifest_member = True
            if data is None or too_big:
                self.scan.manifest_error = "the manifest member is too large to be a tusz-guard manifest"
                return
            try:
                self.scan.manifest = parse_manifest(data)
            except ManifestError as exc:
                self.scan.manifest_error = f"the manifest member is not valid: {exc}"
            return
        if data is None or too_big:
            self.scan.json_errors[path] = f"too large for a {where.kind.replace('_', ' ')} file"
            return
        try:
            self.scan.documents[path] = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.scan.json_errors[path] = f"not valid JSON ({exc.__class__.__name__})"

    def describe(self, exc: BaseException, tar: TarStream) -> str:
        text = str(exc) or exc.__class__.__name__
        if isinstance(exc, OSError):
            text = f"cannot read the file ({exc.strerror or exc})"
        if self.current is not None:
            where = f"inside member '{self.current}'"
        elif self.last is not None:
            where = f"after member '{self.last}'"
        else:
            where = "before the first member"
        if text.startswith("the archive is empty"):
            return text
        cut = any(word in text for word in ("truncated", "ends", "stops", "cut short"))
        fix = "; the file is incomplete, copy or pack it again" if cut else ""
        return f"{where}: {text}{fix}"


def _type_problem(mtype: MemberType, info: tarfile.TarInfo) -> str | None:
    if mtype in ("file", "dir"):
        return None
    word = _TYPE_WORDS[mtype]
    target = f" -> {info.linkname}" if mtype in ("symlink", "hardlink") else ""
    return f"{word}{target}: only regular files and directories are allowed"


def _keep_limit(where: Place, first: bool) -> int:
    if first and where.kind == "manifest":
        return MAX_MANIFEST_BYTES
    if where.kind == "entry" and where.file != "meta.json":
        return 0
    return JSON_LIMITS.get(where.kind, 0)
