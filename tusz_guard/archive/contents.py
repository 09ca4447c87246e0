"""The caches an archive holds, derived from a Scan (pure): entries, records, metadata per prefix."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tusz_guard.archive.layout import place
from tusz_guard.archive.scan import Member, Scan
from tusz_guard.cache.index_rules import IndexFacts, index_problems
from tusz_guard.cache.store import ENTRY_FILES, ENTRY_META_NAME, INDEX_SCHEMA, EntryMeta
from tusz_guard.errors import GuardError


@dataclass(frozen=True)
class ArchivedCache:
    """One cache directory inside an archive."""

    prefix: str
    files: dict[str, dict[str, Member]] = field(default_factory=dict)    # stem -> file name -> member
    records: dict[str, EntryMeta] = field(default_factory=dict)          # stem -> its meta.json
    record_errors: dict[str, str] = field(default_factory=dict)          # stem -> why meta.json is unusable
    meta: dict[str, Any] | None = None                                   # tusz-guard-cache.json
    index: dict[str, Any] | None = None                                  # index.json
    has_meta_member: bool = False
    has_index_member: bool = False

    @property
    def fingerprint(self) -> str | None:
        """The cache metadata's fingerprint, else the most common entry fingerprint."""
        if self.meta and isinstance(self.meta.get("fingerprint"), str):
            return self.meta["fingerprint"]
        common = Counter(r.fingerprint for r in self.records.values()).most_common(1)
        return common[0][0] if common else None

    @property
    def params(self) -> dict[str, Any] | None:
        params = (self.meta or {}).get("params")
        return params if isinstance(params, dict) else None


def caches(scan: Scan) -> dict[str, ArchivedCache]:
    """Every cache prefix the archive's safe regular files belong to, with what it holds."""
    found: dict[str, dict[str, Any]] = {}
    unsafe = {u.name for u in scan.unsafe}
    for m in scan.files:
        if not m.path or m.name in unsafe:
            continue
        where = place(m.path)
        if where.kind not in ("entry", "cache_meta", "index") or where.prefix is None:
            continue
        slot = found.setdefault(where.prefix, {"files": {}, "docs": {}, "meta": False, "index": False})
        if where.kind == "entry":
            slot["files"].setdefault(where.stem, {})[where.file] = m
        else:
            slot[where.kind.replace("cache_", "")] = True
        if m.path in scan.documents:
            slot["docs"][m.path] = scan.documents[m.path]
    return {prefix: _build(prefix, slot, scan) for prefix, slot in sorted(found.items())}


def _build(prefix: str, slot: dict[str, Any], scan: Scan) -> ArchivedCache:
    base = f"{prefix}/" if prefix else ""
    records, errors = {}, {}
    for stem in slot["files"]:
        path = f"{base}entries/{stem}/{ENTRY_META_NAME}"
        if ENTRY_META_NAME not in slot["files"][stem]:
            continue
        if path in scan.json_errors:
            errors[stem] = f"{path}: {scan.json_errors[path]}"
            continue
        try:
            records[stem] = EntryMeta.from_json(scan.documents.get(path) or {}, path)
        except GuardError as exc:
            errors[stem] = exc.message
    meta = slot["docs"].get(f"{base}tusz-guard-cache.json")
    index = slot["docs"].get(f"{base}index.json")
    return ArchivedCache(prefix=prefix, files=slot["files"], records=records, record_errors=errors,
                         meta=meta if isinstance(meta, dict) else None,
                         index=index if isinstance(index, dict) else None,
                         has_meta_member=slot["meta"], has_index_member=slot["index"])


def layout_problems(cache: ArchivedCache) -> list[str]:
    """Where the cache's own records disagree with its members (the check for archives without manifest)."""
    problems: list[str] = []
    base = f"{cache.prefix}/" if cache.prefix else ""
    if not cache.has_meta_member:
        problems.append(f"{base}tusz-guard-cache.json is missing: the archive does not hold the cache metadata")
    for stem, files in sorted(cache.files.items()):
        absent = sorted(ENTRY_FILES - set(files))
        if absent:
            problems.append(f"{base}entries/{stem}: {', '.join(absent)} missing (an incomplete entry)")
        if stem in cache.record_errors:
            problems.append(cache.record_errors[stem])
            continue
        rec = cache.records.get(stem)
        if rec is not None:
            problems += _record_problems(base, stem, rec, files)
    problems += _index_problems(cache, base)
    return problems


def _record_problems(base: str, stem: str, rec: EntryMeta, files: dict[str, Member]) -> list[str]:
    out = []
    if rec.key != stem:
        out.append(f"{base}entries/{stem}/meta.json names key '{rec.key}', not '{stem}'")
    for name, declared in (("signal.npy", rec.signal_bytes), ("labels.npy", rec.labels_bytes)):
        member = files.get(name)
        if member is not None and member.size != declared:
            out.append(f"{member.path} is {member.size:,} bytes, its meta.json declares {declared:,}")
    return out


def _index_problems(cache: ArchivedCache, base: str) -> list[str]:
    """cache.index_rules over the archive's members (the same rule check and pack apply)."""
    return [p.message for p in index_problems(index_facts(cache, base))]


def index_facts(cache: ArchivedCache, base: str) -> IndexFacts:
    """The archived cache as cache.index_rules reads it (no freshness: member mtimes prove nothing here)."""
    doc = cache.index
    entries = _records(doc.get("entries")) if isinstance(doc, dict) and doc.get("schema") == INDEX_SCHEMA else None
    fingerprint = (cache.meta or {}).get("fingerprint")
    return IndexFacts(where=base.rstrip("/") or ".", index=entries,
                      complete=frozenset(s for s, f in cache.files.items() if ENTRY_META_NAME in f),
                      index_present=cache.has_index_member,
                      index_fingerprint=str(doc.get("fingerprint")) if isinstance(doc, dict) else None,
                      cache_fingerprint=fingerprint if isinstance(fingerprint, str) else None,
                      records=cache.records)


def _records(data: Any) -> dict[str, EntryMeta] | None:
    """The index's records; None when any is unusable (the whole index is then not a usable index)."""
    if not isinstance(data, dict):
        return None
    try:
        return {k: EntryMeta.from_json(v) for k, v in data.items()}
    except GuardError:
        return None
