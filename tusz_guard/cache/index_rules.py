"""The one definition of "the index agrees with its cache": used by check, pack, verify-archive and unpack.

Pure: callers gather IndexFacts from a cache directory (cache/store.py, checks/snapshot.py) or from an
archive's members (archive/contents.py) and get the same typed problems back, in tiers: the key set, the
fingerprint, freshness, then the records themselves.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tusz_guard.cache.store import EntryMeta

IndexCode = Literal["index_missing", "index_invalid", "listed_absent", "unlisted", "fingerprint", "meta_newer",
                    "record_differs"]
INDEX_CODES: tuple[IndexCode, ...] = ("index_missing", "index_invalid", "listed_absent", "unlisted", "fingerprint",
                                      "meta_newer", "record_differs")
SHOWN = 3


@dataclass(frozen=True)
class IndexFacts:
    """What a reader found of one cache's index and entries (no opinion yet)."""

    where: str                                       # the cache as shown ("cache/tusz", "cache/tusz/" in an archive)
    index: Mapping[str, EntryMeta] | None            # parsed records; None when there is no usable index
    complete: frozenset[str]                         # keys of complete entries (meta.json present)
    index_present: bool = True                       # an index file exists (even when it did not parse)
    index_fingerprint: str | None = None
    cache_fingerprint: str | None = None             # tusz-guard-cache.json's, when there is one
    meta_newer: frozenset[str] | None = None         # entries whose meta.json is newer than the index (None: unknown)
    records: Mapping[str, EntryMeta] = field(default_factory=dict)   # each entry's own meta.json, where read


@dataclass(frozen=True)
class IndexProblem:
    """One way the index disagrees with its cache; keys name the entries concerned."""

    code: IndexCode
    message: str
    keys: tuple[str, ...] = ()


def index_problems(f: IndexFacts) -> list[IndexProblem]:
    """Every disagreement between an index and its cache, in tier order (empty: they agree)."""
    if f.index is None:
        if not f.index_present:
            return [IndexProblem("index_missing", f"{f.where}/index.json is missing but {len(f.complete):,} "
                                 "entries exist")] if f.complete else []
        return [IndexProblem("index_invalid", f"{f.where}/index.json is not a tusz-guard cache index")]
    listed = set(f.index)
    out = _keyset(f, listed)
    if f.cache_fingerprint is not None and f.index_fingerprint != f.cache_fingerprint:
        out.append(IndexProblem("fingerprint", f"{f.where}/index.json has fingerprint {f.index_fingerprint}, the "
                                f"cache's is {f.cache_fingerprint}"))
    if f.meta_newer:
        newer = sorted(f.meta_newer & listed)
        if newer:
            out.append(IndexProblem("meta_newer", f"{len(newer):,} entries/<key>/meta.json newer than index.json: "
                                    f"{_some(newer)}", tuple(newer)))
    differ = sorted(k for k in listed & f.complete if k in f.records and f.records[k] != f.index[k])
    if differ:
        out.append(IndexProblem("record_differs", f"{len(differ):,} index record(s) differ from their meta.json: "
                                f"{_some(differ)}", tuple(differ)))
    return out


def _keyset(f: IndexFacts, listed: set[str]) -> list[IndexProblem]:
    out = []
    absent = sorted(listed - f.complete)
    if absent:
        out.append(IndexProblem("listed_absent", f"index lists {len(absent):,} entr(ies) that are not complete on "
                                f"disk: {_some(absent)}", tuple(absent)))
    unlisted = sorted(f.complete - listed)
    if unlisted:
        out.append(IndexProblem("unlisted", f"{len(unlisted):,} complete entr(ies) missing from the index: "
                                f"{_some(unlisted)}", tuple(unlisted)))
    return out


def _some(keys: list[str]) -> str:
    return ", ".join(keys[:SHOWN]) + (f" (+{len(keys) - SHOWN:,} more)" if len(keys) > SHOWN else "")
