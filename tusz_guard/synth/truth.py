"""The ground truth: what was written, its defects, and what the default config should make of it."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tusz_guard.synth.plan import RecordingPlan
from tusz_guard.synth.profiles import SPLITS, Profile

SCHEMA = "tusz-guard/synth/v1"
FILE_NAME = "ground_truth.json"


def record(plan: RecordingPlan) -> dict[str, Any]:
    """One recording; for unreadable files the header values describe the recording that was meant."""
    reason = plan.reason
    return {
        "path": plan.rel_path, "split": plan.split, "patient": plan.patient, "session": plan.session,
        "montage": plan.montage, "sfreq": plan.sfreq, "duration_s": float(plan.duration),
        "n_signals": len(plan.labels), "labels": list(plan.labels),
        "seizures": [[s.start, s.stop, s.kind] for s in plan.seizures], "defects": list(plan.defects),
        "expect": {"status": "excluded" if reason else "included", "reason": reason},
    }


def ground_truth(profile: Profile, seed: int, defects: bool, plans: Sequence[RecordingPlan],
                 complete: bool = True) -> dict[str, Any]:
    return {"schema": SCHEMA, "profile": profile, "seed": seed, "defects": defects, "complete": complete,
            "recordings": [record(p) for p in plans]}


def dumps(truth: dict[str, Any]) -> str:
    """Stable JSON, one recording per line (readable and diffable even for 7,364 recordings)."""
    head = {k: v for k, v in truth.items() if k != "recordings"}
    lines = [json.dumps(r, separators=(", ", ": ")) for r in truth["recordings"]]
    return json.dumps(head)[:-1] + ', "recordings": [\n' + ",\n".join(lines) + "\n]}\n"


def read(path: Path) -> dict[str, Any] | None:
    """A ground truth of ours, or None when the file is absent, not JSON or not our schema."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None


def summary(truth: dict[str, Any]) -> str:
    """One line: files per split, patients, hours, defects."""
    recs = truth["recordings"]
    per_split = ", ".join(f"{s} {sum(r['split'] == s for r in recs)}" for s in SPLITS)
    hours = sum(r["duration_s"] for r in recs) / 3600
    n_defects = sum(len(r["defects"]) for r in recs)
    n_excluded = sum(r["expect"]["status"] == "excluded" for r in recs)
    return (f"{truth['profile']} corpus (seed {truth['seed']}): {len(recs)} EDF files ({per_split}), "
            f"{len({r['patient'] for r in recs})} patients, {hours:.1f} h, "
            f"{n_defects} defects ({n_excluded} recordings expected excluded)")
