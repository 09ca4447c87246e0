"""A cache on object storage (`data.cache_dir: s3://...`) as the checks see it: the same CacheView as a local one.

Reads: one recursive listing (sizes of every object), tusz-guard-cache.json and index.json, and the meta.json of
entries the index does not list (normally none): O(index files) + listing pages, never O(entries). With --deep,
every entry's three objects are read whole on a bounded pool and summarised like a local entry.

Mtimes do not survive an upload (upload order is not build order), so the view has no index mtime and
cache.index does not apply the index-newer-than-entries rule; it says so.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from tusz_guard.cache.store import (
    ENTRIES_NAME,
    ENTRY_FILES,
    ENTRY_META_NAME,
    INDEX_NAME,
    LABELS_NAME,
    META_NAME,
    ROOT_FILES,
    SIGNAL_NAME,
    TEMP_PREFIX,
    CacheMeta,
    EntryMeta,
    array_from_bytes,
    index_from_json,
    json_from_bytes,
)
from tusz_guard.cache.temps import is_marker
from tusz_guard.checks.snapshot import CacheView, EntryFiles, EntryScan, summarise_entry, try_read, usable_entries
from tusz_guard.errors import GuardError
from tusz_guard.storage.location import Location
from tusz_guard.storage.remote import filesystem, list_files, read_listed, read_small

DEEP_WORKERS = 4        # entries read at once with --deep: memory is about this many entries' arrays


def read_remote_cache(loc: Location, root: Path, shown: str, *, deep: bool = False,
                      used_by: tuple[str, ...] = ()) -> CacheView:
    """Metadata, index and listing of a cache at a URL; a storage failure is the view's one error line."""
    base = CacheView(root=root, shown=shown, exists=False, dir_exists=False, used_by=used_by, url=loc.shown)
    try:
        fs = filesystem(loc)
        found = list_files(fs, loc)
    except GuardError as exc:       # a missing bucket, no credentials, no connection: cache.fingerprint names it
        return replace(base, dir_exists=True, errors=(str(exc),))
    if not found:
        return base
    errors: list[str] = []
    meta = try_read(lambda: _meta(fs, loc) if META_NAME in found else None, errors)
    index_file = try_read(lambda: _index(fs, loc) if INDEX_NAME in found else None, errors)
    files, temp, foreign = classify(found)
    index = None if index_file is None else index_file.entries
    usable = usable_entries(index, files, lambda k: entry_meta(fs, loc, k), errors)
    view = replace(base, exists=META_NAME in found, dir_exists=True, meta=meta, index=index, usable=usable,
                   index_fingerprint=None if index_file is None else index_file.fingerprint, files=files,
                   temp=temp, foreign=foreign, errors=tuple(errors))
    return replace(view, scans=scan_remote(fs, loc, files)) if deep else view


def _json(fs: Any, loc: Location) -> Any:
    data = read_small(fs, loc)
    if data is None:
        raise GuardError(f"{loc.shown} does not exist", hint="build the entry with `tusz-guard build-cache` and sync it")
    return json_from_bytes(data, loc.shown)


def _meta(fs: Any, loc: Location) -> CacheMeta:
    where = loc.join(META_NAME)
    return CacheMeta.from_json(_json(fs, where), where.shown)


def _index(fs: Any, loc: Location) -> Any:
    where = loc.join(INDEX_NAME)
    return index_from_json(_json(fs, where), where.shown)


def entry_meta(fs: Any, loc: Location, key: str) -> EntryMeta:
    """The meta.json object of one entry."""
    where = loc.join(ENTRIES_NAME, key, ENTRY_META_NAME)
    return EntryMeta.from_json(_json(fs, where), where.shown)


def classify(found: dict[str, int]) -> tuple[dict[str, EntryFiles], tuple[str, ...], tuple[str, ...]]:
    """Complete entries with their sizes, leftover temporaries and foreign paths, from the listing alone.

    The rules of the local listing (checks/snapshot._list_entries): an entry is entries/<key>/ holding meta.json;
    anything else tusz-guard did not make is foreign. Object stores have no folders, only keys below a prefix.
    """
    by_entry: dict[str, dict[str, int]] = defaultdict(dict)
    temp, foreign = set(), set()
    for rel, size in found.items():
        top, _, rest = rel.partition("/")
        if top.startswith(TEMP_PREFIX):
            temp.add(top)
        elif top != ENTRIES_NAME:
            if top not in ROOT_FILES or rest:
                foreign.add(top)
        elif not rest or "/" not in rest:
            foreign.add(rel)                           # a file directly under entries/
        else:
            key, _, name = rest.partition("/")
            if key.startswith(TEMP_PREFIX):
                temp.add(f"{ENTRIES_NAME}/{key}")
            else:
                by_entry[key][name] = size
    files: dict[str, EntryFiles] = {}
    for key, names in by_entry.items():
        if ENTRY_META_NAME not in names:
            foreign.add(f"{ENTRIES_NAME}/{key}")
            continue
        foreign.update(f"{ENTRIES_NAME}/{key}/{n.split('/')[0]}" for n in names if n not in ENTRY_FILES)
        files[key] = EntryFiles(meta_mtime_ns=0, signal_size=names.get(SIGNAL_NAME), labels_size=names.get(LABELS_NAME))
    return files, tuple(sorted(t for t in temp if not is_marker(t.rsplit("/", 1)[-1]))), tuple(sorted(foreign))


def scan_remote(fs: Any, loc: Location, files: dict[str, EntryFiles], workers: int = DEEP_WORKERS) -> dict[str, EntryScan]:
    """--deep on object storage: each entry's objects read whole (one GET each), DEEP_WORKERS entries at a time."""
    keys = sorted(files)
    with ThreadPoolExecutor(max(1, min(workers, len(keys) or 1))) as pool:
        return dict(zip(keys, pool.map(lambda k: scan_entry(fs, loc, k, files[k]), keys), strict=True))


def scan_entry(fs: Any, loc: Location, key: str, listed: EntryFiles) -> EntryScan:
    """One remote entry read and summarised; any failure is that entry's error, never the cache's."""
    sizes = {SIGNAL_NAME: listed.signal_size, LABELS_NAME: listed.labels_size}
    try:
        disk_meta = entry_meta(fs, loc, key)
        raw = {name: _object(fs, loc.join(ENTRIES_NAME, key, name), size) for name, size in sizes.items()}
        signal = array_from_bytes(raw[SIGNAL_NAME], loc.join(ENTRIES_NAME, key, SIGNAL_NAME).shown)
        labels = array_from_bytes(raw[LABELS_NAME], loc.join(ENTRIES_NAME, key, LABELS_NAME).shown)
    except GuardError as exc:
        return EntryScan(key=key, error=str(exc))
    return summarise_entry(key, disk_meta, signal, labels, hashlib.sha256(raw[SIGNAL_NAME]).hexdigest(),
                           hashlib.sha256(raw[LABELS_NAME]).hexdigest())


def _object(fs: Any, loc: Location, size: int | None) -> bytes:
    """An entry object of its listed size (one ranged GET); GuardError when the listing did not show it."""
    if size is None:
        raise GuardError(f"{loc.shown} does not exist", hint="sync the entry again")
    return read_listed(fs, loc, size)
