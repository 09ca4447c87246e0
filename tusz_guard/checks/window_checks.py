"""windows.count: windows each role yields, from the headers and from what the cache holds."""
from __future__ import annotations

from tusz_guard.checks.base import check, listing, n, rows
from tusz_guard.checks.coverage import cache_plan
from tusz_guard.checks.label_checks import role_windows
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES
from tusz_guard.corpus.windows import n_windows, window_geometry
from tusz_guard.results import Outcome


def cached_windows(s: Snapshot) -> tuple[dict[str, int], list[str]]:
    """Windows per role from current entries' sample counts; and entries whose count differs from the header's."""
    assert s.ledger is not None
    if s.cache is not None and s.cache.kind == "npz":    # counts from the NPZ headers
        from tusz_guard.pipeline.entry_rules import cached_windows as npz_windows
        return npz_windows(s)
    w = s.cfg.config.windows
    length, stride = window_geometry(w.length_s, w.stride_s, s.cfg.config.preprocessing.sampling_rate)
    per_role: dict[str, int] = {role: 0 for role in ROLES}
    differ = []
    for item in cache_plan(s).items:
        r, e = item.recording, item.entry
        if e is None or r.role is None or e.fingerprint != s.fingerprint:
            continue
        got = n_windows(e.n_samples, length, stride)
        per_role[r.role] += got
        if got != r.windows_expected:
            differ.append(f"{e.key}: {got:,} cached, {r.windows_expected:,} expected")
    return per_role, differ


def recording_cached_windows(s: Snapshot) -> dict[str, int]:
    """Windows each recording's entry holds, by ledger path, under the same rule as cached_windows."""
    assert s.ledger is not None
    if s.cache is not None and s.cache.kind == "npz":
        from tusz_guard.pipeline.entry_rules import recording_windows
        return recording_windows(s)
    w = s.cfg.config.windows
    length, stride = window_geometry(w.length_s, w.stride_s, s.cfg.config.preprocessing.sampling_rate)
    return {i.recording.path: n_windows(i.entry.n_samples, length, stride) for i in cache_plan(s).items
            if i.entry is not None and i.recording.role is not None and i.entry.fingerprint == s.fingerprint}


@check("windows.count", "Window counts per role, expected vs cached", needs=("ledger",))
def windows_count(s: Snapshot) -> Outcome:
    assert s.ledger is not None
    totals = s.ledger.totals()
    classes = role_windows(s)
    cached, differ = cached_windows(s)
    w = s.cfg.config.windows
    details = {"length_s": w.length_s, "stride_s": w.stride_s,
               "roles": {r: {"expected": totals[r].windows_expected, "cached": cached[r],
                             "background": classes[r].background if r in classes else 0,
                             "partial": classes[r].partial if r in classes else 0,
                             "full": classes[r].full if r in classes else 0} for r in ROLES},
               "differ": rows(differ)}
    empty = [r for r in TRAINING_ROLES if totals[r].windows_expected == 0]
    line = "; ".join(f"{r} {n(totals[r].windows_expected)} expected, {n(cached[r])} cached" for r in ROLES)
    if empty:
        return Outcome("fail", f"role(s) {', '.join(empty)} yield no {w.length_s:g} s window ({line}); shorten "
                       "windows.length_s or check data_dir", details)
    if differ:
        return Outcome("fail", f"{n(len(differ))} cached recording(s) yield a different window count than their "
                       f"header: {listing(differ, 2)}; rebuild them with `tusz-guard build-cache --rebuild-stale`",
                       details)
    return Outcome("pass", f"{line} ({w.length_s:g} s windows, {w.stride_s:g} s stride)", details)
