"""Pure coverage arithmetic shared by cache.coverage, the totals and the report sections."""
from __future__ import annotations

from typing import cast

from tusz_guard.cache.plan import Plan, PlanItem, plan
from tusz_guard.checks.snapshot import CacheView, Snapshot
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES, Recording


def cache_plan(s: Snapshot, view: CacheView | None = None, roles: tuple[str, ...] = ROLES) -> Plan:
    """current / stale / missing for every included recording of `roles` (memoized).

    Planned against the reconciled entries (store.reconcile), exactly as build-cache, pack and train see them.
    """
    assert s.ledger is not None
    view = view if view is not None else s.cache
    key = f"plan:{view.root if view is not None else ''}:{','.join(roles)}"
    if key not in s.memo and view is not None and view.kind == "npz":   # a team's own NPZ cache
        from tusz_guard.pipeline.cache_rules import foreign_plan
        s.memo[key] = foreign_plan(s, view, roles)
    if key not in s.memo:
        s.memo[key] = plan(s.ledger, view.usable if view is not None else {}, s.fingerprint, roles)
    return cast(Plan, s.memo[key])


def by_stem(s: Snapshot) -> dict[str, Recording]:
    """Every recording of the ledger by file stem (memoized: a stem is computed from the path each time)."""
    assert s.ledger is not None
    if "by_stem" not in s.memo:
        s.memo["by_stem"] = {r.stem: r for r in s.ledger.recordings}
    return cast("dict[str, Recording]", s.memo["by_stem"])


def role_counts(p: Plan, role: str) -> dict[str, float]:
    """needed, current, stale, missing and the recording-hours not current, for one role."""
    items = [i for i in p.items if i.recording.role == role]
    live = [i for i in items if i.state != "current"]
    return {"needed": len(items), "current": len(items) - len(live),
            "stale": sum(i.state == "stale" for i in items), "missing": sum(i.state == "missing" for i in items),
            "live_hours": sum(i.recording.duration_s or 0.0 for i in live) / 3600.0}


def orphans(s: Snapshot) -> list[str]:
    """Index entries that belong to no role: no such recording, or one that is excluded or unused."""
    assert s.ledger is not None and s.cache is not None
    stems = by_stem(s)
    return sorted(k for k in s.cache.usable if k not in stems or stems[k].role is None or not stems[k].included)


def training_items(s: Snapshot) -> list[PlanItem]:
    """The train and val items of the all-roles plan (one plan per snapshot; what build-cache builds)."""
    return [i for i in cache_plan(s).items if i.recording.role in TRAINING_ROLES]


def throughput(s: Snapshot) -> tuple[float | None, str | None]:
    """Measured build throughput (recording-hours per minute) and the cache it was measured on."""
    views = ([s.cache] if s.cache is not None else []) + list(s.sibling_caches)
    for view in views:
        rate = _rate(view)
        if rate:
            return rate, view.shown
    return None, None


def _rate(view: CacheView) -> float | None:
    tp = view.meta.throughput if view.meta is not None else None
    value = tp.get("recording_hours_per_minute") if isinstance(tp, dict) else None
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def matching_siblings(s: Snapshot) -> list[tuple[CacheView, int, int]]:
    """Other caches with the config's fingerprint: (view, needed recordings it holds current, needed)."""
    out = []
    for view in s.sibling_caches:
        if view.meta is not None and view.meta.fingerprint == s.fingerprint:
            p = cache_plan(s, view, TRAINING_ROLES)
            out.append((view, len(p.current), len(p.items)))
    return out
