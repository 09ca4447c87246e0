"""The scan memo: what the ledger decided for each recording, kept so a repeated scan re-parses only what changed.

An I/O adapter behind `build_ledger`, never required. One file per (data root, ledger-relevant config) holds,
per recording, the stat identities of the EDF and of its annotation file (size, mtime_ns, ctime_ns, inode,
device), its role and the recording row the ledger derived from them. A scan whose stats match reuses the
row; anything else is parsed again. Entries follow git's racy rule: a file whose mtime or ctime is not older
than the scan's start (minus RACY_MARGIN_NS, for coarse filesystem clocks) is never memoised, because a
second change within the same timestamp tick would leave its stat unchanged.

Where: the user's cache folder (`$TUSZ_GUARD_MEMO_DIR`, else `$XDG_CACHE_HOME/tusz-guard/memo`, else
`~/.cache/tusz-guard/memo`), named by a hash of the data dir's real path. Never inside the corpus (it may
be read-only, shared or a bucket mount, and a checksum manifest must not see a new file) and not in the
project, which `inventory` does not need and which several checkouts of one corpus would each repeat.

Format: magic line, a head (crc32 and length of a marshal payload: identity, the caller's head, the item
count), then the items in frames of FRAME_ITEMS, each with its own crc32 and length (marshal: the format of
Python's own `.pyc` caches, same trust as the user's cache folder, ~10x faster to load than JSON). Frames are
read one at a time, so a 73,500-entry memo never sits in memory as bytes next to what it decodes into; repeated
strings of a row (split, montage, fingerprint) are written once (shared, and so shared again when loaded).
A missing, corrupt, foreign or unreadable memo means a cold scan with a one-line note; a failed write is a note too.
Concurrent runs are safe: each writes a temp file and replaces the memo atomically (last writer wins).
"""
from __future__ import annotations

import hashlib
import marshal
import os
import stat
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any, BinaryIO

from tusz_guard.corpus.facts import Fact

# The memo's own format of a row; the ledger's digest also hashes the parsers' and the ledger's source code.
PARSER_VERSION = 1
MAGIC = b"tusz-guard scan memo\n"
FORMAT = 2              # 2: a head, then frames of items (1: one payload)
FRAME_ITEMS = 4096
RACY_MARGIN_NS = 2_000_000_000      # FAT stores mtimes in 2 s steps; ext4/NFS clocks tick far finer
ENV_DIR = "TUSZ_GUARD_MEMO_DIR"
_HEAD = struct.Struct("<HII")        # format, crc32, length of the head's payload
_FRAME = struct.Struct("<II")        # crc32, length of one frame's payload

StatKey = tuple[int, int, int, int, int]          # size, mtime_ns, ctime_ns, inode, device
EntryKey = tuple[StatKey, StatKey | None, str | None]   # EDF, annotation file (None: absent), role


@dataclass
class Settings:
    """Process-wide scan settings, set by the entry points (`--no-memo`, `--scan-workers`)."""

    memo: bool = True
    workers: int | None = None        # None: chosen from a latency probe; 0 or 1: serial


SETTINGS = Settings()


def memo_dir() -> Path:
    """The folder memos live in: $TUSZ_GUARD_MEMO_DIR, else the user's cache folder."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tusz-guard" / "memo"


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def note(message: str) -> None:
    """One line on stderr: the memo is an optimisation, so its trouble is a note, never an error."""
    print(f"note: {message}", file=sys.stderr)


class ScanMemo:
    """The memo of one data root under one config digest: look up, store, save once at the end."""

    def __init__(self, path: Path | None, identity: str, old: dict[str, tuple[Any, ...]]) -> None:
        self.path = path
        self.identity = identity
        self.started_ns = now_ns()
        self._old = old
        self._new: dict[str, tuple[Any, ...]] = {}
        self._lock = Lock()
        self._shared: dict[str, str] = {}
        self.hits = 0

    @classmethod
    def open(cls, data_dir: Path, digest: str) -> ScanMemo:
        """The memo for data_dir (an empty one when disabled, missing, corrupt or foreign)."""
        real = os.path.realpath(data_dir)
        identity = f"{real}\0{digest}\0{PARSER_VERSION}"
        if not SETTINGS.memo:
            return cls(None, identity, {})
        path = memo_file("", real, f"-{digest[:16]}")
        folder = os.path.realpath(path.parent)
        if folder == real or folder.startswith(real.rstrip(os.sep) + os.sep):
            note(f"scan memo folder {path.parent} lies inside the corpus; scanning cold (set {ENV_DIR} elsewhere)")
            return cls(None, identity, {})
        return cls(path, identity, _load(path, identity))

    def knows(self, rel: str) -> bool:
        """Whether the memo holds a row for rel at all (its key may no longer match)."""
        return rel in self._old

    def lookup(self, rel: str, key: EntryKey) -> tuple[Any, ...] | None:
        """The memoised row of rel when its key still matches, else None."""
        entry = self._old.get(rel)
        if entry is None or entry[0] != key:
            return None
        with self._lock:
            self._new[rel] = entry
            self.hits += 1
        row: tuple[Any, ...] = entry[1]
        return row

    def store(self, rel: str, key: EntryKey, row: tuple[Any, ...]) -> None:
        """Remember a freshly parsed row, unless a file of it is racy (changed too recently to trust)."""
        if any(s is not None and is_racy(s, self.started_ns) for s in key[:2]):
            return
        with self._lock:
            self._new[rel] = (key, share(row, self._shared))

    def save(self) -> None:
        """Write the memo if this scan changed it (atomically); a failure is a one-line note."""
        if self.path is not None and self._new != self._old:
            write_memo(self.path, self.identity, None, list(self._new.items()))
            prune(self.path)


KEEP_PER_ROOT = 4       # scan memos of one data root kept (configs that differ in what a row depends on, or code)


def prune(path: Path) -> None:
    """Remove all but the KEEP_PER_ROOT newest scan memos of path's data root: each new config digest or version
    of tusz-guard writes a memo of its own, and the old ones would pile up in the user's cache folder."""
    root_part = path.name.split("-", 1)[0]
    try:
        stats = [(p, p.lstat()) for p in path.parent.glob(f"{root_part}-*.memo")]
        uid = os.getuid() if hasattr(os, "getuid") else None
        # only this user's regular files: in a shared memo folder another user's memos are not ours to remove
        mine = [(p, st) for p, st in stats if stat.S_ISREG(st.st_mode) and (uid is None or st.st_uid == uid)]
        by_age = [p for p, _ in sorted(mine, key=lambda item: item[1].st_mtime_ns, reverse=True)]
    except OSError:
        return
    for old in by_age[KEEP_PER_ROOT:]:
        if old != path:
            _unlink(str(old))


def memo_file(kind: str, real_path: str, suffix: str = "") -> Path:
    """Where the memo of one folder or file lives: named by a hash of its real path, in memo_dir()."""
    name = hashlib.sha256(real_path.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return memo_dir() / f"{kind}{name}{suffix}.memo"


def now_ns() -> int:
    """The time a scan starts: files changed after it (or just before) are racy."""
    return time.time_ns()


def is_racy(key: StatKey, started_ns: int) -> bool:
    """Changed too close to started_ns to trust its stat (git's racy rule, with a margin for coarse clocks)."""
    limit = started_ns - RACY_MARGIN_NS
    return key[1] >= limit or key[2] >= limit


def share(row: tuple[Any, ...], seen: dict[str, str]) -> tuple[Any, ...]:
    """row with each of its strings replaced by the first equal one seen: marshal then writes it once."""
    return tuple(seen.setdefault(v, v) if type(v) is str else v for v in row)


def write_memo(path: Path, identity: str, head: Any, items: list[Any]) -> None:
    """Replace the memo at path atomically (temp file + os.replace); a failure is a one-line note."""
    payload = marshal.dumps((identity, head, len(items)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + _HEAD.pack(FORMAT, zlib.crc32(payload), len(payload)))
                f.write(payload)
                for start in range(0, len(items), FRAME_ITEMS):
                    frame = marshal.dumps(items[start:start + FRAME_ITEMS])
                    f.write(_FRAME.pack(zlib.crc32(frame), len(frame)))
                    f.write(frame)
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
    except OSError as exc:
        note(f"scan memo not saved ({path}: {exc.strerror or exc}); the next scan is cold too")


def read_memo(path: Path, identity: str, build: Callable[[Any], Any] | None = None,
              wanted: Callable[[Any], bool] | None = None) -> tuple[Any, list[Any]] | None:
    """The memo's head and its items (each passed through `build` as its frame is decoded), or None when missing
    or when `wanted(head)` says it is out of date (silently), or unreadable, corrupt or foreign (one note).
    Exceptions of `build` reach the caller."""
    try:
        with open(path, "rb") as f:
            owner = os.fstat(f.fileno()).st_uid
            if hasattr(os, "getuid") and owner != os.getuid():
                # marshal is safe to run but not hardened against crafted bytes: read only our own memos
                # (git's safe.directory idea): a memo in a shared folder written by someone else is ignored
                note(f"scan memo {path} belongs to another user (uid {owner}); scanning cold")
                return None
            got = _decode(f, identity, build, wanted)
    except (FileNotFoundError, NotADirectoryError):     # no memo yet (a failed write says so itself)
        return None
    except OSError as exc:
        note(f"scan memo {path} unreadable ({exc.strerror or exc}); scanning cold")
        return None
    if got is None:
        _corrupt_note(path)
    return got or None      # () : out of date


def _corrupt_note(path: Path) -> None:
    note(f"scan memo {path} is corrupt or foreign; scanning cold (it is rewritten)")


def _load(path: Path, identity: str) -> dict[str, tuple[Any, ...]]:
    got = read_memo(path, identity)
    if got is None:
        return {}
    try:
        return dict(got[1])
    except (TypeError, ValueError):
        _corrupt_note(path)
        return {}


class _Corrupt(Exception):
    """A part of the memo file is not what write_memo wrote."""


def _decode(f: BinaryIO, identity: str, build: Callable[[Any], Any] | None,
            wanted: Callable[[Any], bool] | None) -> tuple[Any, list[Any]] | tuple[()] | None:
    """Head and items of an open memo, frame by frame; None when any part is not what write_memo wrote, () when
    `wanted` turns its head down (nothing more is read)."""
    try:
        if f.read(len(MAGIC)) != MAGIC:
            return None
        fmt, crc, length = _fields(f, _HEAD)
        if fmt != FORMAT:
            return None
        head = _payload(f, crc, length)
        if not (isinstance(head, tuple) and len(head) == 3 and head[0] == identity and isinstance(head[2], int)):
            return None
        if wanted is not None and not wanted(head[1]):
            return ()
        items: list[Any] = []
        while len(items) < head[2]:
            frame = _payload(f, *_fields(f, _FRAME))
            if not isinstance(frame, list) or not frame:
                return None
            items += frame if build is None else map(build, frame)
        if len(items) != head[2] or f.read(1):
            return None
    except _Corrupt:
        return None
    return head[1], items


def _fields(f: BinaryIO, layout: struct.Struct) -> tuple[int, ...]:
    raw = f.read(layout.size)
    if len(raw) != layout.size:
        raise _Corrupt
    return layout.unpack(raw)


def _payload(f: BinaryIO, crc: int, length: int) -> Any:
    """The next marshal payload of `length` bytes, checked against its crc32 before it is loaded."""
    raw = f.read(length)
    if len(raw) != length or zlib.crc32(raw) != crc:
        raise _Corrupt
    try:
        return marshal.loads(raw)
    except (EOFError, ValueError, TypeError):
        raise _Corrupt from None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# ---- rows: a Recording as plain values (marshal takes tuples, str, int, float, None) -------------------
def facts_out(facts: tuple[Fact, ...]) -> tuple[tuple[Any, ...], ...]:
    return tuple((f.code, f.message, f.line, f.value) for f in facts)


def facts_in(rows: tuple[tuple[Any, ...], ...]) -> tuple[Fact, ...]:
    return tuple(Fact(*row) for row in rows)
