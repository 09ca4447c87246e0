"""verify-copy: prove a copied or synced cache equals the local one (or the sums it carries), BagIt tiers.

copy.index (the copy's index.json parses; fingerprints agree) -> copy.listing (every file present at its size,
nothing extra: one recursive listing) -> copy.checksums (every file streamed once through sha256 on a bounded
thread pool; memory is one read chunk per worker). Nothing is downloaded to disk.

`gather_copy` is the adapter (all reads); the tiers are pure functions of its CopyView, registered as the
copy.* checks in checks/copy_checks.py and run by the one engine.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tusz_guard.cache.damage import file_sha256
from tusz_guard.cache.store import INDEX_NAME, INDEX_SCHEMA, META_NAME, CacheStore, EntryMeta, IndexFile
from tusz_guard.errors import GuardError
from tusz_guard.results import Outcome
from tusz_guard.storage import remote
from tusz_guard.storage.location import Location
from tusz_guard.storage.wants import ROOT_JSON, Problem, Want, listing_problems, meta_problem, self_wants, source_wants

SHOW = 3


@dataclass(frozen=True)
class CopyView:
    """One copy as the copy.* checks see it, gathered once by `gather_copy` (every read happens there)."""

    dest: str                                  # the copy as shown (credentials redacted)
    summary: dict[str, Any]                    # facts for the report section
    found: dict[str, int]                      # relative path -> size, one recursive listing
    own: bool                                  # --self: against the copy's own index
    index: IndexFile | None = None
    index_problem: Problem | None = None       # the index is missing or unreadable
    source_fingerprint: str | None = None      # the local cache's index fingerprint (None with --self)
    wants: tuple[Want, ...] | None = None      # what the copy must hold (None: not decided without an index)
    listed: tuple[Problem, ...] = ()           # listing tier: missing, extra, truncated, resized
    hashed: tuple[Problem, ...] | None = None  # checksum tier (None: not read, --fast or not decided)
    checked: int = 0                           # files the checksum tier read


def gather_copy(dest: Location, store: CacheStore | None, *, fast: bool = False, workers: int = 8) -> CopyView:
    """Read the copy once: its listing, its index and, unless --fast, every file through sha256."""
    fs = remote.filesystem(dest)
    found = remote.list_files(fs, dest)
    index, problem = _read_index(fs, dest, found)
    summary: dict[str, Any] = {"dest": dest.shown, "source": str(store.root) if store else None,
                               "mode": "self" if store is None else "source", "files": len(found),
                               "bytes": sum(found.values()), "fast": fast}
    view = CopyView(dest=dest.shown, summary=summary, found=found, own=store is None, index=index,
                    index_problem=problem, source_fingerprint=_source_fingerprint(store))
    if store is None and index is None:
        return view
    wants = source_wants(store) if store is not None else self_wants(index)   # type: ignore[arg-type]
    listed = listing_problems(wants, found)
    if fast:
        return replace(view, wants=tuple(wants), listed=tuple(listed))
    bad = {p.rel for p in listed}           # files the listing already failed are not read again
    todo = [w for w in wants if w.rel not in bad]
    hashed = _hash_tier(fs, dest, todo, found, workers, summary)
    return replace(view, wants=tuple(wants), listed=tuple(listed), hashed=tuple(hashed), checked=len(todo))


# ---- copy.index ----------------------------------------------------------------------------------------
def _read_index(fs: Any, dest: Location, found: dict[str, int]) -> tuple[IndexFile | None, Problem | None]:
    if INDEX_NAME not in found:
        return None, Problem("missing", INDEX_NAME, "missing")
    where = f"{dest.shown}/{INDEX_NAME}"
    try:
        return parse_index(remote.read_small(fs, dest.join(INDEX_NAME)) or b"", where), None
    except GuardError as exc:
        return None, Problem("unreadable", INDEX_NAME, str(exc))


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


# ---- copy.checksums --------------------------------------------------------------------------------------
def _hash_tier(fs: Any, dest: Location, todo: list[Want], found: dict[str, int], workers: int,
               summary: dict[str, Any]) -> list[Problem]:
    start = time.perf_counter()
    results = hash_all(fs, dest, todo, found, workers)
    seconds = time.perf_counter() - start
    hashed = sum(n for _, n in results)
    summary.update(bytes_hashed=hashed, seconds=round(seconds, 3), workers=workers,
                   mb_per_s=round(hashed / 1e6 / seconds, 1) if seconds > 0 else None)
    return [p for p, _ in results if p is not None]


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
    """The sha256 of a local file (streamed: cache/damage.file_sha256); GuardError when it cannot be read."""
    digest = file_sha256(path)
    if digest is None:
        raise GuardError(f"{path}: cannot read the local file")
    return digest


# ---- the rules: pure functions of one CopyView (registered as checks in checks/copy_checks.py) ----------
def index_outcome(v: CopyView) -> Outcome:
    """copy.index: the copy's index.json is there, parses, and is the index of the same cache."""
    where = f"{v.dest}/{INDEX_NAME}"
    if v.index_problem is not None and v.index_problem.kind == "missing":
        return Outcome("fail", f"{where} is missing ({len(v.found):,} other files there): a copy without its index "
                       "is not a usable cache; copy index.json too (it must be newer than every meta.json)",
                       {"problems": [v.index_problem.to_json()]})
    if v.index is None:
        message = v.index_problem.detail if v.index_problem is not None else f"{where} is unreadable"
        return Outcome("fail", message, {"problems": [v.index_problem.to_json()] if v.index_problem else []})
    if v.source_fingerprint is not None and v.source_fingerprint != v.index.fingerprint:
        return Outcome("fail", f"{where} has fingerprint {v.index.fingerprint}, the local cache "
                       f"{v.source_fingerprint}: this is a copy of another cache", {"fingerprint": v.index.fingerprint})
    return Outcome("pass", f"{where} lists {len(v.index.entries):,} entries (fingerprint {v.index.fingerprint})",
                   {"fingerprint": v.index.fingerprint})


NOT_DECIDED = "not decided: the copy has no readable index.json to verify against"


def listing_outcome(v: CopyView) -> Outcome:
    """copy.listing: every file the copy must hold is there at its size, and nothing else."""
    if v.wants is None:
        return Outcome("skip", NOT_DECIDED)
    if v.listed:
        return Outcome("fail", f"{_counted(list(v.listed))}: {_named(list(v.listed))}",
                       {"problems": [p.to_json() for p in v.listed]})
    total = sum(v.found.get(w.rel, 0) for w in v.wants)
    return Outcome("pass", f"all {len(v.wants):,} cache files are present at their sizes ({total / 1e6:,.1f} MB), "
                   "nothing extra")


def checksums_outcome(v: CopyView) -> Outcome:
    """copy.checksums: every file read hashes to the sum recorded at build time (or the local file's)."""
    if v.wants is None:
        return Outcome("skip", NOT_DECIDED)
    if v.hashed is None:
        return Outcome("skip", "skipped (--fast: listing and sizes only)")
    problems, summary = list(v.hashed), v.summary
    against = "the sums in the copy's own index" if v.own else "the local cache"
    rate = f" at {summary['mb_per_s']:,.1f} MB/s" if summary.get("mb_per_s") else ""
    size = f"{summary.get('bytes_hashed', 0) / 1e6:,.1f} MB{rate}"
    blocking = [p for p in problems if p.kind != "unverified"]
    if blocking:
        return Outcome("fail", f"{_counted(blocking)} of {v.checked:,} files checked against {against}: "
                       f"{_named(blocking)}", {"problems": [p.to_json() for p in problems]})
    if problems:
        return Outcome("warn", f"{v.checked - len(problems):,} of {v.checked:,} files verified ({size}); "
                       f"{len(problems):,} carry no recorded sha256 (cache format v1) and were checked by size only: "
                       f"{_named(problems)}", {"problems": [p.to_json() for p in problems]})
    return Outcome("pass", f"all {v.checked:,} files equal {against} ({size})")


# ---- helpers -------------------------------------------------------------------------------------------
def _counted(problems: list[Problem]) -> str:
    kinds = Counter(p.kind for p in problems)
    return f"{len(problems):,} problem(s) (" + ", ".join(f"{n:,} {k}" for k, n in sorted(kinds.items())) + ")"


def _named(problems: list[Problem]) -> str:
    shown = "; ".join(p.line() for p in problems[:SHOW])
    return shown + (f" (+{len(problems) - SHOW:,} more)" if len(problems) > SHOW else "")
