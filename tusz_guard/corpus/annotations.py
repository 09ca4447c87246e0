"""Strict parsers for TUSZ `.csv` (events) and `.csv_bi` (terms) annotation files."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from math import isfinite
from pathlib import Path
from typing import Any, Literal

from tusz_guard.corpus.files import open_regular
from tusz_guard.errors import GuardError

AnnotationKind = Literal["csv", "csv_bi"]
ProblemKind = Literal["unparsed", "outside", "overlap", "header", "channel"]
COLUMNS = "channel,start_time,stop_time,label,confidence"
TERM_CHANNEL = "TERM"
# Durations carry 2 decimals while times carry 4: allow the rounding gap at the end of a file.
DURATION_TOLERANCE_S = 0.01


class AnnotationError(GuardError):
    """An annotation file that cannot be read at all (missing, not UTF-8, empty, no column header)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}", hint="restore the file from the corpus release")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Event:
    """One annotated interval on one channel (TERM in .csv_bi)."""

    channel: str
    start: float
    stop: float
    label: str
    confidence: float


@dataclass(frozen=True)
class Problem:
    """One finding inside a readable file; line is 1-based, None for whole-file findings."""

    line: int | None
    kind: ProblemKind
    message: str


@dataclass(frozen=True)
class AnnotationFile:
    """A parsed annotation file: header values, events, row counts and every problem found."""

    path: str
    kind: AnnotationKind
    version: str | None
    bname: str | None
    duration_s: float | None
    events: tuple[Event, ...]
    n_data_rows: int
    problems: tuple[Problem, ...]
    sha256: str | None = None     # of the file's bytes: cached labels are stale when it changes

    @property
    def labels(self) -> frozenset[str]:
        """Every label used by a parsed event."""
        return frozenset(e.label for e in self.events)

    @property
    def n_parsed(self) -> int:
        """Data rows that became events (n_data_rows minus the unparsed ones)."""
        return len(self.events)

    def seizure_intervals(self, seizure_labels: Iterable[str]) -> tuple[tuple[float, float], ...]:
        """Seizure time as sorted, merged intervals, united over channels."""
        wanted = frozenset(seizure_labels)
        spans = sorted((e.start, e.stop) for e in self.events if e.label in wanted)
        merged: list[tuple[float, float]] = []
        for start, stop in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
            else:
                merged.append((start, stop))
        return tuple(merged)

    def seizure_seconds(self, seizure_labels: Iterable[str]) -> float:
        """Total seizure time in seconds (overlaps across channels counted once)."""
        return sum(stop - start for start, stop in self.seizure_intervals(seizure_labels))


def parse_annotations(path: str | Path, kind: AnnotationKind) -> AnnotationFile:
    """Read and parse one annotation file; raise AnnotationError when it is unreadable."""
    name = str(path)
    try:
        with open_regular(name) as f:
            raw = f.read()
    except FileNotFoundError:
        raise AnnotationError(name, "missing file") from None
    except OSError as exc:
        raise AnnotationError(name, f"cannot read: {exc.strerror or exc}") from None
    return parse_annotation_bytes(raw, kind, name)


def parse_annotation_bytes(raw: bytes, kind: AnnotationKind, name: str) -> AnnotationFile:
    """Parse the bytes of one annotation file (read from disk or from object storage)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise AnnotationError(name, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
                              "re-save it as UTF-8") from None
    return parse_annotation_text(text, kind, name, hashlib.sha256(raw).hexdigest())


def parse_annotation_text(text: str, kind: AnnotationKind, path: str = "<string>",
                          sha256: str | None = None) -> AnnotationFile:
    """Parse annotation text; problems are collected, only an unusable file raises."""
    if kind not in ("csv", "csv_bi"):
        raise ValueError(f"kind must be 'csv' or 'csv_bi', not {kind!r}")
    lines = text.removeprefix("\ufeff").splitlines()
    if not any(line.strip() for line in lines):
        raise AnnotationError(path, "empty file")
    meta, problems, columns_at = _read_header(path, lines)
    events, n_rows = _read_rows(lines, columns_at + 1, problems)
    duration = meta.get("duration")
    if duration is None and "duration" not in meta:
        problems.append(Problem(None, "header", "no '# duration = ... secs' line; event times cannot be "
                                "checked against the recording length"))
    problems.extend(_check_events(events, kind, duration))
    problems.sort(key=lambda p: p.line or 0)
    return AnnotationFile(path, kind, meta.get("version"), meta.get("bname"), duration,
                          tuple(e for e, _ in events), n_rows, tuple(problems), sha256)


def _read_header(path: str, lines: list[str]) -> tuple[dict[str, Any], list[Problem], int]:
    """Parse '# key = value' lines and find the column header; return (meta, problems, its index)."""
    meta: dict[str, Any] = {}
    problems: list[Problem] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("#"):
            _read_meta(stripped[1:], i + 1, meta, problems)
        elif stripped:
            # the exact column header holds no number: skip five failing float() calls per file
            if stripped != COLUMNS and any(_finite(field) is not None for field in stripped.split(",")):
                raise AnnotationError(path, f"no column header line; expected '{COLUMNS}' before the "
                                      f"first data row (line {i + 1})")
            if stripped.replace(" ", "") != COLUMNS:
                problems.append(Problem(i + 1, "header", f"column header is '{stripped}', expected '{COLUMNS}'"))
            return meta, problems, i
    raise AnnotationError(path, f"no column header line; expected '{COLUMNS}'")


def _read_meta(body: str, line: int, meta: dict[str, Any], problems: list[Problem]) -> None:
    key, sep, value = body.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or key not in ("version", "bname", "duration"):
        return  # a bare '#', montage_file and free comments carry nothing we check
    if key != "duration":
        meta[key] = value
        return
    number = value.split()[0] if value.split() else ""
    meta["duration"] = _finite(number)
    if meta["duration"] is None:
        problems.append(Problem(line, "header", f"duration '{value}' is not a number of seconds"))


def _read_rows(lines: list[str], first: int, problems: list[Problem]) -> tuple[list[tuple[Event, int]], int]:
    events: list[tuple[Event, int]] = []
    n_rows = 0
    for i in range(first, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        n_rows += 1
        event = _parse_row(stripped)
        if event is None:
            problems.append(Problem(i + 1, "unparsed", f"row '{stripped}' is not {COLUMNS} with numeric "
                                    "times and confidence"))
        elif event.stop < event.start:
            problems.append(Problem(i + 1, "unparsed", f"row '{stripped}' stops at {event.stop:g} s, "
                                    f"before its start {event.start:g} s"))
        else:
            events.append((event, i + 1))
    return events, n_rows


def _parse_row(line: str) -> Event | None:
    fields = line.split(",")
    if len(fields) != 5:
        return None
    channel, label = fields[0].strip(), fields[3].strip()
    try:  # float() ignores surrounding blanks itself
        start, stop, confidence = float(fields[1]), float(fields[2]), float(fields[4])
    except ValueError:
        return None
    if not (channel and label and isfinite(start) and isfinite(stop) and isfinite(confidence)):
        return None
    return Event(channel, start, stop, label.lower(), confidence)


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if isfinite(value) else None


def _check_events(events: list[tuple[Event, int]], kind: AnnotationKind,
                  duration: float | None) -> list[Problem]:
    problems: list[Problem] = []
    limit = None if duration is None else duration + DURATION_TOLERANCE_S
    for event, line in events:
        if event.start < 0 or (limit is not None and event.stop > limit):
            problems.append(Problem(line, "outside", f"event {event.start:g}-{event.stop:g} s lies outside "
                                    f"[0, {'inf' if duration is None else format(duration, 'g')}] s"))
        if kind == "csv_bi" and event.channel != TERM_CHANNEL:
            problems.append(Problem(line, "channel", f"channel '{event.channel}' in a .csv_bi file; "
                                    f"expected '{TERM_CHANNEL}'"))
    problems.extend(_overlaps(events))
    return problems


def _overlaps(events: list[tuple[Event, int]]) -> list[Problem]:
    problems: list[Problem] = []
    last: dict[str, tuple[Event, int]] = {}
    for event, line in sorted(events, key=lambda item: (item[0].channel, item[0].start)):
        previous = last.get(event.channel)
        if previous is not None and event.start < previous[0].stop:
            problems.append(Problem(line, "overlap", f"event {event.start:g}-{event.stop:g} s on "
                                    f"'{event.channel}' overlaps line {previous[1]} "
                                    f"({previous[0].start:g}-{previous[0].stop:g} s)"))
        if previous is None or event.stop > previous[0].stop:
            last[event.channel] = (event, line)
    return problems
