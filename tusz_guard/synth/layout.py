"""Where recordings go: patient ids, files per patient, sessions, tokens and montages."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

import numpy as np

from tusz_guard.synth.montage import MONTAGES, Montage
from tusz_guard.synth.profiles import SPLITS, ProfileSpec, Split

RNG = np.random.Generator


@dataclass(frozen=True)
class Slot:
    """A place for one recording, before its rate, length and labels are chosen."""

    split: Split
    patient: str
    session: str
    montage: Montage
    token: int
    startdate: datetime.date
    modern: bool


def patient_ids(rng: RNG, n: int) -> list[str]:
    """n distinct TUSZ-style ids: 8 lowercase letters, base 26 with leading 'a's (aaaaaaac, aaaaatvr)."""
    numbers = rng.choice(26 ** 5, size=n, replace=False)
    return ["".join(chr(97 + (int(x) // 26 ** p) % 26) for p in range(7, -1, -1)) for x in numbers]


def place_slots(spec: ProfileSpec, rng: RNG) -> list[Slot]:
    """Patients per split, their files grouped into sessions, one montage per session."""
    ids = patient_ids(rng, sum(s.patients for s in spec.splits.values()))
    slots: list[Slot] = []
    for split in SPLITS:
        n = spec.splits[split].patients
        patients, ids = sorted(ids[:n]), ids[n:]
        counts = _spread(rng, spec.splits[split].files, n, alpha=0.7 if spec.sparse else 3.0)
        for patient, count in zip(patients, counts, strict=False):
            slots += _patient_slots(rng, split, patient, count, p_new=0.3 if spec.sparse else 0.55)
    slots = _assign_montages(spec, slots, rng)
    return slots if spec.sparse else _ensure_variety(slots)


def _spread(rng: RNG, total: int, n: int, alpha: float) -> list[int]:
    """total split into n positive counts with a Dirichlet-skewed share each."""
    extra = rng.multinomial(total - n, rng.dirichlet(np.full(n, alpha)))
    return [1 + int(x) for x in extra]


def _patient_slots(rng: RNG, split: Split, patient: str, count: int, p_new: float) -> list[Slot]:
    slots: list[Slot] = []
    year, number = int(rng.integers(2002, 2016)), 0
    while count > 0:
        size = min(count, int(rng.geometric(p_new)))
        number, count = number + 1, count - size
        date = datetime.date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        old_style = rng.random() < 0.1
        session = f"s{number:03d}_{date:%Y_%m_%d}" if old_style else f"s{number:03d}_{year}"
        modern = bool(rng.random() < 0.12)
        slots += [Slot(split, patient, session, "01_tcp_ar", t, date, modern) for t in range(size)]
        year = min(2023, year + int(rng.random() < 0.3))
    return slots


def _sessions(slots: list[Slot]) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(slots):
        groups.setdefault((s.patient, s.session), []).append(i)
    return groups


def _assign_montages(spec: ProfileSpec, slots: list[Slot], rng: RNG) -> list[Slot]:
    """One montage per session: exact totals for scale (largest sessions first), weighted draws otherwise."""
    groups = list(_sessions(slots).values())
    quota = dict(spec.montage_counts or {})
    out = list(slots)
    order = sorted(range(len(groups)), key=lambda g: -len(groups[g])) if quota else range(len(groups))
    for g in order:
        members = groups[g]
        if quota:
            fits = [m for m in MONTAGES if quota[m] >= len(members)]
            weights = np.array([quota[m] for m in fits], dtype=float)
            montage = fits[int(rng.choice(len(fits), p=weights / weights.sum()))]
            quota[montage] -= len(members)
        else:
            montage = MONTAGES[int(rng.choice(3, p=[0.75, 0.1, 0.15]))]
        for i in members:
            out[i] = replace(out[i], montage=montage)
    return out


def _ensure_variety(slots: list[Slot]) -> list[Slot]:
    """Small corpora must show every montage, modern labels and an old-style session name in train."""
    out = list(slots)
    train = [g for g in _sessions(out).values() if out[g[0]].split == "train"]
    plain = [g for g in reversed(train) if out[g[0]].montage == "01_tcp_ar" and not out[g[0]].modern]
    for field, value in (("montage", "02_tcp_le"), ("montage", "03_tcp_ar_a"), ("modern", True)):
        if not any(getattr(out[g[0]], field) == value for g in train):
            for i in plain.pop(0):
                out[i] = replace(out[i], **{field: value})  # type: ignore[arg-type]  # one field by name
    if not any(len(out[g[0]].session) > len("s001_2002") for g in train):
        for i in train[1]:
            out[i] = replace(out[i], session=f"{out[i].session[:4]}_{out[i].startdate:%Y_%m_%d}")
    return out
