"""verify-copy: prove a copied or synced cache equals the local one (or the sums it carries), BagIt tiers.

copy.index (the copy's index.json parses; fingerprints agree) -> copy.listing (every file present at its size,
nothing extra: one recursive listing) -> copy.checksums (every file streamed once through sha256 on a bounded
thread pool; memory is one read chunk per worker). Nothing is downloaded to disk.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tusz_guard.cache.store import INDEX_NAME, INDEX_SCHEMA, META_NAME, CacheStore, EntryMeta, IndexFile
from tusz_guard.results import Finding, Status
from tusz_guard.errors import GuardError
from tusz_guard.storage import remote
from tusz_guard.storage.location import Location
from tusz_guard.storage.wants import ROOT_JSON, Problem, Want, listing_problems, meta_problem, self_wants, source_wants

TITLES = {"copy.index": "The copy holds a readable index.json of the same cache",
          "copy.listing": "Every cache file is in the copy at its size, and nothing else",
          "copy.checksums": "Every file of the copy hashes to the expected sha256"}
SHOW = 3


@dataclass(frozen=True)
class CopyResult:
    """The findings of one verification and a summary for the report."""

    findings: list[Finding]
    summary: dict[str, Any]


def verify_copy(dest: Location, store: CacheStore | None, *, fast: bool = False, workers: int = 8) -> CopyResult:
    """Verify `dest` against the local cache `store`, or against its own index when store is None (--self)."""
    fs = remote.filesystem(dest)
    found = remote.list_files(fs, dest)
    index, index_finding = _index_tier(fs, dest, found, store)
    summary: dict[str, Any] = {"dest": dest.shown, "source": str(store.root) if store else None,
                               "mode": "self" if store is None else "source", "files": len(found),
                               "bytes": sum(found.values()), "fast": fast}
    if store is None and index is None:
        why = "not decided: the copy has no readable index.json to verify against"
        return CopyResult([index_finding, _f("copy.listing", "skip", why), _f("copy.checksums", "skip", why)], summary)
    wants = source_wants(store) if store is not None else self_wants(index)   # type: ignore[arg-type]
    listed = listing_problems(wants, found)
    findings = [index_finding, _listing_finding(listed, wants, found)]
    if fast:
        findings.append(_f("copy.checksums", "skip", "skipped (--fast: listing and sizes only)"))
    else:       # files the listing already failed are not read again
        bad = {p.rel for p in listed}
        findings.append(_checksum_tier(fs, dest, [w for w in wants if w.rel not in bad], found, workers, summary,
                                       own=store is None))
    return CopyResult(findings, summary)


# ---- copy.index ----------------------------------------------------------------------------------------
def _index_tier(fs: Any, dest: Location, found: dict[str, int],
                store: CacheStore | None) -> tuple[IndexFile | None, Finding]:
    where = f"{dest.shown}/{INDEX_NAME}"
    if INDEX_NAME not in found:
        return None, _f("copy.index", "fail", f"{where} is missing ({len(found):,} other files there): a copy "
                        "without its index is not a usable cache; copy index.json too (it must be newer than "
                        "every meta.json)", problems=[Problem("missing", INDEX_NAME, "missing").to_json()])
    try:
        index = parse_index(remote.read_small(fs, dest.join(INDEX_NAME)) or b"", where)
    except GuardError as exc:
        return None, _f("copy.index", "fail", str(exc),
                        problems=[Problem("unreadable", INDEX_NAME, exc.message).to_json()])
    theirs = _source_fingerprint(store)
    if theirs is not None and theirs != index.fingerprint:
        return index, _f("copy.index", "fail", f"{where} has fingerprint {index.fingerprint}, the local cache "
                         f"{theirs}: this is a copy of another cache", fingerprint=index.fingerprint)
    return index, _f("copy.index", "pass", f"{where} lists {len(index.entries):,} entries (fingerprint "
                     f"{index.fingerprint})", fingerprint=index.fingerprint)


def parse_index(data: bytes, where: str) -> IndexFile:
    """index.json bytes -> IndexFile; GuardError naming `where` when it is not a tusz-guard cache index."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise GuardError(f"{where}: corrupt JSON", hint="copy index.json again") from None
    if not isinstance(doc, dict) or doc.get("schema") != INDEX_SCHEMA or not isinstance(doc.get("entries"), dict):
        raise GuardError(f"{where} is not a tusz-guard cache index (schema must be '{INDEX_SCHEMA}')",
                         hint="copy index.json again")
    entries = {k: EntryMeta.from_json(v, f"{where} [entries.{k}]") for k, v in doc["entries"].items()}
    return IndexFile(str(doc.get("fingerprint", "")), str(doc.get("updated_at", "")), entries)


def _source_fingerprint(store: CacheStore | None) -> str | None:
    if store is None:
        return None
    index = store.read_index_file()
    return index.fingerprint if index is not None else None


# ---- copy.listing ----------------------------------------------------------------------------------------
def _listing_finding(problems: list[Problem], wants: list[Want], found: dict[str, int]) -> Finding:
    if problems:
        return _f("copy.listing", "fail", f"{_counted(problems)}: {_named(problems)}",
                  problems=[p.to_json() for p in problems])
    total = sum(found.get(w.rel, 0) for w in wants)
    return _f("copy.listing", "pass", f"all {len(wants):,} cache files are present at their sizes "
              f"({total / 1e6:,.1f} MB), nothing extra")


# ---- copy.checksums --------------------------------------------------------------------------------------
def _checksum_tier(fs: Any, dest: Location, todo: list[Want], found: dict[str, int], workers: int,
                   summary: dict[str, Any], own: bool) -> Finding:
    start = time.perf_counter()
    results = hash_all(fs, dest, todo, found, workers)
    seconds = time.perf_counter() - start
    hashed = sum(n for _, n in results)
    summary.update(bytes_hashed=hashed, seconds=round(seconds, 3), workers=workers,
                   mb_per_s=round(hashed / 1e6 / seconds, 1) if seconds > 0 else None)
    return _checksum_finding([p for p, _ in results if p is not None], len(todo), summary, own)


def hash_all(fs: Any, dest: Location, wants: list[Want], found: dict[str, int],
             workers: int) -> list[tuple[Problem | None, int]]:
    """Check every want on a pool of `workers` threads (storage reads release the GIL)."""
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="verify-copy") as pool:
        return list(pool.map(lambda w: _check_one(fs, dest, w, found.get(w.rel, 0)), wants))


def _check_one(fs: Any, dest: Location, w: Want, size: int) -> tuple[Problem | None, int]:
    loc = dest.join(w.rel)
    try:
        if w.record is not None:
            data = remote.read_small(fs, loc)
            return meta_problem(w, data), len(data or b"")
        if w.sha256 is None and w.local is None:
            return _unsummed(fs, loc, w)
        expected = w.sha256 or local_sha256(w.local)       # type: ignore[arg-type]
        got, read = remote.stream_sha256(fs, loc, size)
    except GuardError as exc:
        return Problem("unreadable", w.rel, exc.message), 0
    if read != size:
        now = "it holds more" if read > size else f"read {read:,}"
        return Problem("resized", w.rel, f"changed size while it was read: listed {size:,} bytes, {now}"), read
    if got != expected:
        whose = "recorded when it was built" if w.sha256 else "of the local file"
        return Problem("changed", w.rel, f"sha256 {got[:12]}… differs from the {expected[:12]}… {whose}"), read
    return None, read


def _unsummed(fs: Any, loc: Location, w: Want) -> tuple[Problem | None, int]:
    """--self, files without a recorded sum: the root JSON files must parse; v1 arrays are checked by size only."""
    if w.rel not in ROOT_JSON:
        return Problem("unverified", w.rel, "no recorded sha256 (cache format v1): size only"), 0
    data = remote.read_small(fs, loc) or b""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return Problem("unreadable", w.rel, "corrupt JSON"), len(data)
    if w.rel == META_NAME and not (isinstance(doc, dict) and str(doc.get("schema", "")).startswith("tusz-guard/")):
        return Problem("unreadable", w.rel, "not tusz-guard cache metadata"), len(data)
    return None, len(data)


def local_sha256(path: Path) -> str:
    """The sha256 of a local file (streamed)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise GuardError(f"{path}: cannot read the local file ({exc.__class__.__name__})") from None


def _checksum_finding(problems: list[Problem], checked: int, summary: dict[str, Any], own: bool) -> Finding:
    against = "the sums in the copy's own index" if own else "the local cache"
    rate = f" at {summary['mb_per_s']:,.1f} MB/s" if summary.get("mb_per_s") else ""
    size = f"{summary['bytes_hashed'] / 1e6:,.1f} MB{rate}"
    blocking = [p for p in problems if p.kind != "unverified"]
    if blocking:
        return _f("copy.checksums", "fail", f"{_counted(blocking)} of {checked:,} files checked against {against}: "
                  f"{_named(blocking)}", problems=[p.to_json() for p in problems])
    if problems:
        return _f("copy.checksums", "warn", f"{checked - len(problems):,} of {checked:,} files verified ({size}); "
                  f"{len(problems):,} carry no recorded sha256 (cache format v1) and were checked by size only: "
                  f"{_named(problems)}", problems=[p.to_json() for p in problems])
    return _f("copy.checksums", "pass", f"all {checked:,} files equal {against} ({size})")


# ---- helpers -------------------------------------------------------------------------------------------
def _f(cid: str, status: Status, message: str, **details: Any) -> Finding:
    return Finding(cid, status, TITLES[cid], message, details)


def _counted(problems: list[Problem]) -> str:
    kinds = Counter(p.kind for p in problems)
    return f"{len(problems):,} problem(s) (" + ", ".join(f"{n:,} {k}" for k, n in sorted(kinds.items())) + ")"


def _named(problems: list[Problem]) -> str:
    shown = "; ".join(p.line() for p in problems[:SHOW])
    return shown + (f" (+{len(problems) - SHOW:,} more)" if len(problems) > SHOW else "")
