"""TUSZ path convention as an immutable value object: parse and format, no file I/O."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import PurePath, PurePosixPath

from tusz_guard.errors import GuardError

SPLITS = ("train", "dev", "eval")
# The split folders each split policy needs, and the role each feeds (holdout draws val from train/).
POLICY_SPLITS: dict[str, tuple[tuple[str, str], ...]] = {
    "official": (("train", "train"), ("dev", "val"), ("eval", "test")),
    "holdout": (("train", "train/val"), ("eval", "test")),
}
MONTAGES = ("01_tcp_ar", "02_tcp_le", "03_tcp_ar_a", "04_tcp_le_a")
SUFFIXES = (".edf", ".csv", ".csv_bi")
LAYOUT = "<split>/<patient>/<sNNN_date>/<montage>/<patient>_sNNN_tNNN<suffix>"

# Names people give the validation split that TUSZ calls "dev" (catalogue row 14).
_DEV_ALIASES = frozenset({"val", "valid", "validation"})
_PATIENT = re.compile(r"[a-z]{8}")
_SESSION_DIR = re.compile(r"s(\d{3})_(\d{4}(?:_\d{2}_\d{2})?)")
_SESSION_DATE = re.compile(r"\d{4}(?:_\d{2}_\d{2})?")
_FILE = re.compile(r"([a-z]{8})_s(\d{3})_t(\d{3})(\..+)")
# Every rule below at once, for the clean path that nearly every file of a corpus has (one match instead of five
# checks); a path it does not match goes through the checks one by one, which name the broken rule.
_CLEAN = re.compile(r"(train|dev|eval)/([a-z]{8})/s(\d{3})_(\d{4}(?:_\d{2}_\d{2})?)/"
                    r"(01_tcp_ar|02_tcp_le|03_tcp_ar_a|04_tcp_le_a)/\2_s\3_t(\d{3})(\.edf|\.csv|\.csv_bi)")


class TuszPathError(GuardError):
    """A path that breaks the TUSZ layout; the message names the rule, the allowed set and the fix."""

    def __init__(self, rel: str, rule: str, message: str) -> None:
        super().__init__(f"{rel}: {message}")
        self.rel = rel
        self.rule = rule


@dataclass(frozen=True)
class TuszPath:
    """One TUSZ file, relative to data_dir: split/patient/session/montage/stem+suffix."""

    split: str
    patient: str
    session: int
    session_date: str
    montage: str
    token: int
    suffix: str = ".edf"

    def __post_init__(self) -> None:
        _validate(self)

    @classmethod
    def parse(cls, rel: str | PurePath) -> TuszPath:
        """Parse a data_dir-relative path; raise TuszPathError naming the broken rule."""
        text = rel.as_posix() if isinstance(rel, PurePath) else str(rel)
        clean = _CLEAN.fullmatch(text)
        if clean:
            split, patient, session, date, montage, token, suffix = clean.groups()
            return cls._checked(split, patient, int(session), date, montage, int(token), suffix)
        parts = rel.parts if isinstance(rel, PurePath) else _posix_parts(text)
        if len(parts) != 5 or text.startswith("/"):
            raise TuszPathError(text, "layout", f"expected {LAYOUT} (5 parts, relative to data_dir), "
                                f"got {len(parts)} parts; point data_dir at the folder holding train/dev/eval")
        split, patient, session_dir, montage, name = parts
        _check_split(text, split)
        _check_patient(text, patient)
        session, date = _parse_session_dir(text, session_dir)
        _check_montage(text, montage)
        token, suffix = _parse_file_name(text, name, patient, session)
        return cls._checked(split, patient, session, date, montage, token, suffix)

    @classmethod
    def _checked(cls, split: str, patient: str, session: int, date: str, montage: str, token: int,
                 suffix: str) -> TuszPath:
        """A TuszPath of fields parse() has checked already: __post_init__'s second validation is skipped."""
        parsed = cls.__new__(cls)
        parsed.__dict__.update(split=split, patient=patient, session=session, session_date=date, montage=montage,
                               token=token, suffix=suffix)
        return parsed

    def format(self) -> str:
        """The posix relative path; parse(format()) round-trips exactly."""
        return f"{self.split}/{self.patient}/{self.session_dir}/{self.montage}/{self.stem}{self.suffix}"

    @property
    def stem(self) -> str:
        """File stem, e.g. 'aaaaaaac_s001_t000' (unique across the corpus)."""
        return f"{self.patient}_s{self.session:03d}_t{self.token:03d}"

    @property
    def session_dir(self) -> str:
        """Session folder name, e.g. 's001_2002'."""
        return f"s{self.session:03d}_{self.session_date}"

    def with_suffix(self, suffix: str) -> TuszPath:
        """The same recording with another suffix (e.g. its '.csv_bi' companion)."""
        return replace(self, suffix=suffix)

    def __str__(self) -> str:
        return self.format()


def companion(edf_path: str, kind: str) -> str:
    """The annotation file beside an EDF: same stem, suffix '.csv' or '.csv_bi' (any path, absolute or not)."""
    return f"{os.path.splitext(edf_path)[0]}.{kind}"


def _posix_parts(text: str) -> tuple[str, ...]:
    """PurePosixPath(text).parts, without building a path object for the common clean relative path."""
    parts = tuple(text.split("/"))
    if text.startswith("/") or "" in parts or "." in parts:
        return PurePosixPath(text).parts  # absolute, doubled or trailing '/', or '.' parts: let pathlib normalise
    return parts


def _check_split(rel: str, split: str) -> None:
    if split in SPLITS:
        return
    allowed = ", ".join(SPLITS)
    if split.lower() in _DEV_ALIASES:
        raise TuszPathError(rel, "split", f"split '{split}' is not one of {allowed}; "
                            "TUSZ names the validation split 'dev'; rename the folder")
    raise TuszPathError(rel, "split", f"split '{split}' is not one of {allowed}; "
                        "point data_dir at the folder holding train/dev/eval")


def _check_patient(rel: str, patient: str) -> None:
    if not _PATIENT.fullmatch(patient):
        raise TuszPathError(rel, "patient", f"patient folder '{patient}' must be 8 lowercase letters "
                            "(e.g. 'aaaaaaac')")


def _parse_session_dir(rel: str, session_dir: str) -> tuple[int, str]:
    match = _SESSION_DIR.fullmatch(session_dir)
    if not match:
        raise TuszPathError(rel, "session", f"session folder '{session_dir}' must be sNNN_YYYY "
                            "(v2.0.3, e.g. 's001_2002') or sNNN_YYYY_MM_DD (<= v2.0.2, e.g. 's001_2003_07_16')")
    return int(match.group(1)), match.group(2)


def _check_montage(rel: str, montage: str) -> None:
    if montage not in MONTAGES:
        raise TuszPathError(rel, "montage", f"montage folder '{montage}' is not one of "
                            f"{', '.join(MONTAGES)}")


def _parse_file_name(rel: str, name: str, patient: str, session: int) -> tuple[int, str]:
    match = _FILE.fullmatch(name)
    if not match or match.group(4) not in SUFFIXES:
        raise TuszPathError(rel, "file", f"file name '{name}' must be <patient>_sNNN_tNNN with suffix "
                            f"{', '.join(SUFFIXES)} (e.g. '{patient}_s{session:03d}_t000.edf')")
    if match.group(1) != patient:
        raise TuszPathError(rel, "file", f"file name patient '{match.group(1)}' disagrees with "
                            f"patient folder '{patient}'; move or rename the file")
    if int(match.group(2)) != session:
        raise TuszPathError(rel, "file", f"file name session 's{match.group(2)}' disagrees with "
                            f"session folder 's{session:03d}'; move or rename the file")
    return int(match.group(3)), match.group(4)


def _validate(p: TuszPath) -> None:
    """Keep directly built values formattable, so format() always parses back."""
    rel = f"TuszPath({p.split!r}, {p.patient!r}, ...)"
    _check_split(rel, p.split)
    _check_patient(rel, p.patient)
    _check_montage(rel, p.montage)
    if not 0 <= p.session <= 999 or not 0 <= p.token <= 999:
        raise TuszPathError(rel, "number", f"session {p.session} and token {p.token} must be 0..999")
    if not _SESSION_DATE.fullmatch(p.session_date):
        raise TuszPathError(rel, "session", f"session date '{p.session_date}' must be YYYY or YYYY_MM_DD")
    if p.suffix not in SUFFIXES:
        raise TuszPathError(rel, "file", f"suffix '{p.suffix}' is not one of {', '.join(SUFFIXES)}")
