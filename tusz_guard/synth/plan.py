"""The corpus plan: every recording's place, rate, length, labels, seizures and defects, decided up front.

The plan is a pure function of (profile, seed, defects), so writing it twice gives the same bytes.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

import numpy as np

from tusz_guard.synth.montage import ELECTRODES_19, LEFT, MAX_SIGNALS, MIN_SIGNALS, MONTAGES, RIGHT, Montage, signal_labels
from tusz_guard.synth.profiles import (DEFECT_REASON, GENERALISED, NO_SIGNAL_DEFECTS, SEIZURE_CYCLE, SEIZURE_WEIGHTS,
                                       SPECS, SPLITS, Defect, Profile, ProfileSpec, Reason, Split)

# Exclusion reasons in the ledger's order of precedence (the first that applies wins).
_PRECEDENCE: tuple[Reason, ...] = ("unreadable", "no_annotations", "bad_annotations", "missing_channels", "too_short")
_DROPPED: dict[str, tuple[str, ...]] = {"no_fz_pz": ("FZ", "PZ"), "missing_c3": ("C3",)}
# Recordings that lose their annotations keep a seizure: positives silently lost is the failure to show.
_SEIZURE_DEFECTS = frozenset({"no_annotations", "csv_bi_three_columns", "csv_bi_clock_times"})
RNG = np.random.Generator


@dataclass(frozen=True)
class Seizure:
    """One seizure: times in seconds (4 decimals), its type and the electrodes it shows on."""

    start: float
    stop: float
    kind: str
    electrodes: tuple[str, ...]


@dataclass(frozen=True)
class RecordingPlan:
    """One EDF file to write, with its companions."""

    split: Split
    patient: str
    session: str
    montage: Montage
    token: int
    startdate: datetime.date
    sfreq: int
    duration: int
    labels: tuple[str, ...]
    seizures: tuple[Seizure, ...] = ()
    defects: tuple[Defect, ...] = ()

    @property
    def stem(self) -> str:
        return f"{self.patient}_{self.session[:4]}_t{self.token:03d}"

    @property
    def rel_path(self) -> str:
        """Path of the EDF relative to data_dir (posix)."""
        return f"{self.split}/{self.patient}/{self.session}/{self.montage}/{self.stem}.edf"

    @property
    def reason(self) -> Reason | None:
        """Why the default config excludes this recording, or None when it is included."""
        reasons = {DEFECT_REASON[d] for d in self.defects}
        return next((r for r in _PRECEDENCE if r in reasons), None)

    @property
    def needs_signal(self) -> bool:
        return not NO_SIGNAL_DEFECTS.intersection(self.defects)


@dataclass(frozen=True)
class _Slot:
    split: Split
    patient: str
    session: str
    montage: Montage
    token: int
    startdate: datetime.date
    modern: bool


def build_plan(profile: Profile, seed: int, defects: bool) -> tuple[RecordingPlan, ...]:
    """Decide every recording of the corpus, deterministically from the seed."""
    spec = SPECS[profile]
    rng = np.random.default_rng([seed, 2002])
    slots = _slots(spec, rng)
    plans = _recordings(spec, slots, rng)
    if defects:
        plans = _add_defects(spec, plans, rng)
    if not spec.sparse:
        plans = _small_rates(spec, plans, rng)
    return tuple(_add_seizures(spec, plans, rng))


def patient_ids(rng: RNG, n: int) -> list[str]:
    """n distinct TUSZ-style ids: 8 lowercase letters, base 26 with leading 'a's (aaaaaaac, aaaaatvr)."""
    numbers = rng.choice(26 ** 5, size=n, replace=False)
    return ["".join(chr(97 + (int(x) // 26 ** p) % 26) for p in range(7, -1, -1)) for x in numbers]


def _slots(spec: ProfileSpec, rng: RNG) -> list[_Slot]:
    ids = patient_ids(rng, sum(s.patients for s in spec.splits.values()))
    slots: list[_Slot] = []
    for split in SPLITS:
        n = spec.splits[split].patients
        patients, ids = sorted(ids[:n]), ids[n:]
        counts = _spread(rng, spec.splits[split].files, n, alpha=0.7 if spec.sparse else 3.0)
        for patient, count in zip(patients, counts):
            slots += _patient_slots(rng, split, patient, count, p_new=0.3 if spec.sparse else 0.55)
    slots = _assign_montages(spec, slots, rng)
    return slots if spec.sparse else _ensure_variety(slots)


def _spread(rng: RNG, total: int, n: int, alpha: float) -> list[int]:
    """total split into n positive counts with a Dirichlet-skewed share each."""
    extra = rng.multinomial(total - n, rng.dirichlet(np.full(n, alpha)))
    return [1 + int(x) for x in extra]


def _patient_slots(rng: RNG, split: Split, patient: str, count: int, p_new: float) -> list[_Slot]:
    slots: list[_Slot] = []
    year, number = int(rng.integers(2002, 2016)), 0
    while count > 0:
        size = min(count, int(rng.geometric(p_new)))
        number, count = number + 1, count - size
        date = datetime.date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        old_style = rng.random() < 0.1
        session = f"s{number:03d}_{date:%Y_%m_%d}" if old_style else f"s{number:03d}_{year}"
        modern = bool(rng.random() < 0.12)
        slots += [_Slot(split, patient, session, "01_tcp_ar", t, date, modern) for t in range(size)]
        year = min(2023, year + int(rng.random() < 0.3))
    return slots


def _sessions(slots: list[_Slot]) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(slots):
        groups.setdefault((s.patient, s.session), []).append(i)
    return groups


def _assign_montages(spec: ProfileSpec, slots: list[_Slot], rng: RNG) -> list[_Slot]:
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


def _ensure_variety(slots: list[_Slot]) -> list[_Slot]:
    """Small corpora must show every montage, modern labels and an old-style session name in train."""
    out = list(slots)
    train = [g for g in _sessions(out).values() if out[g[0]].split == "train"]
    plain = [g for g in reversed(train) if out[g[0]].montage == "01_tcp_ar" and not out[g[0]].modern]
    for field, value in (("montage", "02_tcp_le"), ("montage", "03_tcp_ar_a"), ("modern", True)):
        if not any(getattr(out[g[0]], field) == value for g in train):
            for i in plain.pop(0):
                out[i] = replace(out[i], **{field: value})
    if not any(len(out[g[0]].session) > len("s001_2002") for g in train):
        for i in train[1]:
            out[i] = replace(out[i], session=f"{out[i].session[:4]}_{out[i].startdate:%Y_%m_%d}")
    return out


def _recordings(spec: ProfileSpec, slots: list[_Slot], rng: RNG) -> list[RecordingPlan]:
    rates = _rates(spec, slots, rng)
    low, high = spec.duration_range
    plans = []
    for slot, rate in zip(slots, rates):
        duration = _scale_duration(spec, slot.split, rng) if spec.sparse else int(rng.integers(low, high + 1))
        n_signals = int(rng.integers(MIN_SIGNALS, MAX_SIGNALS + 1))
        plans.append(RecordingPlan(
            split=slot.split, patient=slot.patient, session=slot.session, montage=slot.montage,
            token=slot.token, startdate=slot.startdate, sfreq=rate, duration=duration,
            labels=signal_labels(slot.montage, n_signals, modern=slot.modern)))
    return _match_means(spec, plans) if spec.sparse else plans


def _match_means(spec: ProfileSpec, plans: list[RecordingPlan]) -> list[RecordingPlan]:
    """Rescale each split's lengths so that its mean (hence its hours) is the real one, not a draw."""
    low, high = spec.duration_range
    out = list(plans)
    for split in SPLITS:
        members = [i for i, p in enumerate(out) if p.split == split]
        factor = spec.splits[split].mean_duration_s / np.mean([out[i].duration for i in members])
        for i in members:
            out[i] = replace(out[i], duration=int(np.clip(round(out[i].duration * factor), low, high)))
    return out


def _rates(spec: ProfileSpec, slots: list[_Slot], rng: RNG) -> list[int]:
    """Weighted draws per recording for scale; 250 Hz everywhere for small corpora (see _small_rates)."""
    if not spec.sparse:
        return [250] * len(slots)
    values = np.array(list(spec.rates))
    weights = np.array(list(spec.rates.values()), dtype=float)
    return [int(v) for v in rng.choice(values, size=len(slots), p=weights / weights.sum())]


def _small_rates(spec: ProfileSpec, plans: list[RecordingPlan], rng: RNG) -> list[RecordingPlan]:
    """Exact counts of the rarer rates, on included recordings so that resampling is exercised."""
    included = [i for i, p in enumerate(plans) if p.reason is None]
    chosen = rng.choice(included, size=sum(spec.rates.values()), replace=False)
    out = list(plans)
    for i, rate in zip(chosen, [r for r, n in spec.rates.items() for _ in range(n)]):
        out[int(i)] = replace(out[int(i)], sfreq=rate)
    return out


def _scale_duration(spec: ProfileSpec, split: Split, rng: RNG) -> int:
    """Log-normal lengths with the split's real mean, at least one window, at most an hour."""
    sigma = 0.75
    mu = np.log(spec.splits[split].mean_duration_s) - sigma ** 2 / 2
    low, high = spec.duration_range
    return int(np.clip(round(rng.lognormal(mu, sigma)), low, high))


def _add_defects(spec: ProfileSpec, plans: list[RecordingPlan], rng: RNG) -> list[RecordingPlan]:
    out = list(plans)
    for split, defect, count in spec.defects:
        free = [i for i, p in enumerate(out) if p.split == split and not p.defects]
        # Keep the rarer montages and modern labels on clean recordings where there is room to.
        plain = [i for i in free if out[i].montage == "01_tcp_ar" and not _modern(out[i])]
        free = plain if len(plain) >= count else free
        for i in rng.choice(free, size=count, replace=False):
            out[int(i)] = _with_defect(out[int(i)], defect, rng)
    return out


def _with_defect(plan: RecordingPlan, defect: Defect, rng: RNG) -> RecordingPlan:
    changes: dict = {"defects": plan.defects + (defect,)}
    if defect == "too_short":
        changes["duration"] = int(rng.integers(30, 56))
    if defect in _DROPPED:
        changes["labels"] = signal_labels(plan.montage, len(plan.labels), _DROPPED[defect],
                                          modern=_modern(plan))
    return replace(plan, **changes)


def _modern(plan: RecordingPlan) -> bool:
    return any(label.startswith("EEG T7-") for label in plan.labels)


def _add_seizures(spec: ProfileSpec, plans: list[RecordingPlan], rng: RNG) -> list[RecordingPlan]:
    out = list(plans)
    for split in SPLITS:
        members = [i for i, p in enumerate(out) if p.split == split and p.needs_signal]
        counts = _scale_counts(spec, split, out, members, rng) if spec.sparse else _small_counts(spec, out, members, rng)
        mean_len = (spec.splits[split].seizure_hours * 3600 / max(1, spec.splits[split].seizure_events)
                    if spec.sparse else 0.0)
        n_done = 0
        for i, count in counts:
            lengths = [_seizure_length(spec, mean_len, rng) for _ in range(count)]
            spans = place_spans(rng, out[i].duration, lengths)
            kinds = [_kind(spec, n_done + k, rng) for k in range(len(spans))]
            n_done += len(spans)
            out[i] = replace(out[i], seizures=tuple(Seizure(a, b, kind, _involved(kind, rng))
                                                    for (a, b), kind in zip(spans, kinds)))
    return out


def _small_counts(spec: ProfileSpec, plans: list[RecordingPlan], members: list[int],
                  rng: RNG) -> list[tuple[int, int]]:
    """Seizure-bearing recordings: the ones that lose annotations, plus a share of the included ones."""
    lost = [i for i in members if _SEIZURE_DEFECTS.intersection(plans[i].defects)]
    included = [i for i in members if plans[i].reason is None]
    k = min(len(included), max(2, round(spec.seizure_share * len(included))))
    chosen = sorted(int(i) for i in rng.choice(included, size=k, replace=False)) if k else []
    return [(i, int(rng.integers(1, 3))) for i in chosen + lost]


def _scale_counts(spec: ProfileSpec, split: Split, plans: list[RecordingPlan], members: list[int],
                  rng: RNG) -> list[tuple[int, int]]:
    """The split's real event count, spread over recordings in proportion to their length."""
    weights = np.array([plans[i].duration for i in members], dtype=float)
    picks = rng.choice(len(members), size=spec.splits[split].seizure_events, p=weights / weights.sum())
    counts = np.bincount(picks, minlength=len(members))
    return [(members[j], int(c)) for j, c in enumerate(counts) if c]


def _seizure_length(spec: ProfileSpec, mean_len: float, rng: RNG) -> float:
    if mean_len:
        return float(np.clip(rng.lognormal(np.log(mean_len) - 0.32, 0.8), 5.0, 1800.0))
    return float(rng.uniform(*spec.seizure_len))


def _kind(spec: ProfileSpec, n: int, rng: RNG) -> str:
    if not spec.sparse:
        return SEIZURE_CYCLE[n % len(SEIZURE_CYCLE)]
    kinds = list(SEIZURE_WEIGHTS)
    weights = np.array(list(SEIZURE_WEIGHTS.values()), dtype=float)
    return kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]


def _involved(kind: str, rng: RNG) -> tuple[str, ...]:
    """Generalised types show everywhere; focal ones spare 3-5 electrodes of one hemisphere."""
    if kind in GENERALISED:
        return ELECTRODES_19
    side = sorted(LEFT if rng.random() < 0.5 else RIGHT)
    spared = set(rng.choice(side, size=int(rng.integers(3, 6)), replace=False))
    return tuple(e for e in ELECTRODES_19 if e not in spared)


def place_spans(rng: RNG, duration: float, lengths: list[float], margin: float = 5.0,
                gap: float = 10.0) -> list[tuple[float, float]]:
    """Non-overlapping (start, stop) spans inside [margin, duration - margin]; spans that do not fit are dropped."""
    room = duration - 2 * margin
    if room <= 1.0:
        return []
    lengths = [min(length, 0.8 * room) for length in lengths]
    while lengths and sum(lengths) + gap * (len(lengths) - 1) > room:
        lengths.pop()
    if not lengths:
        return []
    slack = room - sum(lengths) - gap * (len(lengths) - 1)
    cuts = np.sort(rng.uniform(0.0, slack, size=len(lengths)))
    spans, offset = [], margin
    for cut, length in zip(cuts, lengths):
        start = round(offset + float(cut), 4)
        spans.append((start, round(start + length, 4)))
        offset += length + gap
    return spans
