"""What a copy of a cache must hold, file by file: from the local cache, or from the copy's own index (--self)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from tusz_guard.cache.store import (
    ENTRY_META_NAME,
    INDEX_NAME,
    LABELS_NAME,
    META_NAME,
    SIGNAL_NAME,
    CacheStore,
    EntryMeta,
    IndexFile,
)
from tusz_guard.errors import GuardError

Kind = Literal["missing", "extra", "truncated", "resized", "changed", "unreadable", "unverified"]
ROOT_JSON = (META_NAME, INDEX_NAME)
IGNORED = frozenset({".lock"})        # the advisory lock file: empty, meaningless in a copy


@dataclass(frozen=True)
class Want:
    """One file the copy must hold: its size and sha256 when known, or the local file to compare with."""

    rel: str
    size: int | None = None
    sha256: str | None = None
    local: Path | None = None
    record: EntryMeta | None = None       # --self: the index record a meta.json must equal


class Problem(NamedTuple):
    """A typed per-file finding (BagIt style): what is wrong with which file of the copy."""

    kind: Kind
    rel: str
    detail: str

    def line(self) -> str:
        return f"{self.rel}: {self.detail}"

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.rel, "detail": self.detail}


def entry_rels(key: str) -> tuple[str, str, str]:
    return (f"entries/{key}/{SIGNAL_NAME}", f"entries/{key}/{LABELS_NAME}", f"entries/{key}/{ENTRY_META_NAME}")


def source_wants(store: CacheStore) -> list[Want]:
    """Every cache file of the local cache (what `pack` would pack), with local sizes and recorded sums."""
    records = store.reconciled_entries()
    wants = [_local(store.root / name, name) for name in ROOT_JSON if (store.root / name).is_file()]
    for key in store.list_entries():
        sig, lab, meta = entry_rels(key)
        rec = records.get(key)
        wants += [_local(store.signal_path(key), sig, rec.signal_sha256 if rec else None),
                  _local(store.labels_path(key), lab, rec.labels_sha256 if rec else None),
                  _local(store.entry_dir(key) / ENTRY_META_NAME, meta)]
    return wants


def _local(path: Path, rel: str, sha256: str | None = None) -> Want:
    size = path.stat().st_size if path.is_file() else None
    return Want(rel, size, sha256, None if sha256 else path)


def self_wants(index: IndexFile) -> list[Want]:
    """The files a copy's own index promises: sizes and sums of the arrays, meta.json equal to its record."""
    wants = [Want(name) for name in ROOT_JSON]
    for key, rec in sorted(index.entries.items()):
        sig, lab, meta = entry_rels(key)
        wants += [Want(sig, rec.signal_bytes, rec.signal_sha256), Want(lab, rec.labels_bytes, rec.labels_sha256),
                  Want(meta, record=rec)]
    return wants


def listing_problems(wants: list[Want], found: dict[str, int]) -> list[Problem]:
    """Tier 1: every wanted file present at its size, nothing else there."""
    wanted = {w.rel for w in wants}
    out = [p for w in wants if (p := _size_problem(w, found.get(w.rel))) is not None]
    out += [Problem("extra", rel, f"not part of the cache ({found[rel]:,} bytes)")
            for rel in sorted(set(found) - wanted) if rel.rsplit("/", 1)[-1] not in IGNORED]
    return out


def _size_problem(w: Want, size: int | None) -> Problem | None:
    if size is None:
        return Problem("missing", w.rel, "missing from the copy")
    if w.size is None or size == w.size:
        return None
    if size < w.size:
        return Problem("truncated", w.rel, f"truncated: {size:,} of {w.size:,} bytes")
    return Problem("resized", w.rel, f"{size:,} bytes, expected {w.size:,}")


def meta_problem(w: Want, data: bytes | None) -> Problem | None:
    """--self: a copied meta.json must parse and equal its index record."""
    if data is None:
        return Problem("missing", w.rel, "missing from the copy")
    try:
        meta = EntryMeta.from_json(json.loads(data), w.rel)
    except (ValueError, GuardError) as exc:      # bad JSON, bad UTF-8, or not an entry record
        return Problem("unreadable", w.rel, f"not an entry record ({str(exc).split(' (')[0]})")
    if meta != w.record:
        return Problem("changed", w.rel, "differs from its record in the copy's index.json")
    return None
