"""splits.disjoint: no patient in two roles, on the ledger and on what the cache holds per role."""
from __future__ import annotations

from collections import defaultdict

from tusz_guard.checks.base import check, listing, n, rows
from tusz_guard.checks.coverage import by_stem
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.corpus.ledger import ROLES
from tusz_guard.results import Outcome


def _shared(patients: dict[str, set[str]]) -> list[str]:
    return [f"{p} in {' + '.join(sorted(roles))}" for p, roles in sorted(patients.items()) if len(roles) > 1]


def cached_roles(s: Snapshot) -> tuple[dict[str, set[str]], list[str]]:
    """Patient -> roles of the recordings the cache holds; and entries whose source lies in another role."""
    assert s.ledger is not None and s.cache is not None
    stems = by_stem(s)
    patients: dict[str, set[str]] = defaultdict(set)
    moved: list[str] = []
    for key, entry in s.cache.usable.items():
        rec, source = stems.get(key), s.ledger.get(entry.source)
        role = source.role if source is not None else (rec.role if rec is not None else None)
        if role is None:
            continue
        patients[key.split("_")[0]].add(role)
        if rec is not None and source is not None and rec.role != source.role:
            moved.append(f"entries/{key} was built from {entry.source} (role {source.role}) but {key} is "
                         f"{rec.path} (role {rec.role})")
    return patients, moved


@check("splits.disjoint", "No patient in two roles (ledger and cache)", needs=("ledger",))
def splits_disjoint(s: Snapshot) -> Outcome:
    assert s.ledger is not None
    ledger_patients: dict[str, set[str]] = defaultdict(set)
    for r in s.ledger.included():
        if r.role is not None:
            ledger_patients[r.patient].add(r.role)
    on_ledger = _shared(ledger_patients)
    on_cache: list[str] = []
    moved: list[str] = []
    if s.cache is not None and s.cache.index:
        cache_patients, moved = cached_roles(s)
        on_cache = _shared(cache_patients)
    if s.cache is not None and s.cache.kind == "npz":    # entries in another role's folder, or in two (F10)
        from tusz_guard.pipeline.entry_rules import misplaced
        moved = misplaced(s)
    patients = {role: len({p for p, rs in ledger_patients.items() if role in rs}) for role in ROLES}
    details = {"ledger": rows(on_ledger), "cache": rows(on_cache), "misplaced_entries": rows(moved),
               "patients": patients}
    problems = []
    if on_ledger:
        problems.append(f"{n(len(on_ledger))} patient(s) in two roles in the corpus: {listing(on_ledger)}; "
                        "move each patient's sessions into one split folder (or use data.split_policy: holdout)")
    if on_cache:
        assert s.cache is not None
        problems.append(f"{n(len(on_cache))} patient(s) in two roles in the cache {s.show(s.cache.root)}: "
                        f"{listing(on_cache)}")
    if moved:
        fix = "move or rebuild them in their role's folder" if s.cache is not None and s.cache.kind == "npz" \
            else "rebuild them with `tusz-guard build-cache --rebuild-stale`"
        problems.append(f"{n(len(moved))} cache entr(ies) hold another role's recording: {listing(moved, 2)}; {fix}")
    if problems:
        return Outcome("fail", "; ".join(problems), details)
    counts = ", ".join(f"{role} {k:,}" for role, k in patients.items())
    where = "corpus and cache" if s.cache is not None and s.cache.index else "corpus"
    return Outcome("pass", f"patients per role: {counts}; no patient in two roles ({where})", details)
