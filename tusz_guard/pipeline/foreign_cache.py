"""A foreign NPZ cache as read from disk: entry files per split folder, their array headers, index, manifest, stamp.

Read only: nothing here writes into or deletes from a foreign cache (`tusz-guard stamp` is the one writer).
"""
from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tusz_guard.pipeline.npz import ArrayHeader, NpzError, read_npz_headers
from tusz_guard.pipeline.profile import Profile
from tusz_guard.pipeline.template import split_path

JSON_MAX = 256 * 1024 * 1024     # an index of 7,364 names is ~1 MB; anything far larger is not one


@dataclass(frozen=True)
class NpzEntry:
    """One entry file: where, its stat, and (unless listing only) the array headers inside it."""

    rel: str                                  # relative to the cache root, posix
    folder: str                               # the split folder it sits in ("train", "dev")
    stem: str
    size: int
    mtime_ns: int
    arrays: dict[str, ArrayHeader] | None = None
    error: str | None = None


@dataclass(frozen=True)
class IndexFile:
    """{split}/_dataset_index.json: {"files": [...], "window_counts": [...]}."""

    rel: str
    exists: bool
    stems: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    mtime_ns: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class ManifestFile:
    """{split}/manifest.json: window class -> [{"cache_file", "window_idx"}]."""

    rel: str
    exists: bool
    items: tuple[tuple[str, str, int], ...] = ()     # (class, cache_file, window_idx)
    mtime_ns: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class EntryValues:
    """One entry's values, read with --deep (np.load, allow_pickle=False)."""

    rel: str
    nonfinite: int = 0
    flat_channels: tuple[int, ...] = ()
    bad_labels: int = 0                       # label values outside {0, 1}
    seizure_per_window: tuple[int, ...] | None = None
    error: str | None = None


@dataclass(frozen=True)
class ForeignCache:
    """Everything a check needs about one foreign cache directory."""

    root: Path
    folders: dict[str, str]                   # role -> split folder
    entries: dict[str, dict[str, NpzEntry]]   # split folder -> stem -> entry
    unmatched: tuple[str, ...] = ()           # files in the entry folders the template does not describe
    indexes: dict[str, IndexFile] = field(default_factory=dict)
    manifests: dict[str, ManifestFile] = field(default_factory=dict)
    stamp: dict[str, Any] | None = None
    stamp_error: str | None = None
    values: dict[str, EntryValues] | None = None       # only with --deep

    def all_entries(self) -> list[NpzEntry]:
        return [e for folder in self.entries.values() for e in folder.values()]


def read_foreign_cache(root: Path, profile: Profile, *, headers: bool = True, deep: bool = False) -> ForeignCache:
    """List the entries of every role folder (reading their headers unless `headers` is False)."""
    cache = profile.cache
    template = profile.template
    known = {split_path(t, f).rsplit("/", 1)[-1] for t in (cache.index, cache.manifest) if t
             for f in cache.splits.values()}
    # without {split} in the template every role reads one folder
    folders: dict[str, str] = {str(role): folder for role, folder in cache.splits.items()} if "{split}" in template.text \
        else {str(role): "" for role in cache.splits}
    entries: dict[str, dict[str, NpzEntry]] = {}
    unmatched: list[str] = []
    for folder in dict.fromkeys(folders.values()):
        sub = template.folder(folder)
        found: dict[str, NpzEntry] = {}
        for item in _scan(root / sub):
            stem = template.stem_of(item.name)
            rel = f"{sub}/{item.name}" if sub else item.name
            if stem is None:
                if item.name not in known and not item.name.startswith("."):
                    unmatched.append(rel)
                continue
            st = item.stat()
            found[stem] = _entry(root, rel, folder, stem, st.st_size, st.st_mtime_ns, headers)
        entries[folder] = found
    view = ForeignCache(root=root, folders=folders, entries=entries, unmatched=tuple(sorted(unmatched)),
                        indexes={f: read_index(root, split_path(cache.index, f)) for f in entries} if cache.index else {},
                        manifests={f: read_manifest(root, split_path(cache.manifest, f)) for f in entries}
                        if cache.manifest else {}, **_stamp(root / cache.stamp))
    if deep:
        from dataclasses import replace

        view = replace(view, values={e.rel: read_values(root / e.rel, e.rel, profile) for e in view.all_entries()
                                     if e.error is None})
    return view


def _scan(folder: Path) -> list[os.DirEntry]:
    try:
        return sorted((e for e in os.scandir(folder) if e.is_file(follow_symlinks=True)), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _entry(root: Path, rel: str, folder: str, stem: str, size: int, mtime: int, headers: bool) -> NpzEntry:
    if not headers:
        return NpzEntry(rel, folder, stem, size, mtime)
    try:
        return NpzEntry(rel, folder, stem, size, mtime, arrays=read_npz_headers(root / rel))
    except NpzError as exc:
        return NpzEntry(rel, folder, stem, size, mtime, error=str(exc))


def _json(path: Path) -> tuple[Any, int | None, str | None]:
    """(document, mtime_ns, error) of a small JSON file; document None when absent."""
    try:
        st = path.stat()
        if st.st_size > JSON_MAX:
            return None, st.st_mtime_ns, f"{path.name} is {st.st_size:,} bytes, too large to be an index"
        return json.loads(path.read_text(encoding="utf-8")), st.st_mtime_ns, None
    except FileNotFoundError:
        return None, None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, f"cannot read {path.name}: {exc.__class__.__name__}"
    except (ValueError, RecursionError):
        return None, None, f"{path.name} is not valid JSON"


def read_index(root: Path, rel: str) -> IndexFile:
    doc, mtime, error = _json(root / rel)
    if error or doc is None:
        return IndexFile(rel, exists=mtime is not None or error is not None, mtime_ns=mtime, error=error)
    files, counts = (doc.get("files"), doc.get("window_counts")) if isinstance(doc, dict) else (None, None)
    if not isinstance(files, list) or not isinstance(counts, list) or not all(isinstance(f, str) for f in files) \
            or not all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        return IndexFile(rel, True, mtime_ns=mtime,
                         error=f"{rel} is not {{\"files\": [paths], \"window_counts\": [integers]}}")
    return IndexFile(rel, True, tuple(_stem(f) for f in files), tuple(counts), mtime)


def _stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]


def read_manifest(root: Path, rel: str) -> ManifestFile:
    doc, mtime, error = _json(root / rel)
    if error or doc is None:
        return ManifestFile(rel, exists=mtime is not None or error is not None, mtime_ns=mtime, error=error)
    items = []
    ok = isinstance(doc, dict)
    for cls, rows in (doc.items() if ok else ()):
        ok = ok and isinstance(rows, list)
        for row in rows if isinstance(rows, list) else ():
            good = isinstance(row, dict) and isinstance(row.get("cache_file"), str) \
                and isinstance(row.get("window_idx"), int) and not isinstance(row.get("window_idx"), bool)
            ok = ok and good
            if good:
                items.append((str(cls), row["cache_file"], row["window_idx"]))
    if not ok:
        return ManifestFile(rel, True, mtime_ns=mtime, error=f"{rel} is not {{class: [{{\"cache_file\", "
                            "\"window_idx\"}]}}")
    return ManifestFile(rel, True, tuple(items), mtime)


def _stamp(path: Path) -> dict[str, Any]:
    doc, mtime, error = _json(path)
    if error:
        return {"stamp": None, "stamp_error": error}
    if doc is not None and not (isinstance(doc, dict) and isinstance(doc.get("entries"), dict)
                                and isinstance(doc.get("content"), dict)):
        return {"stamp": None, "stamp_error": f"{path.name} is not a tusz-guard stamp"}
    return {"stamp": doc, "stamp_error": None}


def read_values(path: Path, rel: str, profile: Profile) -> EntryValues:
    """Load one NPZ's arrays (never pickled objects) and summarise: finite, flat channels, 0/1 labels."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as npz:
            windows = np.asarray(npz[profile.cache.windows_array])
            labels_name = profile.cache.labels_array
            labels = np.asarray(npz[labels_name]) if labels_name and labels_name in npz.files else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        return EntryValues(rel, error=f"{rel}: cannot load ({exc.__class__.__name__}: {str(exc)[:80]})")
    finite = np.isfinite(windows)
    flat: tuple[int, ...] = ()
    if windows.ndim == 3 and windows.size:
        clean = np.where(finite, windows, 0)
        spread = clean.max(axis=(0, 2)) - clean.min(axis=(0, 2))
        flat = tuple(int(i) for i in np.flatnonzero(spread == 0))
    out = EntryValues(rel, nonfinite=int(windows.size - np.count_nonzero(finite)), flat_channels=flat)
    if labels is None:
        return out
    from dataclasses import replace

    bad = int(np.count_nonzero((labels != 0) & (labels != 1)))
    per = tuple(int(x) for x in np.count_nonzero(labels == 1, axis=-1).reshape(-1)) if labels.ndim == 2 else None
    return replace(out, bad_labels=bad, seizure_per_window=per)
