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

Format: magic line, then crc32 and length of a marshal payload (the format of Python's own `.pyc`
caches: same trust as the user's cache folder, ~10x faster to load than JSON). A missing, corrupt,
foreign or unreadable memo means a cold scan with a one-line note; a failed write is a note too.
Concurrent runs are safe: each writes a temp file and replaces the memo atomically (last writer wins).
"""
from __future__ import annotations

import hashlib
import marshal
import os
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

from tusz_guard.corpus.facts import Fact

# The memo's own format of a row; the ledger's digest also hashes the parsers' and the ledger's source code.
PARSER_VERSION = 1
MAGIC = b"tusz-guard scan memo\n"
FORMAT = 1
RACY_MARGIN_NS = 2_000_000_000      # FAT stores mtimes in 2 s steps; ext4/NFS clocks tick far finer
ENV_DIR = "TUSZ_GUARD_MEMO_DIR"
_HEAD = struct.Struct("<HII")        # format, crc32, payload length

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
            self._new[rel] = (key, row)

    def save(self) -> None:
        """Write the memo if this scan changed it (atomically); a failure is a one-line note."""
        if self.path is not None and self._new != self._old:
            write_memo(self.path, self.identity, self._new)


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


def write_memo(path: Path, identity: str, payload_obj: Any) -> None:
    """Replace the memo at path atomically (temp file + os.replace); a failure is a one-line note."""
    payload = marshal.dumps((identity, payload_obj))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + _HEAD.pack(FORMAT, zlib.crc32(payload), len(payload)))
                f.write(payload)      # not concatenated: at 70,000 recordings that copy is 30 MB of peak memory
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
    except OSError as exc:
        note(f"scan memo not saved ({path}: {exc.strerror or exc}); the next scan is cold too")


def read_memo(path: Path, identity: str) -> Any:
    """The memo's payload, or None when missing (silently) or unreadable, corrupt or foreign (one note)."""
    try:
        with open(path, "rb") as f:
            owner = os.fstat(f.fileno()).st_uid
            if hasattr(os, "getuid") and owner != os.getuid():
                # marshal is safe to run but not hardened against crafted bytes: read only our own memos
                # (git's safe.directory idea): a memo in a shared folder written by someone else is ignored
                note(f"scan memo {path} belongs to another user (uid {owner}); scanning cold")
                return None
            blob = f.read()
    except (FileNotFoundError, NotADirectoryError):     # no memo yet (a failed write says so itself)
        return None
    except OSError as exc:
        note(f"scan memo {path} unreadable ({exc.strerror or exc}); scanning cold")
        return None
    payload = _decode(blob, identity)
    if payload is None:
        note(f"scan memo {path} is corrupt or foreign; scanning cold (it is rewritten)")
    return payload


def _load(path: Path, identity: str) -> dict[str, tuple[Any, ...]]:
    entries = read_memo(path, identity)
    if entries is not None and not isinstance(entries, dict):
        note(f"scan memo {path} is corrupt or foreign; scanning cold (it is rewritten)")
        return {}
    return entries or {}


def _decode(blob: bytes, identity: str) -> Any:
    head = len(MAGIC) + _HEAD.size
    if not blob.startswith(MAGIC) or len(blob) < head:
        return None
    fmt, crc, length = _HEAD.unpack_from(blob, len(MAGIC))
    payload = memoryview(blob)[head:]         # no copy of the payload
    if fmt != FORMAT or len(payload) != length or zlib.crc32(payload) != crc:
        return None
    try:
        stored_identity, content = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return content if stored_identity == identity else None


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
