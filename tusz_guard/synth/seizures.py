"""Seizures: which recordings hold them, how long, which type, where, and on which electrodes."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from tusz_guard.synth.montage import ELECTRODES_19, LEFT, RIGHT
from tusz_guard.synth.profiles import GENERALISED, SEIZURE_CYCLE, SEIZURE_WEIGHTS, SPLITS, ProfileSpec, Split
from tusz_guard.synth.records import RecordingPlan, Seizure

RNG = np.random.Generator
# Recordings that lose their annotations keep a seizure: positives silently lost is the failure to show.
_SEIZURE_DEFECTS = frozenset({"no_annotations", "csv_bi_three_columns", "csv_bi_clock_times"})


def add_seizures(spec: ProfileSpec, plans: list[RecordingPlan], rng: RNG) -> list[RecordingPlan]:
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
                                                    for (a, b), kind in zip(spans, kinds, strict=False)))
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
    for cut, length in zip(cuts, lengths, strict=False):
        start = round(offset + float(cut), 4)
        spans.append((start, round(start + length, 4)))
        offset += length + gap
    return spans
