"""reports/history/: the last KEEP check reports of each config, to say what changed since the previous run.

Each entry is the JSON report without its bulky `recordings` and `sections` (a 70,000-recording corpus would
make 20 copies of several MB), written atomically (tusz_guard.atomic); the oldest beyond KEEP are removed.
An unreadable entry is skipped, never fatal: the history only ever adds a few lines to a report.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tusz_guard.atomic import write_output
from tusz_guard.errors import GuardError
from tusz_guard.report.changes import compare, first_run
from tusz_guard.report.json_report import SCHEMAS, report_dict
from tusz_guard.results import Report

HISTORY = "history"
KEEP = 20
TRIMMED = ("recordings", "sections", "changes")
_SLUG = re.compile(r"[^A-Za-z0-9]+")


def history_key(report: Report) -> str:
    """The file-name prefix of one config's history: a readable slug plus a hash of the path as shown."""
    shown = report.configs[0].path if report.configs else "(no config)"
    slug = _SLUG.sub("-", shown).strip("-")[-48:] or "config"
    return f"{slug}-{hashlib.sha1(shown.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def entries(folder: Path, key: str) -> list[Path]:
    """This config's history files, oldest first (names sort by their UTC stamp)."""
    where = folder / HISTORY
    try:
        return sorted(where.glob(f"{key}--*.json")) if where.is_dir() else []
    except OSError:        # unreadable, or a name over 255 bytes: no history; writing the report names the problem
        return []


def _read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("schema") in SCHEMAS else None


def load_report(path: Path | str) -> dict[str, Any]:
    """A check report's JSON (v1 or v2), or a one-line GuardError (exit 2) naming what is wrong with the file."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GuardError(f"{shown} does not exist", hint="pass two JSON reports, e.g. reports/latest.json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GuardError(f"cannot read {shown}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise GuardError(f"{shown} is not JSON ({exc})", hint="pass a report written by check --format json") from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema not in SCHEMAS:
        raise GuardError(f"{shown} is not a tusz-guard check report (schema {schema!r}, expected one of "
                         f"{', '.join(SCHEMAS)})", hint="pass a report written by check --format json")
    return doc


def previous(folder: Path, key: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest readable history entry of this config."""
    for path in reversed(entries(folder, key)):
        doc = _read(path)
        if doc is not None:
            return path, doc
    return None


def _stamp(folder: Path, key: str) -> Path:
    base = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path, n = folder / HISTORY / f"{key}--{base}.json", 1
    while os.path.exists(path):        # never raises: an over-long name is the write's one-line error
        n += 1
        path = folder / HISTORY / f"{key}--{base}-{n}.json"
    return path


def keep(folder: Path, report: Report, key: str) -> Path:
    """Add this report to the history and drop the oldest beyond KEEP."""
    doc = {k: v for k, v in report_dict(report).items() if k not in TRIMMED}
    path = _stamp(folder, key)
    write_output(path, json.dumps(doc, indent=1, default=str) + "\n")
    for old in entries(folder, key)[:-KEEP]:
        with contextlib.suppress(OSError):      # an entry that cannot be removed is only one too many
            old.unlink()
    return path


def with_history(report: Report, folder: Path | str) -> Report:
    """The report with `changes` against the previous report of its config in folder/history; then kept there."""
    folder = Path(folder)
    key = history_key(report)
    found = previous(folder, key)
    current = report_dict(report)
    if found is None:
        changes = first_run(f"{folder.name}/{HISTORY}")
    else:
        path, old = found
        changes = compare(old, current, previous=f"{folder.name}/{HISTORY}/{path.name}")
    report = replace(report, changes=changes)
    keep(folder, report, key)
    return report
