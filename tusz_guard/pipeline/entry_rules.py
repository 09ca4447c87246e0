"""cache.integrity, windows.count and the cache side of splits/labels for a foreign NPZ cache."""
from __future__ import annotations

from collections import defaultdict

from tusz_guard.checks.base import listing, rows
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.corpus.ledger import ROLES
from tusz_guard.corpus.windows import window_geometry
from tusz_guard.pipeline.cache_rules import builder, cfg_of, entry_of, npz_of, windows_of
from tusz_guard.pipeline.foreign_cache import ForeignCache, NpzEntry
from tusz_guard.results import Outcome


# ---- cache.integrity and windows.count ------------------------------------------------------------------
def geometry(s: Snapshot) -> tuple[int, int]:
    w, rate = s.cfg.config.windows, s.cfg.config.preprocessing.sampling_rate
    return window_geometry(w.length_s, w.stride_s, rate)


def _entry_problems(s: Snapshot, cache: ForeignCache, e: NpzEntry, expected: int | None) -> list[str]:
    if e.error is not None:
        return [e.error]
    prof = cfg_of(s).profile.cache
    arrays = e.arrays or {}
    length, _ = geometry(s)
    out = [f"{name}.npy is an object array (pickled; never unpickled)" for name, h in arrays.items() if h.is_object]
    win = arrays.get(prof.windows_array)
    if win is None:
        return out + [f"no '{prof.windows_array}' array (has {', '.join(sorted(arrays)) or 'none'})"]
    n = win.shape[0] if win.shape else 0
    want = (n, cfg_of(s).n_channels, length)
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
    cache = npz_of(s.cache)
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
                       f"rebuild them with {builder(s)}", details)
    return Outcome("pass", f"{len(entries):,} entry file(s) checked: {tier}", details)


def _expected_windows(s: Snapshot) -> dict[tuple[str, str], int]:
    if s.ledger is None or s.cache is None:
        return {}
    cache = npz_of(s.cache)
    return {(cache.folders[r.role], r.stem): r.windows_expected for r in s.ledger.included()
            if r.role in cache.folders}


def cached_windows(s: Snapshot) -> tuple[dict[str, int], list[str]]:
    """Windows per role in current entries (from headers); entries whose count differs from the EDF header's."""
    from tusz_guard.checks.coverage import cache_plan

    assert s.cache is not None
    array = cfg_of(s).profile.cache.windows_array
    per_role: dict[str, int] = {role: 0 for role in ROLES}
    differ = []
    for item in cache_plan(s).current:
        e = entry_of(s.cache, item.recording)
        got = windows_of(e, array) if e is not None else None
        if got is None or e is None or item.recording.role is None:
            continue
        per_role[item.recording.role] += got
        if got != item.recording.windows_expected:
            differ.append(f"{e.rel}: {got:,} cached, {item.recording.windows_expected:,} expected")
    return per_role, differ


def recording_windows(s: Snapshot) -> dict[str, int]:
    """Windows each current entry holds (from its header), by ledger path."""
    from tusz_guard.checks.coverage import cache_plan

    assert s.cache is not None
    array = cfg_of(s).profile.cache.windows_array
    out = {}
    for item in cache_plan(s).current:
        e = entry_of(s.cache, item.recording)
        got = windows_of(e, array) if e is not None else None
        if got is not None and item.recording.role is not None:
            out[item.recording.path] = got
    return out


# ---- splits and labels ----------------------------------------------------------------------------------
def misplaced(s: Snapshot) -> list[str]:
    """Entries in the folder of another role than their recording's, and stems with entries in two folders (F10)."""
    assert s.ledger is not None and s.cache is not None
    cache = npz_of(s.cache)
    # a folder several roles share (a template without {split}) says nothing about roles
    role_of = {folder: role for role, folder in cache.folders.items()
               if list(cache.folders.values()).count(folder) == 1}
    stems = {r.stem: r for r in s.ledger.recordings}
    where: dict[str, list[str]] = defaultdict(list)
    out = []
    for e in cache.all_entries():
        where[e.stem].append(e.folder)
        rec = stems.get(e.stem)
        if rec is not None and rec.role is not None and e.folder in role_of and role_of[e.folder] != rec.role:
            out.append(f"{e.rel} sits in the {role_of.get(e.folder)} folder but {rec.path} has role {rec.role}")
    out += [f"{stem} has entries in {' and '.join(sorted(f + '/' for f in folders))}"
            for stem, folders in sorted(where.items()) if len(folders) > 1]
    return out


def seizure_mismatches(s: Snapshot) -> list[str]:
    """With --deep: windows whose label mask disagrees with the annotations (more than one sample per edge)."""
    from tusz_guard.checks.coverage import cache_plan

    assert s.ledger is not None and s.cache is not None
    cache = npz_of(s.cache)
    if cache.values is None:
        return []
    rate = s.cfg.config.preprocessing.sampling_rate
    length, stride = geometry(s)
    out = []
    for item in cache_plan(s).current:
        r, e = item.recording, entry_of(s.cache, item.recording)
        v = cache.values.get(e.rel) if e is not None else None
        if e is None or v is None or v.seizure_per_window is None:
            continue
        want = [_seizure_in(r.seizure_intervals, i * stride, length, rate) for i in range(len(v.seizure_per_window))]
        tolerance = 2 * len(r.seizure_intervals)
        bad = sum(abs(a - b) > tolerance for a, b in zip(v.seizure_per_window, want, strict=False))
        if bad:
            out.append(f"{e.rel}: {bad:,} window(s) label a different seizure time than the annotations")
    return out


def _seizure_in(intervals, start: int, length: int, rate: int) -> int:
    lo, hi = start, start + length
    return sum(max(0, min(hi, round(b * rate)) - max(lo, round(a * rate))) for a, b in intervals)


