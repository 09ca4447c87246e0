"""Assemble the Report: findings plus every number a renderer shows (renderers never compute)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any

from tusz_guard import __version__
from tusz_guard.checks.coverage import cache_plan, matching_siblings, role_counts, throughput
from tusz_guard.checks.label_checks import recording_windows, role_windows
from tusz_guard.checks.snapshot import ConfigLoad, Snapshot
from tusz_guard.checks.window_checks import cached_windows, recording_cached_windows
from tusz_guard.checks.windowing import WindowClasses
from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.funnel import funnel_lines
from tusz_guard.corpus.ledger import REASONS, ROLES, TRAINING_ROLES
from tusz_guard.flat import flatten
from tusz_guard.results import ConfigSummary, Finding, Report
from tusz_guard.storage.location import redact_urls, shown_path


def config_values(cfg: LoadedConfig) -> dict[str, Any]:
    """The config's effective values as dotted keys, URLs redacted (a URL may carry user:password@ or a token)."""
    return {k: redact_urls(v) for k, v in flatten(cfg.config.model_dump(mode="json")).items()}


def config_summary(load: ConfigLoad) -> ConfigSummary:
    cfg = load.config
    assert cfg is not None
    return ConfigSummary(path=load.shown, name=cfg.name, kind=cfg.config.experiment.kind, data_dir=shown_path(cfg.data_dir),
                         cache_dir=shown_path(cfg.cache_dir), fingerprint=load.fingerprint or "",
                         values=config_values(cfg),
                         overrides={o.key: f"{redact_urls(o.text)} (from {o.source})" for o in cfg.overrides})


def totals(s: Snapshot) -> dict[str, dict[str, Any]]:
    """Per role: found, included, excluded by reason, cached, would_process_live, windows and seizure seconds."""
    if s.ledger is None:
        return {}
    p = cache_plan(s)
    cached, _ = cached_windows(s)
    out = {}
    for role, t in s.ledger.totals().items():
        counts = role_counts(p, role)
        out[role] = {"found": t.found, "included": t.included, "excluded": dict(t.excluded),
                     "cached": int(counts["current"]), "would_process_live": int(counts["needed"] - counts["current"]),
                     "windows_expected": t.windows_expected, "windows_cached": cached[role],
                     "seizure_seconds": round(t.seizure_seconds, 3)}
    return out


def sections(s: Snapshot) -> dict[str, Any]:
    """Data for tables and charts: paths, configs side by side, coverage, windows, labels, headers, caches."""
    out: dict[str, Any] = {
        "paths": {"config": str(s.cfg.path), "project_root": str(s.cfg.project_root), "data_dir": shown_path(s.cfg.data_dir),
                  "cache_dir": shown_path(s.cfg.cache_dir), "output_dir": str(s.cfg.output_dir)},
        "configs": {c.shown: config_values(c.config) for c in s.configs if c.config},
        "config_errors": {c.shown: c.error for c in s.configs if c.error},
        "environment": [{"name": e.name, "value": e.value, "meaning": e.meaning} for e in s.environment],
    }
    if s.cache is not None:
        out["cache"] = _cache_section(s)
    if s.ledger is not None:
        out.update(_corpus_sections(s))
    return out


def _cache_section(s: Snapshot) -> dict[str, Any]:
    c = s.cache
    assert c is not None
    rate, where = throughput(s)
    siblings = [{"cache_dir": v.shown, "fingerprint": v.meta.fingerprint if v.meta else None,
                 "entries": len(v.entries), "used_by": list(v.used_by)} for v in s.sibling_caches]
    same = {v.shown: {"holds": held, "needed": needed} for v, held, needed in matching_siblings(s)} \
        if s.ledger is not None else {}
    return {"root": shown_path(c.root), "exists": c.exists, "fingerprint": c.meta.fingerprint if c.meta else None,
            "entries": len(c.entries), "on_disk": len(c.files), "temp": len(c.temp), "foreign": len(c.foreign),
            "throughput_hours_per_minute": rate, "throughput_from": where, "siblings": siblings,
            "same_fingerprint": same}


def _corpus_sections(s: Snapshot) -> dict[str, Any]:
    assert s.ledger is not None
    p = cache_plan(s)
    classes = role_windows(s)
    labels: dict[str, dict[str, int]] = defaultdict(lambda: {r: 0 for r in ROLES})
    seconds: dict[str, float] = defaultdict(float)
    rates: dict[str, int] = defaultdict(int)
    for r in s.ledger.recordings:
        if r.role is not None:
            for label in r.labels:
                labels[label][r.role] += 1
        if r.included:
            for label, secs in r.label_seconds:
                seconds[label] += secs
            if r.sfreq:
                rates[f"{r.sfreq:g}"] += 1
    cached = cached_classes(s)
    totals = s.ledger.totals()
    known = s.cfg.config.labels
    return {
        "coverage": {role: role_counts(p, role) for role in ROLES},
        "windows": {role: {"expected": totals[role].windows_expected,
                           "cached": cached.get(role, WindowClasses()).total,
                           "seizure": classes.get(role, WindowClasses()).seizure,   # from the annotations
                           "seizure_cached": cached.get(role, WindowClasses()).seizure,
                           "background": classes.get(role, WindowClasses()).background,
                           "partial": classes.get(role, WindowClasses()).partial,
                           "full": classes.get(role, WindowClasses()).full} for role in ROLES},
        # seconds per label over the included recordings (the HTML label chart), and files per label and role
        "labels": {k: round(seconds[k], 1) for k in sorted(seconds)},
        "label_files": {k: labels[k] for k in sorted(labels)},
        "label_kinds": {k: "seizure" if k in known.seizure else "background" if k in known.background
                        else "unknown" for k in sorted(labels)},
        "sampling_rates": dict(sorted(rates.items(), key=lambda kv: float(kv[0]))),
        "patients": {role: t.patients for role, t in s.ledger.totals().items()},
    }


def cached_classes(s: Snapshot) -> dict[str, WindowClasses]:
    """Window classes per role over the recordings whose cache entry is current."""
    per_path = recording_windows(s)
    out: dict[str, WindowClasses] = {}
    for item in cache_plan(s).current:
        role = item.recording.role
        if role is None:
            continue
        out[role] = out.get(role, WindowClasses()) + per_path[item.recording.path]
    return out


def recording_rows(s: Snapshot) -> tuple[dict[str, Any], ...]:
    """One row per ledger recording (JSON report v2 `recordings`), from the ledger and the cache plan already made.

    notes and header_defects stay the ledger's tuples (JSON writes them as arrays; at corpus scale, copies as lists
    cost 8 MiB)."""
    if s.ledger is None:
        return ()
    planned = {i.recording.path: i for i in cache_plan(s).items}
    cached = recording_cached_windows(s) if s.cache is not None else {}
    rows = []
    for r in s.ledger.recordings:
        item = planned.get(r.path)
        rows.append({"path": r.path, "role": r.role, "split": r.split, "patient": r.patient, "status": r.status,
                     "reason": r.reason, "notes": r.notes,
                     "cache": item.state if item is not None else None,
                     "cache_reason": item.reason if item is not None and item.state == "stale" else None,
                     "windows_expected": r.windows_expected, "windows_cached": cached.get(r.path, 0),
                     "seizure_seconds": round(r.seizure_seconds, 3), "header_defects": r.header_defects})
    return tuple(rows)


# Which recordings each check's finding is about, as filters of the recordings table (filter, label).
_COVERAGE = tuple(({"role": role, "cache": state}, f"{role} {state}") for role in TRAINING_ROLES
                  for state in ("missing", "stale"))
ROW_LINKS: dict[str, tuple[tuple[dict[str, str], str], ...]] = {
    "cache.coverage": _COVERAGE,          # the check judges train and val only
    "cache.fingerprint": tuple(f for f in _COVERAGE if f[0]["cache"] == "stale"),
    "corpus.ledger": tuple(({"reason": r}, f"excluded: {r}") for r in REASONS),
    "corpus.headers": (({"reason": "unreadable"}, "unreadable"), ({"reason": "missing_channels"}, "missing channels")),
    "labels.parse": (({"reason": "bad_annotations"}, "bad annotations"), ({"reason": "no_annotations"}, "no annotations")),
}


def recording_links(rows: tuple[dict[str, Any], ...]) -> dict[str, list[dict[str, Any]]]:
    """Per check id: the table filters naming its recordings, with how many rows each shows (none when 0)."""
    keys = sorted({k for links in ROW_LINKS.values() for flt, _ in links for k in flt})
    combos = Counter(tuple(r.get(k) for k in keys) for r in rows)     # one pass; filters judge the few combinations
    out = {}
    for cid, links in ROW_LINKS.items():
        found = []
        for flt, label in links:
            n = sum(c for combo, c in combos.items() if all(combo[keys.index(k)] == v for k, v in flt.items()))
            if n:
                found.append({"filter": flt, "label": label, "n": n})
        if found:
            out[cid] = found
    return out


def build_report(s: Snapshot, findings: list[Finding], strict: bool = False,
                 extra_sections: dict[str, Any] | None = None) -> Report:
    """The Report every renderer consumes."""
    funnel = tuple(funnel_lines(s.ledger, s.cfg.config.data.validation_split)) if s.ledger is not None else ()
    rows = recording_rows(s)
    links = {"recording_links": recording_links(rows)} if rows else {}
    return Report(findings=tuple(findings), configs=tuple(config_summary(c) for c in s.configs if c.config),
                  cache_dir=shown_path(s.cfg.cache_dir), fingerprint=s.fingerprint, totals=totals(s), funnel=funnel,
                  sections={**sections(s), **links, **(extra_sections or {})},
                  generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  tool_version=__version__, strict=strict, recordings=rows)
