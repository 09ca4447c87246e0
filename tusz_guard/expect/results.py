"""GX validation results as plain data, and one Finding per suite (no GX import: results are duck-typed)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from tusz_guard.expect.suites import SuiteFile
from tusz_guard.results import Finding, Status

Severity = Literal["critical", "warning", "info"]
SHOWN_FAILURES = 3           # failed expectations spelled out in the one-line message


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: what it asked, whether it held, and the first rows that broke it."""

    type: str
    kwargs: dict[str, Any]
    severity: Severity
    success: bool
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None
    first_rows: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    notes: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"type": self.type, "kwargs": self.kwargs, "severity": self.severity, "success": self.success,
                "unexpected_count": self.unexpected_count, "unexpected_percent": self.unexpected_percent,
                "observed_value": self.observed_value, "first_rows": list(self.first_rows), "error": self.error,
                "notes": self.notes}
        return {k: v for k, v in data.items() if v is not None}

    @property
    def target(self) -> str:
        """The column(s) the expectation is about, for messages."""
        cols = [str(self.kwargs[k]) for k in ("column", "column_A", "column_B") if k in self.kwargs]
        cols += [str(c) for c in self.kwargs.get("column_list") or []]
        return ", ".join(cols) if cols else "table"


def outcome_of(result: Any, id_columns: tuple[str, ...]) -> ExpectationOutcome:
    """Read one ExpectationValidationResult (duck-typed, so tests need no GX)."""
    config = result.expectation_config
    details = dict(result.result or {})
    kwargs = {k: plain(v) for k, v in dict(config.kwargs).items() if k != "batch_id"}
    rows = tuple(_row(r, id_columns) for r in (details.get("partial_unexpected_index_list") or []))
    notes = getattr(config, "notes", None)
    return ExpectationOutcome(
        type=config.type, kwargs=kwargs, severity=_severity(getattr(config, "severity", "critical")),
        success=bool(result.success), unexpected_count=_int(details.get("unexpected_count")),
        unexpected_percent=_float(details.get("unexpected_percent")),
        observed_value=plain(details.get("observed_value")), first_rows=rows,
        error=_error(result.exception_info), notes=" ".join(notes) if isinstance(notes, list) else notes)


def _row(row: Any, id_columns: tuple[str, ...]) -> dict[str, Any]:
    """A failing row with its id columns first (path, window), then the offending value(s)."""
    data = {k: plain(v) for k, v in dict(row).items()}
    return {**{k: data[k] for k in id_columns if k in data}, **{k: v for k, v in data.items() if k not in id_columns}}


def _severity(value: Any) -> Severity:
    text = str(getattr(value, "value", value)).lower()
    return text if text in ("critical", "warning", "info") else "critical"  # type: ignore[return-value]


def _error(info: Any) -> str | None:
    """The exception message when GX raised while evaluating (info is flat, or keyed by metric)."""
    if not isinstance(info, dict):
        return None
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in entries:
        if entry.get("raised_exception"):
            message = str(entry.get("exception_message") or "exception").strip()
            return message.splitlines()[0][:300] if message else "exception"
    return None


def plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None, containers recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else round(float(value), 4)


# ---- one finding per suite ------------------------------------------------------------------------------
def suite_finding(suite: SuiteFile, rows: int, outcomes: list[ExpectationOutcome], *,
                  skip_reason: str | None = None, problems: tuple[str, ...] = (), duration_s: float = 0.0) -> Finding:
    """The check `expectations.<suite>`: fail on a failed critical expectation, warn on a warning one."""
    base = {"suite": suite.shown, "table": suite.table, "rows": rows, "expectations": suite.n_expectations}
    title = f"Great Expectations suite {suite.name}"
    if skip_reason is not None:
        return Finding(id=f"expectations.{suite.name}", status="skip", title=title,
                       message=f"{suite.shown} not run: {skip_reason}", details=base)
    failed = [o for o in outcomes if not o.success]
    status = _status(failed, problems)
    details = {**base, "failed": [o.to_json() for o in failed], "problems": list(problems)}
    return Finding(id=f"expectations.{suite.name}", status=status, title=title,
                   message=_message(suite, rows, outcomes, failed, problems), details=details,
                   duration_s=duration_s)


def _status(failed: list[ExpectationOutcome], problems: tuple[str, ...]) -> Status:
    if any(o.error for o in failed):
        return "error"
    if problems or any(o.severity == "critical" for o in failed):
        return "fail"
    return "warn" if any(o.severity == "warning" for o in failed) else "pass"


def _message(suite: SuiteFile, rows: int, outcomes: list[ExpectationOutcome], failed: list[ExpectationOutcome],
             problems: tuple[str, ...]) -> str:
    head = f"{suite.shown} on {rows} {suite.table} row{'' if rows == 1 else 's'}"
    if not failed and not problems:
        return f"{head}: all {len(outcomes)} expectations met"
    parts = [describe(o, rows) for o in failed[:SHOWN_FAILURES]]
    if len(failed) > SHOWN_FAILURES:
        parts.append(f"and {len(failed) - SHOWN_FAILURES} more")
    if problems:
        parts.append(f"{len(problems)} unreadable: {problems[0]}")
    return f"{head}: {len(failed)} of {len(outcomes)} expectations failed: " + "; ".join(parts)


def describe(o: ExpectationOutcome, rows: int) -> str:
    """One failed expectation in a few words, naming the first failing recording."""
    text = f"{o.type} on {o.target}"
    if o.error:
        return f"{text}: raised {o.error}"
    if o.first_rows:
        first = o.first_rows[0]
        where = first.get("path", "?") + (f" window {first['window']}" if "window" in first else "")
        value = next((v for k, v in first.items() if k not in ("path", "window")), None)
        return f"{text}: {o.unexpected_count} of {rows} rows, first {where}" + (f" ({value})" if value is not None else "")
    if o.observed_value is not None:
        return f"{text}: observed {o.observed_value}"
    return text
