"""The on-disk cache (docs/cache-format.md): metadata, index, entries; atomic writes; numpy + stdlib only."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tusz_guard.cache.floats import Floats
from tusz_guard.cache.index_rules import IndexFacts, IndexProblem, index_problems
from tusz_guard.cache.temps import builder_gone, is_marker, owner, temp_name
from tusz_guard.corpus.files import open_regular, open_regular_stat
from tusz_guard.errors import GuardError
from tusz_guard.jsonread import MAX_BYTES, JsonLimitError, loads_bounded

if TYPE_CHECKING:      # numpy loads only when arrays are read or written: `check` reads JSON only
    import numpy as np

CACHE_SCHEMA = "tusz-guard/cache/v1"
INDEX_SCHEMA = "tusz-guard/cache-index/v1"
ENTRY_SCHEMA = "tusz-guard/cache-entry/v1"
META_NAME = "tusz-guard-cache.json"
INDEX_NAME = "index.json"
LOCK_NAME = ".lock"
ENTRIES_NAME = "entries"
TEMP_PREFIX = ".tmp-"                 # tusz_guard.cache.temps: who may delete what
SIGNAL_NAME, LABELS_NAME, ENTRY_META_NAME = "signal.npy", "labels.npy", "meta.json"
ENTRY_FILES = frozenset({SIGNAL_NAME, LABELS_NAME, ENTRY_META_NAME})
LOCK_INFO_NAME = ".lock-info"        # who holds .lock (tusz_guard.cache.locking)
ROOT_FILES = frozenset({META_NAME, INDEX_NAME, LOCK_NAME, LOCK_INFO_NAME, ENTRIES_NAME})

WriteOutcome = Literal["written", "replaced", "exists", "foreign"]
FORMAT_VERSION = 2            # 2: entries record the sha256 of signal.npy and labels.npy (v1 caches read the same)
CHECKSUM = "sha256"           # measured faster than BLAKE2b here (SHA-NI): docs/cache-format.md
WRITE_CHUNK = 1 << 22


def utc_now() -> str:
    """An ISO-8601 UTC timestamp with second precision ('2026-11-28T17:00:00Z')."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class EntryMeta:
    """One entry's record: meta.json, and the same record under index.json['entries'][key]."""

    key: str
    source: str                       # relative to data_dir, posix
    source_size: int
    source_mtime_ns: int
    fingerprint: str
    n_channels: int
    n_samples: int
    sampling_rate: int
    dtype: str
    interpolated: tuple[str, ...]
    seizure_samples: int
    mean: Floats                      # per channel, of the stored signal (any sequence of floats is converted)
    std: Floats
    min: float
    max: float
    nonfinite: int
    signal_bytes: int
    labels_bytes: int
    built_at: str
    build_seconds: float
    schema: str = ENTRY_SCHEMA        # proves tusz-guard wrote the entry (required to ever replace it)
    # the annotation file the labels came from: a corrected annotation file makes the entry stale
    labels_source_size: int | None = None
    labels_source_mtime_ns: int | None = None
    labels_source_sha256: str | None = None
    # sha256 of the stored files, hashed while they were written (format v2); None in v1 entries
    signal_sha256: str | None = None
    labels_sha256: str | None = None

    def __post_init__(self) -> None:
        if type(self.mean) is not Floats or type(self.std) is not Floats:     # a tuple or list of floats
            object.__setattr__(self, "mean", Floats.of(self.mean))
            object.__setattr__(self, "std", Floats.of(self.std))

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str = "meta.json") -> "EntryMeta":
        """Build from a parsed JSON object; GuardError naming `where` when a field is missing or mistyped."""
        if not isinstance(data, Mapping):
            raise GuardError(f"{where}: expected a JSON object, got {type(data).__name__}",
                             hint="remove the entry and rebuild it with `tusz-guard build-cache`")
        kinds = _entry_kinds()
        missing = [name for name, _ in kinds if name not in _OPTIONAL_FIELDS and name not in data]
        if missing:
            raise GuardError(f"{where}: missing field(s) {', '.join(missing)}",
                             hint="remove the entry and rebuild it with `tusz-guard build-cache`")
        try:
            # a value already of its field's exact type is what _coerce would return (the index has ~7,000 records)
            return cls(**{name: value if type(value) is kind else _coerce(name, value)  # type: ignore[arg-type]
                          for name, kind in kinds if name in data for value in (data[name],)})  # fields checked above
        except (TypeError, ValueError) as exc:
            raise GuardError(f"{where}: malformed entry record ({exc})",
                             hint="remove the entry and rebuild it with `tusz-guard build-cache`") from None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return {k: (list(v) if isinstance(v, (tuple, Floats)) else v) for k, v in asdict(self).items()}


_OPTIONAL_FIELDS = {"schema", "labels_source_size", "labels_source_mtime_ns", "labels_source_sha256",
                    "signal_sha256", "labels_sha256"}
_TUPLE_FIELDS = {"interpolated": str, "mean": float, "std": float}
_SCALAR_FIELDS = {"labels_source_size": int, "labels_source_mtime_ns": int, "source_size": int, "source_mtime_ns": int,
                  "n_channels": int, "n_samples": int,
                  "sampling_rate": int, "seizure_samples": int, "nonfinite": int, "signal_bytes": int,
                  "labels_bytes": int, "min": float, "max": float, "build_seconds": float}


@lru_cache(maxsize=1)
def _entry_kinds() -> tuple[tuple[str, type | None], ...]:
    """(field, the exact type a JSON value may keep unconverted) per EntryMeta field, in field order."""
    return tuple((f.name, None if f.name in _TUPLE_FIELDS else _SCALAR_FIELDS.get(f.name, str))
                 for f in fields(EntryMeta))


def _coerce(name: str, value: Any) -> Any:
    if value is None and name in _OPTIONAL_FIELDS:
        return None
    if name in _TUPLE_FIELDS:
        if not isinstance(value, list):
            raise ValueError(f"{name} must be a list")
        kind = _TUPLE_FIELDS[name]
        return Floats(value) if kind is float else tuple(map(kind, value))
    if name in _SCALAR_FIELDS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{name} must be a number")
        if _SCALAR_FIELDS[name] is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(f"{name} must be an integer")
        return _SCALAR_FIELDS[name](value)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


@dataclass(frozen=True)
class CacheMeta:
    """The cache metadata file tusz-guard-cache.json."""

    fingerprint: str
    params: dict[str, Any]
    created_at: str
    created_by: str
    config: str
    data_dir: str
    format_version: int = FORMAT_VERSION
    schema: str = CACHE_SCHEMA
    throughput: dict[str, Any] | None = None     # recording_hours_per_minute, workers, measured_at
    forced: tuple[dict[str, Any], ...] = ()      # one {at, reason} per `build-cache --force`

    @classmethod
    def from_json(cls, data: Any, where: str = META_NAME) -> "CacheMeta":
        """Build from a parsed JSON object; GuardError naming `where` when it is not cache metadata."""
        if not isinstance(data, dict) or data.get("schema") != CACHE_SCHEMA:
            raise GuardError(f"{where} is not tusz-guard cache metadata (schema must be '{CACHE_SCHEMA}')",
                             hint="point data.cache_dir at a tusz-guard cache or an empty directory")
        try:
            known = {f.name for f in fields(cls)}
            values = {k: v for k, v in data.items() if k in known}
            values["forced"] = tuple(values.get("forced") or ())
            meta = cls(**values)
        except TypeError as exc:
            raise GuardError(f"{where}: malformed cache metadata ({exc})",
                             hint="restore the file or rebuild the cache into a new cache_dir") from None
        if not isinstance(meta.fingerprint, str) or not isinstance(meta.params, dict):
            raise GuardError(f"{where}: malformed cache metadata (fingerprint or params has the wrong type)",
                             hint="restore the file or rebuild the cache into a new cache_dir")
        return meta

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict in the documented key order."""
        data = asdict(self)
        data["forced"] = list(self.forced)
        order = ("schema", "format_version", "fingerprint", "params", "created_at", "created_by", "config",
                 "data_dir", "throughput", "forced")
        return {k: data[k] for k in order}


@dataclass(frozen=True)
class IndexFile:
    """The parsed index.json."""

    fingerprint: str
    updated_at: str
    entries: dict[str, EntryMeta] = field(default_factory=dict)


def index_from_json(data: Any, where: str) -> IndexFile:
    """A parsed index.json (from a local file or an object); GuardError naming `where` when it is not one."""
    if not isinstance(data, dict) or data.get("schema") != INDEX_SCHEMA or not isinstance(data.get("entries"), dict):
        raise GuardError(f"{where} is not a tusz-guard cache index (schema must be '{INDEX_SCHEMA}')",
                         hint="run `tusz-guard build-cache` to rebuild the index from the entries")
    entries = {k: EntryMeta.from_json(v, f"{where} [entries.{k}]") for k, v in data["entries"].items()}
    return IndexFile(str(data.get("fingerprint", "")), str(data.get("updated_at", "")), entries)


class CacheStore:
    """One cache directory: reads never lock; writes are atomic (temp + rename), index writes under .lock."""

    def __init__(self, root: Path | str, lock_timeout: float | None = None) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout          # seconds to wait for .lock; None waits (visibly) forever
        self.meta_path = self.root / META_NAME
        self.index_path = self.root / INDEX_NAME
        self.lock_path = self.root / LOCK_NAME
        self.entries_dir = self.root / ENTRIES_NAME

    # ---- reading -------------------------------------------------------------------------------------
    def exists(self) -> bool:
        """True when the directory holds tusz-guard cache metadata."""
        try:
            return self.meta_path.is_file()
        except OSError:        # a name over 255 bytes: pathlib only swallows ENOENT-like errors
            return False

    def read_meta(self) -> CacheMeta | None:
        """The cache metadata, None when absent; GuardError naming the file when it is corrupt."""
        data = _read_json(self.meta_path)
        return None if data is None else CacheMeta.from_json(data, str(self.meta_path))

    def read_index_file(self) -> IndexFile | None:
        """The whole index, None when absent; GuardError naming the file when it is corrupt.

        Memoised while index.json's stat is unchanged (corpus/memo.py: the scan memo's store and rules).
        """
        return _memoised_index(self.index_path, self._parse_index_file)

    def _parse_index_file(self) -> IndexFile | None:
        data = _read_json(self.index_path)
        return None if data is None else index_from_json(data, str(self.index_path))

    def read_index(self) -> dict[str, EntryMeta] | None:
        """Every entry record by key, from index.json; None when there is no index."""
        index = self.read_index_file()
        return None if index is None else index.entries

    def list_entries(self) -> list[str]:
        """Keys of complete entries (a directory holding meta.json), sorted; opens no entry file."""
        # os.path.isfile answers False for a mode-000 folder; Path.is_file raises PermissionError
        return sorted(n for n in self._entry_dirs() if os.path.isfile(self.entries_dir / n / ENTRY_META_NAME))

    def list_temp(self) -> list[str]:
        """Leftover temporary names (entries/.tmp-*, .tmp-* at the root), relative to the cache root.

        Builder markers (.tmp-builder-<pid>-<token>) are bookkeeping, not leftovers: not listed.
        """
        return [n for n in self._temp_names() if not is_marker(n)]

    def _temp_names(self) -> list[str]:
        found = [n for n in _names(self.root) if n.startswith(TEMP_PREFIX)]
        found += [f"{ENTRIES_NAME}/{n}" for n in _names(self.entries_dir) if n.startswith(TEMP_PREFIX)]
        return sorted(found)

    def list_foreign(self) -> list[str]:
        """Paths (relative to the cache root) that tusz-guard did not make; never touched by the builder."""
        found = [n for n in _names(self.root) if n not in ROOT_FILES and not n.startswith(TEMP_PREFIX)]
        if self.entries_dir.exists() and not self.entries_dir.is_dir():
            return sorted(found + [ENTRIES_NAME])
        for name in self._entry_dirs(include_files=True):
            path = self.entries_dir / name
            if not path.is_dir() or path.is_symlink():     # a linked entry is someone else's: never followed
                found.append(f"{ENTRIES_NAME}/{name}")
                continue
            inner = _names(path)
            if ENTRY_META_NAME not in inner:
                found.append(f"{ENTRIES_NAME}/{name}")
            else:
                found += [f"{ENTRIES_NAME}/{name}/{n}" for n in inner if n not in ENTRY_FILES]
        return sorted(found)

    def read_entry_meta(self, key: str) -> EntryMeta:
        """The meta.json of one entry; GuardError naming the file when absent or corrupt."""
        path = self.entry_dir(key) / ENTRY_META_NAME
        data = _read_json(path)
        if data is None:
            raise GuardError(f"{path} does not exist", hint="build the entry with `tusz-guard build-cache`")
        return EntryMeta.from_json(data, str(path))

    def reconciled_entries(self) -> dict[str, EntryMeta]:
        """The index corrected by the disk (read-only): drops vanished keys, reads unindexed meta.json."""
        try:
            index = self.read_index() or {}
        except GuardError:
            index = {}
        return reconcile(index, self.list_entries(), self.read_entry_meta)

    def scan_entries(self) -> dict[str, EntryMeta]:
        """Every complete entry's meta.json (reads each one; the index exists to avoid this)."""
        return {key: self.read_entry_meta(key) for key in self.list_entries()}

    def entry_dir(self, key: str) -> Path:
        return self.entries_dir / key

    def signal_path(self, key: str) -> Path:
        return self.entries_dir / key / SIGNAL_NAME

    def labels_path(self, key: str) -> Path:
        return self.entries_dir / key / LABELS_NAME

    def load_signal(self, key: str, mmap: bool = True) -> np.ndarray:
        """The (19, n_samples) signal, memory-mapped read-only by default."""
        return _load_npy(self.signal_path(key), mmap)

    def load_labels(self, key: str, mmap: bool = True) -> np.ndarray:
        """The (n_samples,) uint8 labels, memory-mapped read-only by default."""
        return _load_npy(self.labels_path(key), mmap)

    def foreign_reason(self, key: str) -> str:
        """Why entries/<key> is not an entry the builder may replace, naming the file."""
        path = self.entry_dir(key)
        meta = path / ENTRY_META_NAME
        if path.is_symlink():
            return f"entries/{key} is a symlink (foreign); not touched"
        if not path.is_dir():
            return f"entries/{key} is a file, not an entry folder (foreign); not touched"
        if not os.access(path, os.R_OK | os.X_OK):
            return f"entries/{key} cannot be read (permission denied); fix its permissions"
        if not os.path.lexists(meta):
            return f"entries/{key} exists without {ENTRY_META_NAME} and is not a tusz-guard entry; not touched"
        if meta.is_symlink() or not os.path.isfile(meta):
            return f"entries/{key}/{ENTRY_META_NAME} is not a regular file (foreign); not touched"
        return f"entries/{key}/{ENTRY_META_NAME} is not a tusz-guard entry record (foreign); not touched"

    def is_own_entry(self, key: str) -> bool:
        """True when entries/<key> is a real folder whose meta.json carries the tusz-guard entry schema."""
        if self.entry_dir(key).is_symlink():
            return False
        try:
            return self.read_entry_meta(key).schema == ENTRY_SCHEMA
        except GuardError:
            return False

    # ---- writing -------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, shared: bool = False) -> Iterator[None]:
        """An advisory lock on <root>/.lock (fcntl.flock), released on exit.

        Exclusive for writers (the index); shared for readers that need a stable cache (pack). A reader never
        creates the lock file: without one, no builder has ever held the cache. A held lock is waited for with a
        message naming its holder; past lock_timeout seconds, GuardError (exit 1).
        """
        from tusz_guard.cache.locking import held

        if shared and not os.path.lexists(self.lock_path):
            yield
            return
        if not shared:
            self.root.mkdir(parents=True, exist_ok=True)
        with held(self.lock_path, shared=shared, timeout=self.lock_timeout):
            yield

    def create_meta(self, meta: CacheMeta) -> CacheMeta:
        """Write the metadata if none exists (atomic, first writer wins); return what is on disk."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._temp_file_path(META_NAME)
        try:
            _write_json(tmp, meta.to_json())
            try:
                os.link(tmp, self.meta_path)      # fails when another builder created it first
            except FileExistsError:
                pass
        finally:
            _unlink(tmp)
        existing = self.read_meta()
        assert existing is not None
        return existing

    def update_meta(self, **changes: Any) -> CacheMeta:
        """Read-modify-write the metadata under the lock (throughput, forced)."""
        with self.lock():
            meta = self.read_meta()
            if meta is None:
                raise GuardError(f"{self.meta_path} does not exist", hint="run `tusz-guard build-cache` first")
            meta = replace(meta, **changes)
            self._replace_file(self.meta_path, meta.to_json())
            return meta

    def write_entry(self, key: str, signal: np.ndarray, labels: np.ndarray, meta: EntryMeta,
                    replace_existing: bool = False, damaged: bool = False) -> tuple[WriteOutcome, EntryMeta]:
        """Write one entry into entries/.tmp-* and rename it into place; never touches a foreign entry.

        damaged=True (`build-cache --rebuild KEY`) also replaces an entry whose meta.json no longer parses, as long
        as the folder holds nothing but entry files.
        """
        self.entries_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.entries_dir / temp_name(self.root, key)
        try:
            tmp.mkdir()
            meta = self._fill_temp(tmp, signal, labels, meta)
            outcome = self._move_into_place(tmp, key, replace_existing, damaged)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return outcome, meta

    def write_index(self, entries: Mapping[str, EntryMeta], fingerprint: str) -> None:
        """Rewrite index.json atomically (temp + os.replace) under the lock."""
        with self.lock():
            self._write_index_unlocked(entries, fingerprint)

    def sync_index(self, fingerprint: str, updated: Mapping[str, EntryMeta] | None = None) -> dict[str, EntryMeta]:
        """Merge records into the index and reconcile it with the complete entries on disk, under the lock."""
        with self.lock():
            try:
                current = self.read_index() or {}
            except GuardError:
                current = {}       # a corrupt index is rebuilt from the entries' meta.json
            on_disk = set(self.list_entries())
            merged = {k: v for k, v in current.items() if k in on_disk}
            merged.update({k: v for k, v in (updated or {}).items() if k in on_disk})
            for key in sorted(on_disk - set(merged)):
                merged[key] = self.read_entry_meta(key)
            self._write_index_unlocked(merged, fingerprint)
            return merged

    def rebuild_index(self, fingerprint: str) -> dict[str, EntryMeta]:
        """Rewrite the index from every entry's meta.json, under the lock."""
        with self.lock():
            entries = self.scan_entries()
            self._write_index_unlocked(entries, fingerprint)
            return entries

    def remove_dead_temps(self) -> list[str]:
        """Remove temps (and then markers) left by tusz-guard builders of this host that no longer run.

        A name that only looks temporary is never touched: it needs the builder's marker (tusz_guard.cache.temps).
        """
        removed = []
        names = self._temp_names()
        for name in [n for n in names if not is_marker(n)] + [n for n in names if is_marker(n)]:
            found = owner(name)
            if found is not None and builder_gone(self.root, *found):
                path = self.root / name
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() and not path.is_symlink() else _unlink(path)
                if not is_marker(name):
                    removed.append(name)
        return removed

    def release_temps(self) -> None:
        """End of a build: remove what finished workers left (their markers) and this process's own marker."""
        from tusz_guard.cache.temps import release_marker

        self.remove_dead_temps()
        release_marker(self.root)

    # ---- internals -----------------------------------------------------------------------------------
    def _entry_layout(self, key: str) -> bool:
        """A real folder holding only entry file names (what a damaged entry of ours looks like)."""
        path = self.entry_dir(key)
        return path.is_dir() and not path.is_symlink() and set(_names(path)) <= ENTRY_FILES

    def _entry_dirs(self, include_files: bool = False) -> list[str]:
        try:
            with os.scandir(self.entries_dir) as it:
                return [e.name for e in it if not e.name.startswith(TEMP_PREFIX)
                        and (include_files or e.is_dir(follow_symlinks=False))]
        except OSError:        # absent, a file, a symlink loop, unreadable: no entries
            return []

    def _fill_temp(self, tmp: Path, signal: np.ndarray, labels: np.ndarray, meta: EntryMeta) -> EntryMeta:
        signal_sum = _save_npy(tmp / SIGNAL_NAME, signal)
        labels_sum = _save_npy(tmp / LABELS_NAME, labels)
        meta = replace(meta, signal_bytes=(tmp / SIGNAL_NAME).stat().st_size,
                       labels_bytes=(tmp / LABELS_NAME).stat().st_size,
                       signal_sha256=signal_sum, labels_sha256=labels_sum)
        _write_json(tmp / ENTRY_META_NAME, meta.to_json())     # last: its presence marks a complete entry
        return meta

    def _move_into_place(self, tmp: Path, key: str, replace_existing: bool, damaged: bool = False) -> WriteOutcome:
        final = self.entry_dir(key)
        try:
            os.rename(tmp, final)                  # atomic; fails when a non-empty directory is there
            return "written"
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise
        if not (self.is_own_entry(key) or (damaged and self._entry_layout(key))):
            return "foreign"
        if not replace_existing:
            return "exists"
        with self.lock():                           # one replacement at a time; the entry is briefly absent
            old = self.entries_dir / temp_name(self.root, key, "-old")
            os.rename(final, old)
            os.rename(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        return "replaced"

    def _write_index_unlocked(self, entries: Mapping[str, EntryMeta], fingerprint: str) -> None:
        doc = {"schema": INDEX_SCHEMA, "fingerprint": fingerprint, "updated_at": utc_now(),
               "entries": {k: entries[k].to_json() for k in sorted(entries)}}
        self._replace_file(self.index_path, doc)

    def _replace_file(self, path: Path, doc: Any) -> None:
        tmp = self._temp_file_path(path.name)
        try:
            _write_json(tmp, doc)
            os.replace(tmp, path)
        finally:
            _unlink(tmp)

    def _temp_file_path(self, name: str) -> Path:
        return self.root / temp_name(self.root, name)


# ---- what a reader can use ----------------------------------------------------------------------------
def reconcile(index: Mapping[str, EntryMeta] | None, on_disk: Iterable[str],
              read_meta: Callable[[str], EntryMeta]) -> dict[str, EntryMeta]:
    """The entries a reader can use: index records of entries present on disk, meta.json of unindexed ones.

    The one definition of "what the cache holds" for check, build-cache, pack and train: an index record
    whose directory vanished is not an entry, and an entry the index misses still is one.
    """
    index = index or {}
    return {k: index[k] if k in index else read_meta(k) for k in on_disk}


# ---- index verification (tiers: key set, freshness, then records) -----------------------------------------
def verify_index(store: CacheStore, deep: bool = False) -> list[IndexProblem]:
    """cache.index_rules over this directory (what pack refuses on); deep=True also reads every meta.json."""
    index_file = store.read_index_file()
    meta = store.read_meta()
    on_disk = frozenset(store.list_entries())
    newer: frozenset[str] | None = None
    if index_file is not None:
        index_mtime = store.index_path.stat().st_mtime_ns
        newer = frozenset(k for k in on_disk & set(index_file.entries)
                          if (store.entry_dir(k) / ENTRY_META_NAME).stat().st_mtime_ns > index_mtime)
    facts = IndexFacts(where=str(store.root), index=None if index_file is None else index_file.entries,
                       complete=on_disk, index_present=index_file is not None,
                       index_fingerprint=None if index_file is None else index_file.fingerprint,
                       cache_fingerprint=None if meta is None else meta.fingerprint, meta_newer=newer,
                       records={k: store.read_entry_meta(k) for k in sorted(on_disk)} if deep else {})
    return index_problems(facts)


# ---- file helpers -------------------------------------------------------------------------------------
def _names(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as it:
            return [e.name for e in it]
    except OSError:            # absent, a file, a symlink loop, unreadable: nothing to list
        return []


INDEX_MEMO_VERSION = 2      # 2: mean and std as packed float64 bytes


def _memoised_index(path: Path, parse: Callable[[], IndexFile | None]) -> IndexFile | None:
    """parse(), or the index parsed last time when index.json has the same stat (and is not racy)."""
    from tusz_guard.corpus import memo

    if not memo.SETTINGS.memo:
        return parse()
    started = memo.now_ns()
    try:
        key = memo.stat_key(os.stat(path))
    except OSError:
        return parse()       # absent or unreadable: parse() says which
    real = os.path.realpath(path)
    names = tuple(f.name for f in fields(EntryMeta))
    identity = f"{real}\0{INDEX_SCHEMA}\0{INDEX_MEMO_VERSION}\0{','.join(names)}"
    where = memo.memo_file("index-", real)
    try:       # the head is (stat key, fingerprint, updated_at); the items (entry key, row), built frame by frame
        got = memo.read_memo(where, identity, _item_of_row,
                             lambda head: isinstance(head, tuple) and len(head) == 3 and head[0] == key)
        if got is not None:
            return IndexFile(got[0][1], got[0][2], dict(got[1]))
    except (TypeError, ValueError, IndexError):           # a damaged memo: parse again
        pass
    index = parse()
    if index is not None and not memo.is_racy(key, started):
        seen: dict[str, str] = {}
        rows = [(k, memo.share(_row_of_entry(e, names), seen)) for k, e in index.entries.items()]
        memo.write_memo(where, identity, (key, index.fingerprint, index.updated_at), rows)
    return index


_MEAN, _STD = (next(i for i, f in enumerate(fields(EntryMeta)) if f.name == name) for name in ("mean", "std"))


def _row_of_entry(e: EntryMeta, names: tuple[str, ...]) -> tuple[Any, ...]:
    """An entry as marshal's plain values: its mean and std as their packed bytes."""
    row = [getattr(e, n) for n in names]
    row[_MEAN], row[_STD] = e.mean.packed, e.std.packed
    return tuple(row)


def _item_of_row(item: tuple[str, tuple[Any, ...]]) -> tuple[str, EntryMeta]:
    key, values = item
    row = list(values)
    row[_MEAN], row[_STD] = Floats.from_bytes(row[_MEAN]), Floats.from_bytes(row[_STD])
    return key, EntryMeta(*row)


def _read_json(path: Path) -> Any:
    """A cache JSON file, None when absent: opened as a regular file (a FIFO must not hang), parsed with limits."""
    try:
        f, st = open_regular_stat(str(path))
        with f:
            # a read of MAX_BYTES + 1 would allocate that much for every meta.json: read what fstat says is there
            # (and one byte more, so a file grown meanwhile still reaches the limit check)
            data = f.read(min(st.st_size, MAX_BYTES) + 1)
            if len(data) > st.st_size and len(data) <= MAX_BYTES:
                data += f.read(MAX_BYTES + 1 - len(data))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GuardError(f"{path}: cannot read ({_read_reason(exc)})", hint=_READ_FIXES.get(
            exc.errno or 0, "remove or restore the file (a cache file must be a regular file)")) from None
    text = _utf8(data, str(path))
    del data         # not held while parsing: at corpus scale index.json is 83 MB as bytes and again as text
    return json_from_bytes(text, str(path))


def json_from_bytes(data: bytes | str, path: str) -> Any:
    """A cache JSON file's bytes (or their text) parsed with limits; GuardError naming `path` when not JSON."""
    text = _utf8(data, path) if isinstance(data, bytes) else data
    try:
        return loads_bounded(text)
    except JsonLimitError as exc:
        raise GuardError(f"{path}: refused: {exc}", hint="restore the file, or rebuild with "
                         "`tusz-guard build-cache`") from None
    except json.JSONDecodeError as exc:
        raise GuardError(f"{path}: corrupt JSON at line {exc.lineno}, column {exc.colno}",
                         hint="restore the file, or rebuild with `tusz-guard build-cache`") from None


def _utf8(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise GuardError(f"{path}: cannot read (not UTF-8)", hint="restore the file, or rebuild with "
                         "`tusz-guard build-cache`") from None


_READ_FIXES = {
    errno.ELOOP: "the path runs into a symlink loop; fix the link or set data.cache_dir to a real folder",
    errno.ENAMETOOLONG: "a folder name in the path is longer than the filesystem allows (255 bytes); shorten it",
    errno.EACCES: "fix the permissions of the cache folder and its files",
}


def _read_reason(exc: OSError) -> str:
    """Why a cache file could not be opened, in words ('not a regular file (FIFO ...)', 'Permission denied')."""
    return exc.strerror or exc.__class__.__name__


def _write_json(path: Path, doc: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def _save_npy(path: Path, array: np.ndarray) -> str:
    """Write the .npy bytes np.save writes, hashing them on the way out; return their sha256 (no second read)."""
    import numpy as np
    from numpy.lib import format as npy

    array = np.ascontiguousarray(array)
    if array.dtype.hasobject:
        raise ValueError("Object arrays cannot be saved when allow_pickle=False")    # np.save's refusal
    digest = hashlib.new(CHECKSUM)
    with open(path, "wb") as f:
        try:
            out = _HashingWriter(f, digest)
            npy.write_array_header_1_0(out, npy.header_data_from_array_1_0(array))
            flat = array.reshape(-1).view(np.uint8)
            for start in range(0, flat.size, WRITE_CHUNK):
                out.write(flat[start:start + WRITE_CHUNK])
            f.flush()
        except OSError as exc:
            if exc.errno is None:     # a short write reported bare (as ndarray.tofile does): the disk is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
            raise
    return digest.hexdigest()


class _HashingWriter:
    """A binary file that feeds every byte written to it into a hash."""

    def __init__(self, f: Any, digest: Any) -> None:
        self._f, self._digest = f, digest

    def write(self, data: Any) -> int:
        self._digest.update(data)
        return int(self._f.write(data))


def _load_npy(path: Path, mmap: bool, kinds: str = "fiub") -> np.ndarray:
    """One entry array; GuardError naming the file when it is absent, not a regular file, truncated or not numeric."""
    import numpy as np

    try:
        with open_regular(str(path)):      # np.load opens by name: a FIFO would block it forever
            pass
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise GuardError(f"{path} does not exist", hint=_NPY_HINT) from None
    except EOFError:                       # an empty .npy: NumPy raises EOFError, which click turns into Abort
        raise GuardError(f"{path}: unreadable array (empty file)", hint=_NPY_HINT) from None
    except (ValueError, OSError) as exc:
        reason = _read_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise GuardError(f"{path}: unreadable array ({reason})", hint=_NPY_HINT) from None
    return _numeric(array, path, kinds)


_NPY_HINT = "rebuild the entry with `tusz-guard build-cache --rebuild-damaged`"


def array_from_bytes(data: bytes, where: str, kinds: str = "fiub") -> np.ndarray:
    """One entry array from the bytes of its .npy (an object read remotely); GuardError naming `where`."""
    import io

    import numpy as np

    if not data:
        raise GuardError(f"{where}: unreadable array (empty file)", hint=_NPY_HINT)
    head = io.BytesIO(data)
    try:          # the header first: np.load would allocate whatever shape it declares before reading a byte
        version = np.lib.format.read_magic(head)
        shape, fortran, dtype = (np.lib.format.read_array_header_1_0(head) if version == (1, 0)
                                 else np.lib.format.read_array_header_2_0(head))
    except (ValueError, OSError, EOFError) as exc:
        raise GuardError(f"{where}: unreadable array ({exc})", hint=_NPY_HINT) from None
    if dtype.hasobject:
        raise GuardError(f"{where}: unreadable array (an object array: never unpickled)", hint=_NPY_HINT)
    offset = head.tell()
    want = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize      # float: a huge declared shape cannot overflow
    if want != len(data) - offset:
        raise GuardError(f"{where}: unreadable array (its header declares {shape}: {want:,.0f} bytes, the object "
                         f"holds {len(data) - offset:,})", hint=_NPY_HINT)
    array = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=offset)   # no copy
    return _numeric(array.reshape(shape, order="F" if fortran else "C"), where, kinds)


def _numeric(array: Any, path: Path | str, kinds: str) -> np.ndarray:
    import numpy as np

    hint = _NPY_HINT
    if not isinstance(array, np.ndarray) or array.dtype.kind not in kinds:
        raise GuardError(f"{path}: unreadable array (dtype {getattr(array, 'dtype', '?')} is not numeric)",
                         hint=hint)
    return array


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
