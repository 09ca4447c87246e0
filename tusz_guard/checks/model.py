"""Check results as plain data: a closed set of outcomes; overall status and exit code are pure functions."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail", "error", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "error", "skip")
BLOCKING: frozenset[str] = frozenset({"fail", "error"})


@dataclass(frozen=True)
class Finding:
    """The outcome of one check: message names the file or key, what was found, what was expected, the fix."""

    id: str                      # stable check id, e.g. "cache.coverage"
    status: Status
    title: str                   # short human title of the check
    message: str
    details: dict[str, Any] = field(default_factory=dict)   # JSON-serialisable specifics (counts, paths, rows)
    duration_s: float = 0.0


@dataclass(frozen=True)
class ConfigSummary:
    """What a renderer shows of each config given."""

    path: str                    # as displayed (relative to the project root when possible)
    name: str
    kind: str
    data_dir: str                # absolute
    cache_dir: str               # absolute
    fingerprint: str
    values: dict[str, Any]       # the flattened effective config ("data.cache_dir" -> "cache/tusz")


@dataclass(frozen=True)
class Report:
    """Everything every renderer needs; renderers never compute, they only format this."""

    findings: tuple[Finding, ...]
    configs: tuple[ConfigSummary, ...]
    cache_dir: str
    fingerprint: str
    totals: dict[str, dict[str, Any]]         # per role: found, included, excluded{reason:n}, cached, would_process_live, ...
    funnel: tuple[str, ...] = ()
    sections: dict[str, Any] = field(default_factory=dict)   # extra data for charts: label distribution, archive, windows
    generated_at: str = ""
    tool_version: str = ""
    strict: bool = False                      # --strict: warnings block too
    command: str = "check"                    # the command whose verdict this is (check, verify-archive)

    @property
    def status(self) -> Literal["pass", "fail"]:
        return overall_status(self.findings, self.strict)

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings, self.strict)

    def counts(self) -> dict[str, int]:
        return {s: sum(f.status == s for f in self.findings) for s in STATUSES}


def overall_status(findings: tuple[Finding, ...] | list[Finding], strict: bool = False) -> Literal["pass", "fail"]:
    """fail when any finding blocks (fail/error; warn too under --strict) or when nothing ran."""
    blocking = BLOCKING | ({"warn"} if strict else set())
    executed = [f for f in findings if f.status != "skip"]
    if not executed or any(f.status in blocking for f in findings):
        return "fail"
    return "pass"


def exit_code(findings: tuple[Finding, ...] | list[Finding], strict: bool = False) -> int:
    """0 pass, 1 blocked."""
    return 0 if overall_status(findings, strict) == "pass" else 1
