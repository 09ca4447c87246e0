"""The plan, cache.coverage and cache.fingerprint for a foreign NPZ cache (pure functions of a Snapshot)."""
from __future__ import annotations

from collections import Counter

from tusz_guard.cache.plan import EntryState, Plan, PlanItem
from tusz_guard.checks.base import listing, rows
from tusz_guard.checks.snapshot import CacheView, Snapshot
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES, Recording
from tusz_guard.pipeline.foreign_cache import ForeignCache, NpzEntry
from tusz_guard.pipeline.foreign_config import ForeignConfig
from tusz_guard.results import Outcome

WEAKER = "entry older than its {what} (no stamp: the weaker test, by modification time)"


def builder(s: Snapshot) -> str:
    """Who rebuilds a foreign cache's entries: the team's own builder, never tusz-guard's."""
    return f"{cfg_of(s).profile.name}'s cache builder"


def cfg_of(s: Snapshot) -> ForeignConfig:
    assert isinstance(s.cfg, ForeignConfig)
    return s.cfg


def npz_of(view: CacheView) -> ForeignCache:
    assert view.npz is not None
    return view.npz


def changed_content(s: Snapshot, cache: ForeignCache) -> list[str]:
    """Content keys whose values differ from the stamp's ('preprocessing.bandpass changed since the stamp')."""
    if cache.stamp is None or cache.stamp.get("content_hash") == cfg_of(s).content_hash:
        return []
    now = dict(cfg_of(s).content)
    then = cache.stamp.get("content", {})
    return [k for k in dict.fromkeys([*then, *now]) if then.get(k) != now.get(k)] or ["content hash"]


def _state(s: Snapshot, cache: ForeignCache, entry: NpzEntry | None, rec: Recording,
           changed: list[str]) -> tuple[EntryState, str]:
    if entry is None:
        return "missing", "no entry file"
    if entry.error is not None:
        return "stale", f"unreadable: {entry.error}"
    if changed:
        return "stale", f"{', '.join(changed)} changed since the stamp"
    stamped = (cache.stamp or {}).get("entries", {}).get(entry.rel)
    if stamped is not None:
        if list(stamped) != [entry.size, entry.mtime_ns]:
            return "stale", "entry file changed since the stamp"
        return "current", "stamped"
    if entry.mtime_ns < rec.mtime_ns:
        return "stale", WEAKER.format(what="EDF")
    if rec.annotation_mtime_ns is not None and entry.mtime_ns < rec.annotation_mtime_ns:
        return "stale", WEAKER.format(what="annotation file")
    return "current", "cached"


def foreign_plan(s: Snapshot, view: CacheView, roles: tuple[str, ...]) -> Plan:
    """current / stale / missing per included recording, against the entry file in its role's folder."""
    assert s.ledger is not None
    cache = npz_of(view)
    changed = changed_content(s, cache)
    items = []
    for role in roles:
        folder = cache.folders.get(role)
        held = cache.entries.get(folder, {}) if folder is not None else {}
        for rec in s.ledger.included(role):
            state, reason = _state(s, cache, held.get(rec.stem), rec, changed)
            items.append(PlanItem(rec, state, reason, None))
    stems = {r.stem for r in s.ledger.recordings}
    return Plan(cfg_of(s).content_hash, tuple(roles), tuple(items),
                tuple(sorted({e.stem for e in cache.all_entries() if e.stem not in stems})))


def entry_of(view: CacheView, rec) -> NpzEntry | None:
    """The entry file of a recording in its role's folder."""
    cache = npz_of(view)
    folder = cache.folders.get(rec.role)
    return cache.entries.get(folder, {}).get(rec.stem) if folder is not None else None


def windows_of(entry: NpzEntry, array: str) -> int | None:
    header = (entry.arrays or {}).get(array)
    return header.shape[0] if header is not None and header.shape else None



# ---- cache.coverage -------------------------------------------------------------------------------------
def sibling_lines(s: Snapshot, needed: list) -> list[str]:
    """Nearby caches holding entries for the needed recordings: 'cache/train holds 3 of 18 needed recordings'."""
    lines = []
    key = cfg_of(s).cache_key.key
    for view in s.sibling_caches:
        held = sum(entry_of(view, rec) is not None for rec in needed)
        if held:
            users = " and ".join(f"`{key}` of {u}" for u in view.used_by) or "the cache of no config here"
            lines.append(f"{view.shown} holds {held:,} of {len(needed):,} needed recordings; it is {users}")
    return lines


def coverage_outcome(s: Snapshot) -> Outcome:
    """Per role: included recordings without a current entry would be processed live (F2, F11)."""
    from tusz_guard.checks.coverage import cache_plan, role_counts

    assert s.ledger is not None and s.cache is not None
    p = cache_plan(s)
    per_role = {role: role_counts(p, role) for role in ROLES}
    not_current = [i for i in p.items if i.state != "current" and i.recording.role in TRAINING_ROLES]
    needed = [i.recording for i in p.items if i.recording.role in TRAINING_ROLES]
    siblings = sibling_lines(s, needed)
    reasons = Counter(i.reason for i in p.stale)
    details = {"roles": per_role, "stale_reasons": dict(reasons), "siblings": siblings,
               "not_current": rows([i.recording.path for i in not_current]), "orphans": rows(list(p.orphans))}
    where = s.show(s.cfg.cache_dir)
    if not_current:
        hours = sum(i.recording.duration_s or 0.0 for i in not_current) / 3600
        state = "does not exist" if not s.cache.dir_exists else \
            f"holds {len(needed) - len(not_current):,} of {len(needed):,} train+val recordings"
        stale = sum(i.state == "stale" for i in not_current)
        first = listing([i.recording.stem for i in not_current], 3)
        msg = (f"{where} {state}: {len(not_current):,} recording(s) would be processed live during training "
               f"({len(not_current) - stale:,} missing, {stale:,} stale"
               f"{': ' + listing(sorted(reasons), 1) if stale else ''}; {hours:,.2f} recording-hours; first: {first})")
        msg += "; " + "; ".join(siblings) if siblings else ""
        if p.orphans:
            msg += (f"; {len(p.orphans):,} entry file(s) match no recording (stems {listing(p.orphans, 2)}): does "
                    "pipeline.cache.entry in tusz-guard.toml describe the file names?")
        return Outcome("fail", f"{msg}; build the missing entries with {builder(s)}, or "
                       f"point {cfg_of(s).cache_key.key} at the cache named", details)
    test = per_role["test"]
    head = f"{where} holds all {len(needed):,} train+val recordings"
    if test["needed"] > test["current"] and "test" in npz_of(s.cache).folders:
        return Outcome("warn", f"{head}; test: {int(test['needed'] - test['current']):,} of "
                       f"{int(test['needed']):,} not cached", details)
    return Outcome("pass", head, details)


# ---- cache.fingerprint ----------------------------------------------------------------------------------
def fingerprint_outcome(s: Snapshot) -> Outcome:
    """Against the stamp when there is one: changed content keys and changed entries; else say what is weaker."""
    assert s.cache is not None
    cache = npz_of(s.cache)
    cfg = cfg_of(s)
    where = s.show(s.cache.root)
    if cache.stamp_error:
        return Outcome("fail", f"{where}: {cache.stamp_error}; rewrite it with `tusz-guard stamp {s.show(cfg.path)}`")
    if not s.cache.dir_exists:
        return Outcome("skip", f"{where} does not exist (cache.coverage reports what is missing)")
    if cache.stamp is None:
        return Outcome("warn", f"{where} has no stamp: nothing records what produced its entries, so staleness falls "
                       "back to entry older than its EDF or annotation file (the weaker test); after a build you "
                       f"trust, run `tusz-guard stamp {s.show(cfg.path)}`", {"stamp": None})
    changed = changed_content(s, cache)
    then = cache.stamp.get("entries", {})
    now = {e.rel: [e.size, e.mtime_ns] for e in cache.all_entries()}
    differ = sorted(k for k in then if k in now and list(then[k]) != now[k])
    gone = sorted(set(then) - set(now))
    details = {"stamp": cache.stamp.get("stamped_at"), "changed_keys": changed, "changed_entries": rows(differ),
               "removed_entries": rows(gone), "unstamped": len(set(now) - set(then))}
    problems = []
    if changed:
        was = dict(cache.stamp.get("content", {}))
        diff = "; ".join(f"{k}: {was.get(k)!r} -> {dict(cfg.content).get(k)!r}" for k in changed)
        problems.append(f"{', '.join(changed)} changed since the stamp ({diff}): every entry of {where} is stale")
    if differ:
        problems.append(f"{len(differ):,} entry file(s) changed since the stamp: {listing(differ)}")
    if gone:
        problems.append(f"{len(gone):,} stamped entry file(s) are gone: {listing(gone)}")
    if problems:
        return Outcome("fail", "; ".join(problems) + f"; rebuild them with {builder(s)}, then "
                       f"`tusz-guard stamp {s.show(cfg.path)}`", details)
    extra = len(set(now) - set(then))
    tail = f"; {extra:,} entr(ies) added since (judged by modification time)" if extra else ""
    return Outcome("pass", f"{where} stamp {cache.stamp.get('content_hash')} equals the content keys of "
                   f"{s.show(cfg.path)}; {len(then):,} stamped entries unchanged{tail}", details)
