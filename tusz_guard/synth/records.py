"""The planned recording and its seizures: plain records, decided before anything is written."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from tusz_guard.synth.montage import Montage
from tusz_guard.synth.profiles import DEFECT_REASON, NO_SIGNAL_DEFECTS, Defect, Reason, Split

# Exclusion reasons in the ledger's order of precedence (the first that applies wins).
PRECEDENCE: tuple[Reason, ...] = ("unreadable", "no_annotations", "bad_annotations", "missing_channels", "too_short")


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
        return next((r for r in PRECEDENCE if r in reasons), None)

    @property
    def needs_signal(self) -> bool:
        return not NO_SIGNAL_DEFECTS.intersection(self.defects)
