"""Entry states and the build plan: the one decision check, build-cache, pack and train share.

An entry is `current` (fingerprint, source path, size, mtime and annotation file all match the ledger; a corpus
on object storage has no mtimes, so there size and the annotation file's sha256 decide),
`stale` (the reason names what differs) or `missing` (training would process the recording live).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.corpus.ledger import MTIME_UNKNOWN, TRAINING_ROLES, Ledger, Recording

EntryState = Literal["current", "stale", "missing"]
# Recording-hours per minute per worker assumed before any build has measured this machine (build-cache
# --dry-run, run.time_budget; conservative: one worker measured 14-16 on the demo corpus, 2-core dev box).
DEFAULT_HOURS_PER_MINUTE_PER_WORKER = 12.0


def entry_state(entry: EntryMeta | None, rec: Recording, fingerprint: str) -> tuple[EntryState, str]:
    """current / stale (with the reason) / missing for one ledger Recording against its entry record."""
    if entry is None:
        return "missing", "no cache entry"
    if entry.fingerprint != fingerprint:
        return "stale", f"fingerprint differs: entry {entry.fingerprint}, config {fingerprint}"
    if entry.source != rec.path:
        return "stale", f"source path differs: {entry.source} -> {rec.path}"
    if entry.source_size != rec.file_size:
        return "stale", f"source changed: size {entry.source_size:,} -> {rec.file_size:,}"
    if rec.mtime_ns != MTIME_UNKNOWN and entry.source_mtime_ns != rec.mtime_ns:   # unknown: a corpus in a bucket
        return "stale", f"source changed: mtime {_mtime(entry.source_mtime_ns)} -> {_mtime(rec.mtime_ns)}"
    if _labels_changed(entry, rec):
        return "stale", "annotation file changed since the entry was built"
    return "current", "cached"


def _labels_changed(entry: EntryMeta, rec: Recording) -> bool:
    """By content when both sides know the file's sha256 (a `touch` is not a change), else by size and mtime."""
    if entry.labels_source_sha256 is not None and rec.annotation_sha256 is not None:
        return entry.labels_source_sha256 != rec.annotation_sha256
    now = (rec.annotation_size, rec.annotation_mtime_ns)
    return entry.labels_source_size is not None and now[0] is not None \
        and (entry.labels_source_size, entry.labels_source_mtime_ns) != now


def _mtime(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class PlanItem:
    """One included recording of a planned role and what the cache holds for it."""

    recording: Recording
    state: EntryState
    reason: str
    entry: EntryMeta | None


@dataclass(frozen=True)
class Plan:
    """Per recording of the planned roles: current, stale (with reason) or missing."""

    fingerprint: str
    roles: tuple[str, ...]
    items: tuple[PlanItem, ...]
    orphans: tuple[str, ...] = ()   # entry keys that match no recording of the ledger

    def by_state(self, state: EntryState) -> list[PlanItem]:
        return [i for i in self.items if i.state == state]

    @property
    def current(self) -> list[PlanItem]:
        return self.by_state("current")

    @property
    def stale(self) -> list[PlanItem]:
        return self.by_state("stale")

    @property
    def missing(self) -> list[PlanItem]:
        return self.by_state("missing")

    def counts(self) -> dict[str, int]:
        return {s: len(self.by_state(s)) for s in ("current", "stale", "missing")}

    def hours(self, state: EntryState | None = None) -> float:
        """Recording hours of the items in one state (all items when None)."""
        return sum((i.recording.duration_s or 0.0) for i in self.items if state in (None, i.state)) / 3600.0


def plan(ledger: Ledger, index: CacheStore | Mapping[str, EntryMeta] | None, fingerprint: str,
         roles: tuple[str, ...] | list[str] = TRAINING_ROLES) -> Plan:
    """The cache state of every included recording of `roles`; a store is read through its reconciled index."""
    entries = _entries_of(index)
    items = []
    for role in roles:
        for rec in ledger.included(role):
            entry = entries.get(rec.stem)
            state, reason = entry_state(entry, rec, fingerprint)
            items.append(PlanItem(rec, state, reason, entry))
    stems = {r.stem for r in ledger.recordings}
    return Plan(fingerprint, tuple(roles), tuple(items), tuple(sorted(k for k in entries if k not in stems)))


def _entries_of(index: CacheStore | Mapping[str, EntryMeta] | None) -> Mapping[str, EntryMeta]:
    if index is None:
        return {}
    return index.reconciled_entries() if isinstance(index, CacheStore) else index
