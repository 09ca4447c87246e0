"""corpus.*: the layout under data_dir, the funnel from found to roles, and the EDF headers."""
from __future__ import annotations

from collections import Counter

from tusz_guard.checks.base import check, listing, n, rows
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.corpus.facts import HEADER_NOTICE_CODES
from tusz_guard.corpus.funnel import funnel_lines
from tusz_guard.corpus.ledger import REASONS, TRAINING_ROLES, Ledger
from tusz_guard.corpus.paths import POLICY_SPLITS
from tusz_guard.corpus.stems import describe, duplicate_stems
from tusz_guard.results import Outcome
from tusz_guard.storage.location import shown_path

EXCLUDED_SHARE_WARN = 0.25


@check("corpus.layout", "data_dir holds the TUSZ layout")
def corpus_layout(s: Snapshot) -> Outcome:
    if s.ledger is None:
        return Outcome("fail", f"cannot scan the corpus: {s.ledger_error}", {"data_dir": shown_path(s.cfg.data_dir)})
    led = s.ledger
    present = Counter(r.split for r in led.recordings)
    missing = [f"{split}/ (role {role})" for split, role in POLICY_SPLITS[led.policy] if not present[split]]
    ignored = [f"{path}: {problem}" for path, problem in led.layout_problems]
    details = {"data_dir": shown_path(led.data_dir), "files_per_split": dict(present), "ignored": rows(ignored)}
    shared = describe(duplicate_stems(r.path for r in led.recordings))
    if shared:    # the cache keys entries by stem: two recordings would share, and keep swapping, one entry
        return Outcome("fail", f"{n(len(shared))} stem(s) name more than one recording: {listing(shared, 2)}; "
                       "a stem must be unique across the corpus: remove or rename the copy",
                       {**details, "duplicate_stems": rows(shared)})
    if missing:
        return Outcome("fail", f"{s.show(led.data_dir)} has no recordings under {', '.join(missing)}; data.data_dir "
                       f"must be the folder holding train/ dev/ eval/ ({n(len(ignored))} file(s) outside the "
                       f"layout{': ' + listing(ignored, 1) if ignored else ''})", details)
    if ignored:
        return Outcome("warn", f"{n(len(ignored))} .edf file(s) outside the TUSZ layout are ignored: "
                       f"{listing(ignored, 2)}; move or rename them", details)
    return Outcome("pass", f"{n(len(led.recordings))} recordings in the TUSZ layout under {s.show(led.data_dir)} "
                   f"({', '.join(f'{k}/ {n(v)}' for k, v in sorted(present.items()))})", details)


def _role_line(led: Ledger, role: str) -> str:
    t = led.totals()[role]
    return f"{role} {n(t.included)} of {n(t.found)} included"


@check("corpus.ledger", "Every recording is explained: found -> excluded -> roles", needs=("ledger",))
def corpus_ledger(s: Snapshot) -> Outcome:
    led = s.ledger
    assert led is not None
    totals = led.totals()
    details = {"funnel": funnel_lines(led, s.cfg.config.data.validation_split),
               "totals": {r: {"found": t.found, "included": t.included, "excluded": t.excluded,
                              "patients": t.patients} for r, t in totals.items()}}
    counts = "; ".join(_role_line(led, r) for r in totals)
    empty = [r for r in TRAINING_ROLES if totals[r].included == 0]
    if empty:
        return Outcome("fail", f"role(s) {', '.join(empty)} have no included recording ({counts}); see "
                       "`tusz-guard inventory` for the reasons and fix data_dir or the split policy", details)
    heavy = [f"{r} {t.found - t.included:,} of {t.found:,} excluded ({_reasons(t.excluded)})"
             for r, t in totals.items() if t.found and (t.found - t.included) / t.found > EXCLUDED_SHARE_WARN]
    if heavy:
        return Outcome("warn", f"{counts}; more than {EXCLUDED_SHARE_WARN:.0%} excluded: {'; '.join(heavy)}", details)
    return Outcome("pass", counts, details)


def _reasons(excluded: dict[str, int]) -> str:
    return ", ".join(f"{k} {excluded[k]:,}" for k in REASONS if excluded.get(k))


@check("corpus.headers", "EDF headers: defects, channel coverage, sampling rates", needs=("ledger",))
def corpus_headers(s: Snapshot) -> Outcome:
    led = s.ledger
    assert led is not None
    used = [r for r in led.recordings if r.role is not None]
    notices = [f"{r.path}: {fact.message}" for r in used if r.included
               for fact in r.header_facts if fact.code in HEADER_NOTICE_CODES]
    defects = [f"{r.path}: {d}" for r in used for d in r.header_defects]
    unreadable = [f"{r.path}: {r.notes[-1] if r.notes else 'unreadable'}" for r in used if r.reason == "unreadable"]
    interpolated = Counter(c for r in used if r.included for c in r.interpolated)
    rates = {f"{k:g}": v for k, v in sorted(Counter(r.sfreq for r in used if r.sfreq).items())}
    details = {"sampling_rates": rates,
               "montages": dict(sorted(Counter(r.montage for r in used).items())),
               "interpolated": dict(interpolated),
               "files_interpolated": sum(bool(r.interpolated) for r in used if r.included),
               "missing_channels": sum(r.reason == "missing_channels" for r in used),
               "defects": rows(defects), "unreadable": rows(unreadable),
               "notices": rows(notices)}
    summary = (f"rates {', '.join(f'{k} Hz {v:,}' for k, v in rates.items())}; "
               f"{interpolation_text(sum(bool(r.interpolated) for r in used if r.included), sorted(interpolated))}; "
               f"{details['missing_channels']:,} excluded for missing channels")
    if notices:
        summary = f"{n(len(notices))} header notice(s) ({listing(notices, 1)}); {summary}"
    if defects or unreadable or notices:      # only the parts that hold something: never "0 ... ()"
        parts = [f"{n(len(found))} {what} ({listing(found, 2)})" for what, found in
                 (("tolerated header defect(s)", defects), ("unreadable file(s) excluded", unreadable)) if found]
        return Outcome("warn", "; ".join([*parts, summary]), details)
    return Outcome("pass", f"{n(len(used))} headers read without defects; {summary}", details)


def interpolation_text(files: int, channels: list[str]) -> str:
    """'no file needs an interpolated channel' rather than '0 file(s) interpolate nothing'."""
    if not files:
        return "no file needs an interpolated channel"
    verb = "file interpolates" if files == 1 else "files interpolate"
    return f"{files:,} {verb} {', '.join(channels)}"
