"""Write plain EDF files: full ones through edfio, sparse ones from header bytes laid out as edfio lays them."""
from __future__ import annotations

import datetime
import hashlib
import zlib
from pathlib import Path

import numpy as np

from tusz_guard.synth.plan import RecordingPlan
from tusz_guard.synth.signals import DIGITAL_RANGE, PHYSICAL_RANGE

COLON_DATE = b"01:01:85"
DATE_SLICE = slice(168, 176)
PREFILTERING = "HP:0.000 Hz LP:0.0 Hz N:0.0"
UNIT = "uV"
# EDF+ month names; spelled out because strftime's %b follows the locale.
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def patient_field(plan: RecordingPlan) -> str:
    """EDF+ style patient field as TUSZ writes it: code, sex, anonymised birthdate, name, age."""
    code = zlib.crc32(plan.patient.encode("ascii"))
    return f"{plan.patient} {'FM'[code % 2]} 01-JAN-1985 {plan.patient} Age:{18 + code % 70}"


def recording_field(plan: RecordingPlan) -> str:
    """EDF+ style recording field; the colon-date file has none, so readers must fall back on bytes 168-176."""
    if "colon_date" in plan.defects:
        return plan.stem
    date = plan.startdate
    return f"Startdate {date.day:02d}-{_MONTHS[date.month - 1]}-{date.year} X X X"


def start_time(plan: RecordingPlan) -> datetime.time:
    """A daytime start derived from the stem (stable across runs)."""
    seconds = 7 * 3600 + zlib.crc32(plan.stem.encode("ascii")) % (12 * 3600)
    return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def expected_size(plan: RecordingPlan) -> int:
    """Bytes a complete file of this plan holds: header plus int16 records of one second."""
    return 256 * (len(plan.labels) + 1) + plan.duration * plan.sfreq * len(plan.labels) * 2


def write_full(path: Path, plan: RecordingPlan, digital: np.ndarray) -> None:
    """Write samples with edfio (plain EDF: no annotation signal, so the reserved field stays blank)."""
    import edfio

    signals = [edfio.EdfSignal.from_digital(row, plan.sfreq, label=label, physical_dimension=UNIT,
                                            physical_range=PHYSICAL_RANGE, digital_range=DIGITAL_RANGE,
                                            prefiltering=PREFILTERING)
               for row, label in zip(digital, plan.labels, strict=False)]
    edf = edfio.Edf(signals, recording=edfio.Recording(startdate=plan.startdate), starttime=start_time(plan),
                    data_record_duration=1)
    edf.local_patient_identification = patient_field(plan)
    edf.local_recording_identification = recording_field(plan)
    edf.write(path)
    if "colon_date" in plan.defects:
        with path.open("r+b") as f:
            f.seek(DATE_SLICE.start)
            f.write(COLON_DATE)


def header_bytes(plan: RecordingPlan) -> bytes:
    """The header edfio writes for this plan, built directly (scale corpora have no samples to hand it)."""
    ns = len(plan.labels)
    date = COLON_DATE.decode() if "colon_date" in plan.defects else f"{plan.startdate:%d.%m.%y}"
    fixed = [("0", 8), (patient_field(plan), 80), (recording_field(plan), 80), (date, 8),
             (start_time(plan).isoformat().replace(":", "."), 8), (str(256 * (ns + 1)), 8), ("", 44),
             (str(plan.duration), 8), ("1", 8), (str(ns), 4)]
    per_signal = [(plan.labels, 16), (("",) * ns, 80), ((UNIT,) * ns, 8), ((_num(PHYSICAL_RANGE[0]),) * ns, 8),
                  ((_num(PHYSICAL_RANGE[1]),) * ns, 8), ((str(DIGITAL_RANGE[0]),) * ns, 8),
                  ((str(DIGITAL_RANGE[1]),) * ns, 8), ((PREFILTERING,) * ns, 80), ((str(plan.sfreq),) * ns, 8),
                  (("",) * ns, 32)]
    parts = [_field(text, width) for text, width in fixed]
    parts += [_field(text, width) for values, width in per_signal for text in values]
    return b"".join(parts)


def write_sparse(path: Path, plan: RecordingPlan) -> None:
    """Header only, then extend the file to its declared size without writing samples (a sparse file)."""
    with path.open("wb") as f:
        f.write(header_bytes(plan))
        f.truncate(expected_size(plan))


def break_file(path: Path, plan: RecordingPlan) -> None:
    """Apply the file-level defects after (or instead of) a normal write."""
    if "truncated" in plan.defects:
        record = plan.sfreq * len(plan.labels) * 2
        with path.open("r+b") as f:
            f.truncate(256 * (len(plan.labels) + 1) + (plan.duration // 2) * record + 37)
    elif "empty_file" in plan.defects:
        path.write_bytes(b"")
    elif "text_file" in plan.defects:
        oid = hashlib.sha256(plan.stem.encode("ascii")).hexdigest()
        path.write_text(f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\n"
                        f"size {expected_size(plan)}\n", encoding="ascii")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _field(text: str, width: int) -> bytes:
    if len(text) > width:
        raise ValueError(f"header field {text!r} is longer than {width} bytes")
    return text.encode("ascii").ljust(width)
