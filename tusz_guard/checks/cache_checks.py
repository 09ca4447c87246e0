"""cache.*: fingerprint, coverage of the training roles, the index, and entry integrity."""
from __future__ import annotations

from collections import Counter

from tusz_guard.cache.damage import size_problems, sum_problems
from tusz_guard.cache.fingerprint import diff_params, fingerprint_params
from tusz_guard.cache.index_rules import IndexFacts, index_problems
from tusz_guard.cache.space import MARGIN, human, space_needed, verdict
from tusz_guard.cache.store import EntryMeta
from tusz_guard.checks.base import check, listing, rows
from tusz_guard.checks.coverage import by_stem, cache_plan, matching_siblings, orphans, role_counts, throughput, training_items
from tusz_guard.checks.snapshot import EntryScan, Snapshot
from tusz_guard.corpus.channels import CHANNELS_10_20
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES, Recording
from tusz_guard.results import Outcome, Status, worst

REMOTE_FRESHNESS = ("not checked: newer than each entry (mtimes do not survive an upload: upload order is not "
                    "build order)")
CLIP_EPS = 1e-3


def _npz(s: Snapshot) -> bool:
    return s.cache is not None and s.cache.kind == "npz"


def _build_hint(s: Snapshot) -> str:
    return f"run `tusz-guard build-cache {s.show(s.cfg.path)}`"


@check("cache.fingerprint", "The cache was built with this config's preprocessing", needs=("cache",))
def cache_fingerprint(s: Snapshot) -> Outcome:
    if _npz(s):         # a team's own NPZ cache (tusz_guard.pipeline)
        from tusz_guard.pipeline import cache_rules
        return cache_rules.fingerprint_outcome(s)
    c = s.cache
    assert c is not None
    if c.errors:
        return Outcome("fail", f"cannot read the cache: {c.errors[0]}", {"errors": list(c.errors)})
    if c.meta is None and (c.files or c.index is not None):
        return Outcome("fail", f"{s.show(c.root)} holds {len(c.files):,} entries but no tusz-guard-cache.json (the "
                       "cache metadata), so it is not a tusz-guard cache build-cache can use; restore "
                       f"tusz-guard-cache.json, or move the folder away and {_build_hint(s)}",
                       {"entries": len(c.files)})
    if c.meta is None:
        return Outcome("skip", f"no cache metadata in {s.show(c.root)} (cache.coverage reports what is missing)")
    mine = fingerprint_params(s.cfg)
    diff = diff_params(c.meta.params, mine)
    odd = Counter(e.fingerprint for e in c.entries.values() if e.fingerprint != s.fingerprint)
    details = {"cache": c.meta.fingerprint, "config": s.fingerprint, "differs": diff,
               "entries_other_fingerprint": dict(odd), "index": c.index_fingerprint}
    if c.meta.fingerprint != s.fingerprint:
        return Outcome("fail", f"{s.show(c.root)} was built with fingerprint {c.meta.fingerprint}, "
                       f"{s.show(s.cfg.path)} has {s.fingerprint}: {'; '.join(diff) or 'code versions differ'}; "
                       "point data.cache_dir at a new folder and build it, or rebuild with "
                       "`tusz-guard build-cache --rebuild-stale`", details)
    if odd:
        return Outcome("fail", f"{sum(odd.values()):,} entr(ies) in {s.show(c.root)} carry another fingerprint "
                       f"({listing(sorted(odd))}); rebuild them with `tusz-guard build-cache --rebuild-stale`", details)
    return Outcome("pass", f"{s.show(c.root)} fingerprint {s.fingerprint} equals the config's "
                   f"({len(c.entries):,} entries agree)", details)


def _live_line(s: Snapshot, hours: float) -> str:
    rate, where = throughput(s)
    if rate is None:
        return f"{hours:,.1f} recording-hours (no build throughput measured yet)"
    minutes = hours / rate
    eta = f"{minutes:,.0f} min" if minutes >= 1 else f"{minutes * 60:,.0f} s"
    return f"{hours:,.1f} recording-hours, about {eta} at the {rate:,.1f} h/min measured on {where}"


def _sibling_lines(s: Snapshot) -> list[str]:
    lines = []
    for view, held, needed in matching_siblings(s):
        if not held:        # a cache holding none of the needed recordings is no alternative worth naming
            continue
        users = (" and ".join(f"`data.cache_dir` of {u}" for u in view.used_by)) or "the cache_dir of no config here"
        lines.append(f"{view.shown} holds {held:,} of {needed:,} needed recordings with the same fingerprint; it is "
                     f"{users}")
    return lines


@check("cache.coverage", "Every train/val recording has a current cache entry", needs=("ledger",))
def cache_coverage(s: Snapshot) -> Outcome:
    if _npz(s):         # a team's own NPZ cache (tusz_guard.pipeline)
        from tusz_guard.pipeline import cache_rules
        return cache_rules.coverage_outcome(s)
    assert s.ledger is not None
    p = cache_plan(s)
    per_role = {role: role_counts(p, role) for role in ROLES}
    train_val = [per_role[r] for r in TRAINING_ROLES]
    live = sum(int(c["needed"] - c["current"]) for c in train_val)
    needed = sum(int(c["needed"]) for c in train_val)
    stale_reasons = Counter(i.reason for i in p.stale)
    extra = orphans(s) if s.cache is not None else []
    siblings = _sibling_lines(s)
    details = {"roles": per_role, "stale_reasons": dict(stale_reasons), "no_role_entries": rows(extra),
               "siblings": siblings, "not_current": rows([i.recording.path for i in p.items
                                                          if i.state != "current" and i.recording.role in TRAINING_ROLES])}
    where = s.show(s.cfg.cache_dir)
    if live:
        state = "does not exist" if s.cache is None or not s.cache.dir_exists else \
            f"holds {needed - live:,} of {needed:,} train+val recordings"
        stale = sum(int(c["stale"]) for c in train_val)
        msg = (f"{where} {state}: {live:,} recording(s) would be processed live during training "
               f"({live - stale:,} missing, {stale:,} stale"
               f"{': ' + listing(sorted(stale_reasons), 1) if stale else ''}; "
               f"{_live_line(s, sum(c['live_hours'] for c in train_val))})")
        msg += "; " + "; ".join(siblings) if siblings else ""
        return Outcome("fail", f"{msg}; {_build_hint(s)}", details)
    test = per_role["test"]
    notes = []
    if test["needed"] > test["current"]:
        notes.append(f"test: {int(test['needed'] - test['current']):,} of {int(test['needed']):,} not cached")
    if extra:
        notes.append(f"{len(extra):,} entr(ies) belong to no role ({listing(extra, 2)})")
    head = f"{where} holds all {needed:,} train+val recordings"
    if notes:
        return Outcome("warn", f"{head}; {'; '.join(notes)}", details)
    return Outcome("pass", f"{head} and all {int(test['needed']):,} test recordings", details)


@check("cache.disk_space", "The entries still to build fit on the cache's filesystem", needs=("ledger",))
def cache_disk_space(s: Snapshot) -> Outcome:
    where = s.show(s.cfg.cache_dir)
    if s.cfg.cache_url is not None:
        return Outcome("skip", f"{where} is on object storage: build-cache writes a local cache, so free space is "
                               "judged where it is built")
    if s.disk is None:
        return Outcome("skip", f"free space of {where} cannot be read on this platform")
    if _npz(s):
        return Outcome("skip", f"{where} holds a pipeline's compressed NPZ entries: their size is not predictable "
                               f"from the headers ({human(s.disk.free)} free)")
    need = space_needed(training_items(s), s.cfg.config.preprocessing.dtype, s.disk.block)
    free = s.disk.free
    details = {"entries_to_build": need.entries, "bytes_needed": need.bytes, "array_bytes": need.array_bytes,
               "bytes_free": free, "filesystem": str(s.disk.path), "block": s.disk.block,
               "dtype": s.cfg.config.preprocessing.dtype, "margin": MARGIN}
    status = verdict(need.bytes, free)
    if need.entries == 0:
        return Outcome("pass", f"nothing to build; {human(free)} free on the filesystem of {s.disk.path}", details)
    head = (f"{need.entries:,} missing/stale train+val entr{'y' if need.entries == 1 else 'ies'} need "
            f"{need.bytes:,} bytes ({human(need.bytes)}); {free:,} bytes ({human(free)}) free on the filesystem of {s.disk.path}")
    if status == "fail":
        return Outcome("fail", f"{head}: short by {human(need.bytes - free)}; free space there or point "
                               "data.cache_dir at a larger volume before build-cache", details)
    if status == "warn":
        return Outcome("warn", f"{head}: less than a {MARGIN:.0%} margin left", details)
    return Outcome("pass", head, details)


def _index_problems(s: Snapshot) -> list[tuple[Status, str]]:
    c = s.cache
    assert c is not None
    found: list[tuple[Status, str]] = [("fail", e) for e in c.errors]
    if c.index is None and c.errors:
        return found          # the unreadable index is named above
    found += [("fail", p.message) for p in index_problems(index_facts(s))]
    if c.temp:
        found.append(("warn", f"{len(c.temp):,} leftover temporary entr(ies) from an interrupted build: "
                      f"{listing(c.temp)}"))
    if c.foreign:
        found.append(("warn", f"{len(c.foreign):,} path(s) tusz-guard did not make: {listing(c.foreign)}"))
    return found


def index_facts(s: Snapshot) -> IndexFacts:
    """The cache view as cache.index_rules reads it (the same rule pack and verify-archive apply)."""
    c = s.cache
    assert c is not None
    listed = set(c.index or ())
    newer = None if c.index_mtime_ns is None else frozenset(
        k for k in listed & set(c.files) if c.files[k].meta_mtime_ns > c.index_mtime_ns)
    records = {k: scan.disk_meta for k, scan in (c.scans or {}).items() if scan.disk_meta is not None}
    return IndexFacts(where=s.show(c.root), index=c.index, complete=frozenset(c.files),
                      index_present=c.index is not None, index_fingerprint=c.index_fingerprint,
                      cache_fingerprint=c.meta.fingerprint if c.meta is not None else None,
                      meta_newer=newer, records=records)


@check("cache.index", "index.json equals the entries on disk and is newer than each", needs=("cache",))
def cache_index(s: Snapshot) -> Outcome:
    if _npz(s):         # a team's own NPZ cache (tusz_guard.pipeline)
        from tusz_guard.pipeline import index_rules
        return index_rules.index_outcome(s)
    c = s.cache
    assert c is not None
    if not c.dir_exists:
        return Outcome("skip", f"{s.show(c.root)} does not exist")
    found = _index_problems(s)
    details = {"indexed": len(c.entries), "on_disk": len(c.files), "temp": list(c.temp),
               "foreign": rows(list(c.foreign)), "problems": [m for _, m in found], "freshness": c.url is None}
    fresh = " and is newer than each" if c.url is None else f"; {REMOTE_FRESHNESS}"
    if found:
        fix = f"; {_build_hint(s)} to reconcile the index" if any(st == "fail" for st, _ in found) else ""
        note = "" if c.url is None else f" ({REMOTE_FRESHNESS})"
        return Outcome(worst(st for st, _ in found), "; ".join(m for _, m in found) + fix + note, details)
    return Outcome("pass", f"index.json lists exactly the {len(c.files):,} complete entries{fresh}", details)


def _entry_problems(s: Snapshot, key: str, rec: Recording | None) -> list[str]:
    c = s.cache
    assert c is not None
    e, files = c.entries[key], c.files.get(key)
    pre = s.cfg.config.preprocessing
    out = []
    if e.n_channels != len(CHANNELS_10_20):
        out.append(f"{e.n_channels} channels, expected {len(CHANNELS_10_20)}")
    if rec is not None and rec.duration_s is not None and e.sampling_rate == pre.sampling_rate \
            and e.n_samples != rec.n_samples:
        out.append(f"{e.n_samples:,} samples, the header says {rec.n_samples:,} ({rec.duration_s:g} s at "
                   f"{pre.sampling_rate} Hz)")
    if files is not None:
        out += size_problems(e, files.signal_size, files.labels_size)
    out += _value_problems(s, key)
    out += _sum_problems(e, (c.scans or {}).get(key))
    return out


def _sum_problems(e: EntryMeta, scan: EntryScan | None) -> list[str]:
    """The deep scan's sums against the recorded ones: the rule the builder's damage scan uses (cache/damage.py)."""
    if scan is None or scan.error:
        return []
    return sum_problems(e, scan.signal_sha256, scan.labels_sha256)


def _tier(s: Snapshot) -> str:
    """What cache.integrity verified: sums only where the entries carry them (format v2)."""
    c = s.cache
    assert c is not None
    unsummed = sum(e.signal_sha256 is None or e.labels_sha256 is None for e in c.entries.values())
    if c.scans is not None:
        tier = "shapes, sizes, values and sha256 read from every entry (--deep)"
    else:
        tier = "shapes, file sizes and recorded statistics (add --deep to read the values and verify the sha256)"
    if unsummed:
        tier += f"; {unsummed:,} entr(ies) carry no checksums (cache format v1): sizes only"
    return tier


def _value_problems(s: Snapshot, key: str) -> list[str]:
    c = s.cache
    assert c is not None
    e = c.entries[key]
    clip = s.cfg.config.preprocessing.clip
    scan = (c.scans or {}).get(key)
    nonfinite = scan.nonfinite if scan is not None and scan.error is None else e.nonfinite
    lo = scan.min if scan is not None and scan.min is not None else e.min
    hi = scan.max if scan is not None and scan.max is not None else e.max
    flat = [CHANNELS_10_20[i] for i in scan.zero_variance] if scan is not None \
        else [ch for ch, sd in zip(CHANNELS_10_20, e.std, strict=False) if sd == 0] if 0 in e.std else []
    out = []
    if scan is not None and scan.error:
        out.append(scan.error)
    if scan is not None and scan.signal_shape is not None and scan.signal_shape != (e.n_channels, e.n_samples):
        out.append(f"signal shape {scan.signal_shape}, the record says ({e.n_channels}, {e.n_samples})")
    if scan is not None and scan.labels_shape is not None and scan.labels_shape != (e.n_samples,):
        out.append(f"labels shape {scan.labels_shape}, expected ({e.n_samples},)")
    if nonfinite:
        out.append(f"{nonfinite:,} non-finite value(s)")
    if clip is not None and (lo < -clip - CLIP_EPS or hi > clip + CLIP_EPS):
        out.append(f"values {lo:g}..{hi:g} exceed the clip ±{clip:g}")
    if flat:
        out.append(f"zero-variance channel(s) {', '.join(flat)}")
    return out


@check("cache.integrity", "Entries have header-derived shapes and sane values", needs=("cache",))
def cache_integrity(s: Snapshot) -> Outcome:
    if _npz(s):         # a team's own NPZ cache (tusz_guard.pipeline)
        from tusz_guard.pipeline import entry_rules
        return entry_rules.integrity_outcome(s)
    c = s.cache
    assert c is not None
    if not c.entries:
        return Outcome("skip", f"{s.show(c.root)} has no indexed entries")
    stems = by_stem(s) if s.ledger is not None else {}
    bad = {k: p for k in sorted(c.entries) if (p := _entry_problems(s, k, stems.get(k)))}
    lines = [f"{k}: {'; '.join(p)}" for k, p in bad.items()]
    tier = _tier(s)
    details = {"checked": len(c.entries), "deep": c.scans is not None, "problems": rows(lines)}
    if bad:
        return Outcome("fail", f"{len(bad):,} of {len(c.entries):,} entr(ies) are damaged: {listing(lines, 2)}; "
                       f"rebuild them with `tusz-guard build-cache {s.show(s.cfg.path)} --rebuild-damaged`", details)
    return Outcome("pass", f"{len(c.entries):,} entries checked: {tier}", details)
