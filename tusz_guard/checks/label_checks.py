"""labels.*: the vocabulary, parse results, and seizure time in annotations vs the cache."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import cast

from tusz_guard.checks.base import check, listing, n, rows
from tusz_guard.checks.coverage import cache_plan
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.checks.windowing import WindowClasses, classify, seizure_samples
from tusz_guard.config.schema import BACKGROUND_LABELS, SEIZURE_LABELS
from tusz_guard.corpus.facts import ANNOTATION_CODES, FactCode
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES, Recording
from tusz_guard.corpus.windows import window_geometry
from tusz_guard.results import Outcome, Status, worst

# Every label TUSZ (and NEDC tooling) uses: a configured label outside it can never match (e.g. 'spkz').
KNOWN_LABELS = frozenset(SEIZURE_LABELS) | {"nesz"} | frozenset(BACKGROUND_LABELS)
SYSTEMIC_SHARE = 0.5      # more than half of a role failing to parse points at the parser, not the files


@check("labels.vocabulary", "Every annotation label is a seizure or a background label", needs=("ledger",))
def labels_vocabulary(s: Snapshot) -> Outcome:
    assert s.ledger is not None
    labels = s.cfg.config.labels
    known = set(labels.seizure) | set(labels.background)
    files: dict[str, list[str]] = defaultdict(list)
    for r in s.ledger.recordings:
        if r.role is not None:
            for label in r.labels:
                files[label].append(r.path)
    unknown = {k: v for k, v in files.items() if k not in known}
    bogus = sorted(set(labels.seizure) - KNOWN_LABELS)
    details = {"labels": {k: len(v) for k, v in sorted(files.items())},
               "unknown": {k: rows(v) for k, v in sorted(unknown.items())}, "not_tusz": bogus}
    problems = [f"label '{k}' in {plural_files(v)} (e.g. {v[0]}) is in neither labels.seizure nor labels.background"
                for k, v in sorted(unknown.items())]
    problems += [f"labels.seizure lists '{b}', which is not a TUSZ label" for b in bogus]
    if problems:
        where = s.show(s.cfg.path) if getattr(s.cfg, "profile", None) is None \
            else "[pipeline.labels] of tusz-guard.toml"      # a team's own config: the label sets are in its profile
        return Outcome("fail", "; ".join(problems) + f"; add each seen label to the right set in {where} and "
                       "rebuild the cache", details)
    seen = ", ".join(f"{k} {len(v):,}" for k, v in sorted(files.items()))
    return Outcome("pass", f"{_labels_seen(len(files))} in the label sets (files per label: {seen})", details)


def _labels_seen(count: int) -> str:
    """'the one label seen is', not 'all 1 labels seen are'."""
    if count == 0:
        return "no label seen; nothing to check"
    return "the one label seen is" if count == 1 else f"all {count:,} labels seen are"


def plural_files(paths: list[str]) -> str:
    return f"{len(paths):,} file" + ("" if len(paths) == 1 else "s")


# Fact codes that block an included recording's labels ("unparsed" rows are counted separately: the
# ledger excludes such a file as bad_annotations).
EVENT_CODES: frozenset[FactCode] = ANNOTATION_CODES - {"unparsed"}


def _unparsed_line(r: Recording) -> str:
    # A file that could not be read at all has no rows: "0 of 0 rows parsed" would hide why (the ledger's note says).
    if r.annotation_rows == 0 and r.reason == "bad_annotations" and r.notes:
        return f"{r.path}: {r.notes[-1]}"
    return f"{r.path}: {r.annotation_parsed:,} of {r.annotation_rows:,} rows parsed"


@check("labels.parse", "Annotation rows parse; events lie inside the recording and do not overlap",
       needs=("ledger",))
def labels_parse(s: Snapshot) -> Outcome:
    assert s.ledger is not None
    used = [r for r in s.ledger.recordings if r.role is not None]
    unparsed = [_unparsed_line(r) for r in used
                if r.annotation_rows != r.annotation_parsed or r.reason == "bad_annotations"]
    inside = [f"{r.path} {p.text}" for r in used if r.included
              for p in r.annotation_problems if p.code in EVENT_CODES]
    missing = [r.path for r in used if r.reason == "no_annotations"]
    per_role = Counter(r.role for r in used if r.reason == "bad_annotations")
    found = Counter(r.role for r in used)
    systemic = [f"{role}: {per_role[role]:,} of {found[role]:,}" for role in per_role
                if per_role[role] / found[role] > SYSTEMIC_SHARE]
    details = {"unparsed": rows(unparsed), "outside_or_overlap": rows(inside), "no_annotations": rows(missing),
               "rows": sum(r.annotation_rows for r in used), "parsed": sum(r.annotation_parsed for r in used)}
    findings: list[tuple[Status, str]] = []
    if systemic:
        findings.append(("fail", f"annotation files fail to parse in bulk ({'; '.join(systemic)}): the parser and "
                         f"the files disagree on the format (data.annotations={s.cfg.config.data.annotations}); "
                         f"e.g. {unparsed[0]}"))
    if inside:
        findings.append(("fail", f"{n(len(inside))} event problem(s) in included recordings: {listing(inside, 2)}; "
                         "fix the annotation files"))
    if unparsed and not systemic:
        findings.append(("warn", f"{n(len(unparsed))} file(s) with rows that did not parse are excluded: "
                         f"{listing(unparsed, 2)}"))
    if missing:
        findings.append(("warn", f"{n(len(missing))} recording(s) without a .{s.cfg.config.data.annotations} file are "
                         f"excluded, not labelled background: {listing(missing, 2)}"))
    if findings:
        return Outcome(worst(st for st, _ in findings), "; ".join(m for _, m in findings), details)
    return Outcome("pass", f"{details['parsed']:,} of {details['rows']:,} annotation rows parsed in "
                   f"{n(len(used))} files; no event outside its recording, no overlap", details)


def recording_windows(s: Snapshot) -> dict[str, WindowClasses]:
    """Window classes of every included recording, by path (memoized: the roles and the report sum them)."""
    assert s.ledger is not None
    if "recording_windows" not in s.memo:
        pre = s.cfg.config.preprocessing
        length, stride = window_geometry(s.cfg.config.windows.length_s, s.cfg.config.windows.stride_s,
                                         pre.sampling_rate)
        s.memo["recording_windows"] = {r.path: classify(r, pre.sampling_rate, length, stride)
                                       for r in s.ledger.included()}
    return cast("dict[str, WindowClasses]", s.memo["recording_windows"])


def role_windows(s: Snapshot) -> dict[str, WindowClasses]:
    """Window classes per role over included recordings (pure; shared with windows.count and the report)."""
    assert s.ledger is not None
    if "role_windows" not in s.memo:
        per_path = recording_windows(s)
        sums: dict[str, list[int]] = {}
        for r in s.ledger.included():
            if r.role is not None:
                w, into = per_path[r.path], sums.setdefault(r.role, [0, 0, 0])
                into[0] += w.background
                into[1] += w.partial
                into[2] += w.full
        s.memo["role_windows"] = {role: WindowClasses(*counts) for role, counts in sums.items()}
    return cast("dict[str, WindowClasses]", s.memo["role_windows"])


def cache_seizure_mismatches(s: Snapshot) -> list[str]:
    """Included recordings whose current cache entry holds a different seizure time than the annotations."""
    assert s.ledger is not None and s.cache is not None
    if s.cache.kind == "npz":     # label masks are read only with --deep
        from tusz_guard.pipeline.entry_rules import seizure_mismatches
        return seizure_mismatches(s)
    rate = s.cfg.config.preprocessing.sampling_rate
    scans = s.cache.scans or {}
    out = []
    for item in cache_plan(s).current:
        r, entry = item.recording, item.entry
        assert entry is not None                      # a current item has its entry
        want = seizure_samples(r, rate) if r.seizure_intervals else 0
        tolerance = 2 * len(r.seizure_intervals)     # each interval edge may round by one sample
        scan = scans.get(entry.key) if scans else None
        held = (entry.seizure_samples,) if scan is None or scan.seizure_samples is None \
            else (entry.seizure_samples, scan.seizure_samples)
        for got in held:
            if abs(got - want) > tolerance:
                out.append(f"{entry.key}: cache holds {got / rate:,.1f} s of seizure, annotations {want / rate:,.1f} s")
                break
    return out


def _rebuilder(s: Snapshot) -> str:
    if s.cache is not None and s.cache.kind == "npz":       # a team's own cache: its own builder rebuilds it
        from tusz_guard.pipeline.cache_rules import builder
        return builder(s)
    return "`tusz-guard build-cache --rebuild-stale`"


@check("labels.seizures", "Training roles hold seizure windows; cache seizure time equals annotations",
       needs=("ledger",))
def labels_seizures(s: Snapshot) -> Outcome:
    assert s.ledger is not None
    windows = role_windows(s)
    totals = s.ledger.totals()
    empty = [role for role in TRAINING_ROLES if windows.get(role, WindowClasses()).seizure == 0]
    mismatched = cache_seizure_mismatches(s) if s.cache is not None else []
    details = {"seizure_seconds": {r: round(t.seizure_seconds, 3) for r, t in totals.items()},
               "seizure_windows": {r: w.seizure for r, w in windows.items()}, "mismatched": rows(mismatched)}
    problems = []
    if empty:
        problems.append(f"role(s) {', '.join(empty)} have zero seizure windows among "
                        f"{', '.join(f'{windows.get(r, WindowClasses()).total:,}' for r in empty)} windows: check "
                        "labels.seizure and the annotation parser before training a model that can only say no")
    if mismatched:
        problems.append(f"{n(len(mismatched))} cache entr(ies) disagree with the annotations on seizure time: "
                        f"{listing(mismatched, 2)}; rebuild them with {_rebuilder(s)}")
    if problems:
        return Outcome("fail", "; ".join(problems), details)
    parts = [f"{r} {windows[r].seizure:,} seizure windows ({totals[r].seizure_seconds:,.1f} s)"
             for r in ROLES if r in windows]
    compared = len(cache_plan(s).current) if s.cache is not None else 0
    if s.cache is not None and s.cache.kind == "npz" and s.cache.npz.values is None:   # masks unread without --deep
        details["compared_entries"] = 0
        return Outcome("pass", "; ".join(parts) + "; cached label masks are compared with the annotations with "
                       "--deep", details)
    details["compared_entries"] = compared
    tail = (f"; cache seizure time matches the annotations in all {compared:,} current entries" if compared
            else "; no current cache entry to compare with the annotations")
    return Outcome("pass", "; ".join(parts) + tail, details)
