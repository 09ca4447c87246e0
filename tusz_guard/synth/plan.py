"""The corpus plan: every recording's place, rate, length, labels, seizures and defects, decided up front.

The plan is a pure function of (profile, seed, defects), so writing it twice gives the same bytes.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from tusz_guard.synth.layout import RNG, Slot, patient_ids, place_slots
from tusz_guard.synth.montage import MAX_SIGNALS, MIN_SIGNALS, signal_labels
from tusz_guard.synth.profiles import SPECS, SPLITS, Defect, Profile, ProfileSpec, Split
from tusz_guard.synth.records import RecordingPlan, Seizure
from tusz_guard.synth.seizures import add_seizures, place_spans

__all__ = ["RecordingPlan", "Seizure", "build_plan", "patient_ids", "place_spans"]
_DROPPED: dict[str, tuple[str, ...]] = {"no_fz_pz": ("FZ", "PZ"), "missing_c3": ("C3",)}


def build_plan(profile: Profile, seed: int, defects: bool) -> tuple[RecordingPlan, ...]:
    """Decide every recording of the corpus, deterministically from the seed."""
    spec = SPECS[profile]
    rng = np.random.default_rng([seed, 2002])
    planned = place_slots(spec, rng)
    plans = _recordings(spec, planned, rng)
    if defects:
        plans = _add_defects(spec, plans, rng)
    if not spec.sparse:
        plans = _small_rates(spec, plans, rng)
    return tuple(add_seizures(spec, plans, rng))


def _recordings(spec: ProfileSpec, slots: list[Slot], rng: RNG) -> list[RecordingPlan]:
    rates = _rates(spec, slots, rng)
    low, high = spec.duration_range
    plans = []
    for slot, rate in zip(slots, rates, strict=False):
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


def _rates(spec: ProfileSpec, slots: list[Slot], rng: RNG) -> list[int]:
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
    for i, rate in zip(chosen, [r for r, n in spec.rates.items() for _ in range(n)], strict=False):
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
