"""cache.*, windows.count and the cache side of splits/labels for a foreign NPZ cache (pure functions)."""
from __future__ import annotations

from collections import Counter, defaultdict

from tusz_guard.cache.plan import Plan, PlanItem
from tusz_guard.checks.base import Outcome, listing, rows, worst
from tusz_guard.checks.snapshot import CacheView, Snapshot
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES
from tusz_guard.corpus.windows import window_geometry
from tusz_guard.pipeline.foreign_cache import ForeignCache, NpzEntry
from tusz_guard.pipeline.foreign_config import ForeignConfig

WEAKER = "entry older than its {what} (no stamp: the weaker test, by modification time)"


def _cfg(s: Snapshot) -> ForeignConfig:
    assert isinstance(s.cfg, ForeignConfig)
    return s.cfg


def _npz(view: CacheView) -> ForeignCache:
    assert view.npz is not None
    return view.npz


def changed_content(s: Snapshot, cache: ForeignCache) -> list[str]:
    """Content keys whose values differ from the stamp's ('preprocessing.bandpass changed since the stamp')."""
    if cache.stamp is None or cache.stamp.get("content_hash") == _cfg(s).content_hash:
        return []
    now = dict(_cfg(s).content)
    then = cache.stamp.get("content", {})
    return [k for k in dict.fromkeys([*then, *now]) if then.get(k) != now.get(k)] or ["content hash"]


def _state(s: Snapshot, cache: ForeignCache, entry: NpzEntry | None, rec, changed: list[str]) -> tuple[str, str]:
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
    cache = _npz(view)
    changed = changed_content(s, cache)
    items = []
    for role in roles:
        folder = cache.folders.get(role)
        held = cache.entries.get(folder, {}) if folder is not None else {}
        for rec in s.ledger.included(role):
            state, reason = _state(s, cache, held.get(rec.stem), rec, changed)
            items.append(PlanItem(rec, state, reason, None))
    stems = {r.stem for r in s.ledger.recordings}
    return Plan(_cfg(s).content_hash, tuple(roles), tuple(items),
                tuple(sorted({e.stem for e in cache.all_entries() if e.stem not in stems})))


def entry_of(view: CacheView, rec) -> NpzEntry | None:
    """The entry file of a recording in its role's folder."""
    cache = _npz(view)
    folder = cache.folders.get(rec.role)
    return cache.entries.get(folder, {}).get(rec.stem) if folder is not None else None


# ---- cache.coverage -------------------------------------------------------------------------------------
def sibling_lines(s: Snapshot, needed: list) -> list[str]:
    """Nearby caches holding entries for the needed recordings: 'cache/train holds 3 of 18 needed recordings'."""
    lines = []
    key = _cfg(s).cache_key.key
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
        return Outcome("fail", f"{msg}; build the missing entries with {_cfg(s).profile.name}'s cache builder, or "
                       f"point {_cfg(s).cache_key.key} at the cache named", details)
    test = per_role["test"]
    head = f"{where} holds all {len(needed):,} train+val recordings"
    if test["needed"] > test["current"] and "test" in _npz(s.cache).folders:
        return Outcome("warn", f"{head}; test: {int(test['needed'] - test['current']):,} of "
                       f"{int(test['needed']):,} not cached", details)
    return Outcome("pass", head, details)


# ---- cache.index ----------------------------------------------------------------------------------------
def _windows_of(entry: NpzEntry, array: str) -> int | None:
    header = (entry.arrays or {}).get(array)
    return header.shape[0] if header is not None and header.shape else None


def _index_problems(s: Snapshot, cache: ForeignCache, folder: str) -> list[str]:
    idx = cache.indexes.get(folder)
    on_disk = cache.entries.get(folder, {})
    array = _cfg(s).profile.cache.windows_array
    if idx is None or not idx.exists:
        return []
    if idx.error:
        return [idx.error]
    out = []
    listed = dict(zip(idx.stems, idx.counts)) if len(idx.stems) == len(idx.counts) else None
    if listed is None:
        out.append(f"{idx.rel} lists {len(idx.stems):,} files but {len(idx.counts):,} window counts")
        listed = dict.fromkeys(idx.stems, None)
    absent, unlisted = sorted(set(listed) - set(on_disk)), sorted(set(on_disk) - set(listed))
    if absent:
        out.append(f"{idx.rel} lists {len(absent):,} file(s) without an entry on disk: {listing(absent)}")
    if unlisted:
        out.append(f"{len(unlisted):,} entr(ies) in {folder}/ missing from {idx.rel}: {listing(unlisted)}")
    lying = [f"{k}: index {listed[k]:,}, file {got:,}" for k in sorted(set(listed) & set(on_disk))
             if listed[k] is not None and (got := _windows_of(on_disk[k], array)) is not None and got != listed[k]]
    if lying:
        out.append(f"{idx.rel} window counts differ from the entry files for {len(lying):,} file(s): "
                   f"{listing(lying, 2)} (the pipeline reuses the index without re-counting)")
    newer = sorted(e.stem for e in on_disk.values() if idx.mtime_ns is not None and e.mtime_ns > idx.mtime_ns)
    if newer:
        out.append(f"{len(newer):,} entr(ies) in {folder}/ newer than {idx.rel}: {listing(newer)}")
    return out


def _manifest_problems(s: Snapshot, cache: ForeignCache, folder: str) -> list[str]:
    man = cache.manifests.get(folder)
    if man is None or not man.exists:
        return []
    if man.error:
        return [man.error]
    array = _cfg(s).profile.cache.windows_array
    template = _cfg(s).profile.template
    files = {template.format(folder, stem).rsplit("/", 1)[-1]: e for stem, e in cache.entries.get(folder, {}).items()}
    per_file: Counter[str] = Counter(name for _, name, _ in man.items)
    out = []
    absent = sorted(set(per_file) - set(files))
    if absent:
        out.append(f"{man.rel} names {len(absent):,} cache file(s) not on disk: {listing(absent)}")
    counts = {name: _windows_of(e, array) for name, e in files.items()}
    beyond = sorted({name for _, name, idx in man.items if name in counts and counts[name] is not None
                     and not 0 <= idx < counts[name]})
    if beyond:
        out.append(f"{man.rel} points past the last window of {len(beyond):,} file(s): {listing(beyond)}")
    short = [f"{name}: {per_file[name]:,} of {n:,}" for name, n in sorted(counts.items())
             if n is not None and per_file[name] != n]
    if short:
        out.append(f"{man.rel} does not classify every window once for {len(short):,} entr(ies): "
                   f"{listing(short, 2)} (built from a half-built cache?)")
    newer = sorted(n for n, e in files.items() if man.mtime_ns is not None and e.mtime_ns > man.mtime_ns)
    if newer:
        out.append(f"{len(newer):,} entr(ies) in {folder}/ newer than {man.rel}: {listing(newer)}")
    return out


def index_outcome(s: Snapshot) -> Outcome:
    """The index's files and window counts, and the manifest's entries, equal the entry files on disk (F7, F8)."""
    assert s.cache is not None
    cache = _npz(s.cache)
    if not s.cache.dir_exists:
        return Outcome("skip", f"{s.show(s.cache.root)} does not exist")
    template = _cfg(s).profile.cache.entry
    found: list[tuple[str, str]] = []
    for folder in cache.entries:
        found += [("fail", m) for m in _index_problems(s, cache, folder) + _manifest_problems(s, cache, folder)]
    if cache.unmatched:
        status = "fail" if not cache.all_entries() else "warn"
        found.append((status, f"{len(cache.unmatched):,} file(s) do not match the entry template {template}: "
                      f"{listing(cache.unmatched)}; fix pipeline.cache.entry in tusz-guard.toml"))
    details = {"folders": {f: len(e) for f, e in cache.entries.items()},
               "indexes": {f: i.rel for f, i in cache.indexes.items() if i.exists},
               "manifests": {f: m.rel for f, m in cache.manifests.items() if m.exists},
               "problems": [m for _, m in found]}
    if found:
        return Outcome(worst(st for st, _ in found), "; ".join(m for _, m in found), details)
    held = sum(len(e) for e in cache.entries.values())
    what = " and ".join(w for w, d in (("index", cache.indexes), ("manifest", cache.manifests))
                        if any(x.exists for x in d.values())) or "no index or manifest present"
    return Outcome("pass", f"{held:,} entry file(s) in {s.show(s.cache.root)}; {what} agree with them", details)


# ---- cache.integrity and windows.count ------------------------------------------------------------------
def geometry(s: Snapshot) -> tuple[int, int]:
    w, rate = s.cfg.config.windows, s.cfg.config.preprocessing.sampling_rate
    return window_geometry(w.length_s, w.stride_s, rate)


def _entry_problems(s: Snapshot, cache: ForeignCache, e: NpzEntry, expected: int | None) -> list[str]:
    if e.error is not None:
        return [e.error]
    prof = _cfg(s).profile.cache
    arrays = e.arrays or {}
    length, _ = geometry(s)
    out = [f"{name}.npy is an object array (pickled; never unpickled)" for name, h in arrays.items() if h.is_object]
    win = arrays.get(prof.windows_array)
    if win is None:
        return out + [f"no '{prof.windows_array}' array (has {', '.join(sorted(arrays)) or 'none'})"]
    n = win.shape[0] if win.shape else 0
    want = (n, _cfg(s).n_channels, length)
    if win.shape != want:
        out.append(f"{prof.windows_array} shape {win.shape}, expected {want}")
    if expected is not None and n != expected:
        out.append(f"{n:,} windows, the header gives {expected:,}")
    lab = arrays.get(prof.labels_array) if prof.labels_array else None
    if lab is not None and lab.shape != (n, length):
        out.append(f"{prof.labels_array} shape {lab.shape}, expected {(n, length)}")
    if any(not h.size_ok for h in arrays.values() if not h.is_object):
        out.append("a member's size does not fit its .npy header (truncated)")
    return out + _value_problems(cache, e)


def _value_problems(cache: ForeignCache, e: NpzEntry) -> list[str]:
    v = (cache.values or {}).get(e.rel)
    if v is None:
        return []
    if v.error:
        return [v.error]
    out = []
    if v.nonfinite:
        out.append(f"{v.nonfinite:,} non-finite value(s)")
    if v.flat_channels:
        out.append(f"flat channel(s) {', '.join(map(str, v.flat_channels))}")
    if v.bad_labels:
        out.append(f"{v.bad_labels:,} label value(s) outside {{0, 1}}")
    return out


def integrity_outcome(s: Snapshot) -> Outcome:
    """Array shapes from the .npy headers (no decompression); values with --deep."""
    assert s.cache is not None
    cache = _npz(s.cache)
    entries = cache.all_entries()
    if not entries:
        return Outcome("skip", f"{s.show(s.cache.root)} has no entry files")
    expected = _expected_windows(s)
    bad = {e.rel: p for e in entries if (p := _entry_problems(s, cache, e, expected.get((e.folder, e.stem))))}
    lines = [f"{k}: {'; '.join(p)}" for k, p in bad.items()]
    tier = "values read from every entry (--deep)" if cache.values is not None else \
        "shapes from the .npy headers, nothing decompressed (add --deep to read the values)"
    details = {"checked": len(entries), "deep": cache.values is not None, "problems": rows(lines)}
    if bad:
        return Outcome("fail", f"{len(bad):,} of {len(entries):,} entry file(s) are damaged: {listing(lines, 2)}; "
                       f"rebuild them with {_cfg(s).profile.name}'s cache builder", details)
    return Outcome("pass", f"{len(entries):,} entry file(s) checked: {tier}", details)


def _expected_windows(s: Snapshot) -> dict[tuple[str, str], int]:
    if s.ledger is None or s.cache is None:
        return {}
    cache = _npz(s.cache)
    return {(cache.folders[r.role], r.stem): r.windows_expected for r in s.ledger.included()
            if r.role in cache.folders}


def cached_windows(s: Snapshot) -> tuple[dict[str, int], list[str]]:
    """Windows per role in current entries (from headers); entries whose count differs from the EDF header's."""
    from tusz_guard.checks.coverage import cache_plan

    assert s.cache is not None
    array = _cfg(s).profile.cache.windows_array
    per_role = {role: 0 for role in ROLES}
    differ = []
    for item in cache_plan(s).current:
        e = entry_of(s.cache, item.recording)
        got = _windows_of(e, array) if e is not None else None
        if got is None:
            continue
        per_role[item.recording.role] += got
        if got != item.recording.windows_expected:
            differ.append(f"{e.rel}: {got:,} cached, {item.recording.windows_expected:,} expected")
    return per_role, differ


# ---- splits and labels ----------------------------------------------------------------------------------
def misplaced(s: Snapshot) -> list[str]:
    """Entries in the folder of another role than their recording's, and stems with entries in two folders (F10)."""
    assert s.ledger is not None and s.cache is not None
    cache = _npz(s.cache)
    role_of = {folder: role for role, folder in cache.folders.items()}
    stems = {r.stem: r for r in s.ledger.recordings}
    where: dict[str, list[str]] = defaultdict(list)
    out = []
    for e in cache.all_entries():
        where[e.stem].append(e.folder)
        rec = stems.get(e.stem)
        if rec is not None and rec.role is not None and role_of.get(e.folder) != rec.role:
            out.append(f"{e.rel} sits in the {role_of.get(e.folder)} folder but {rec.path} has role {rec.role}")
    out += [f"{stem} has entries in {' and '.join(sorted(f + '/' for f in folders))}"
            for stem, folders in sorted(where.items()) if len(folders) > 1]
    return out


def seizure_mismatches(s: Snapshot) -> list[str]:
    """With --deep: windows whose label mask disagrees with the annotations (more than one sample per edge)."""
    from tusz_guard.checks.coverage import cache_plan

    assert s.ledger is not None and s.cache is not None
    cache = _npz(s.cache)
    if cache.values is None:
        return []
    rate = s.cfg.config.preprocessing.sampling_rate
    length, stride = geometry(s)
    out = []
    for item in cache_plan(s).current:
        r, e = item.recording, entry_of(s.cache, item.recording)
        v = cache.values.get(e.rel) if e is not None else None
        if v is None or v.seizure_per_window is None:
            continue
        want = [_seizure_in(r.seizure_intervals, i * stride, length, rate) for i in range(len(v.seizure_per_window))]
        tolerance = 2 * len(r.seizure_intervals)
        bad = sum(abs(a - b) > tolerance for a, b in zip(v.seizure_per_window, want))
        if bad:
            out.append(f"{e.rel}: {bad:,} window(s) label a different seizure time than the annotations")
    return out


def _seizure_in(intervals, start: int, length: int, rate: int) -> int:
    lo, hi = start, start + length
    return sum(max(0, min(hi, round(b * rate)) - max(lo, round(a * rate))) for a, b in intervals)


# ---- cache.fingerprint ----------------------------------------------------------------------------------
def fingerprint_outcome(s: Snapshot) -> Outcome:
    """Against the stamp when there is one: changed content keys and changed entries; else say what is weaker."""
    assert s.cache is not None
    cache = _npz(s.cache)
    cfg = _cfg(s)
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
        return Outcome("fail", "; ".join(problems) + f"; rebuild them with {cfg.profile.name}'s cache builder, then "
                       f"`tusz-guard stamp {s.show(cfg.path)}`", details)
    extra = len(set(now) - set(then))
    tail = f"; {extra:,} entr(ies) added since (judged by modification time)" if extra else ""
    return Outcome("pass", f"{where} stamp {cache.stamp.get('content_hash')} equals the content keys of "
                   f"{s.show(cfg.path)}; {len(then):,} stamped entries unchanged{tail}", details)
