"""Results as plain data, and the one blocking rule every verdict comes from.

A leaf module (it imports nothing of tusz-guard): `check`, `verify-archive`, `unpack`, `train`'s preflight,
`build-cache`'s config gate, the HTML title, JUnit and the pytest plugin all ask it whether a set of
findings blocks and which exit code follows. Nothing else decides.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail", "error", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "error", "skip")
# Severity order, most severe first (a `skip` never outranks anything that ran).
SEVERITY: tuple[Status, ...] = ("error", "fail", "warn", "pass", "skip")
Verdict = Literal["pass", "fail"]


class ExitCode(enum.IntEnum):
    """The exit codes of every command."""

    OK = 0            # passed
    BLOCKED = 1       # a check blocked, or a runtime fault the user can fix (disk full, lock held)
    USAGE = 2         # bad arguments or a bad config
    INTERNAL = 3      # a bug in tusz-guard


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
class Outcome:
    """A check's verdict before the engine stamps id, title and timing on it."""

    status: Status
    message: str
    details: dict[str, Any] = field(default_factory=dict)


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
    # keys a launcher changed (--set / TUSZ_GUARD_SET): key -> "value (from --set)"; `values` holds the result
    overrides: dict[str, str] = field(default_factory=dict)


def blocking_statuses(strict: bool = False) -> frozenset[Status]:
    """fail and error block; under --strict, warn blocks too."""
    return frozenset({"fail", "error", "warn"} if strict else {"fail", "error"})


def blocks(finding: Finding, strict: bool = False) -> bool:
    """Whether one finding blocks the run."""
    return status_blocks(finding.status, strict)


def blocking(findings: Iterable[Finding], strict: bool = False, exempt: Iterable[str] = ()) -> list[Finding]:
    """The findings that block, in order; `exempt` ids never block (unpack lets a partial archive seed a cache)."""
    spared = set(exempt)
    return [f for f in findings if blocks(f, strict) and f.id not in spared]


def overall_status(findings: Sequence[Finding], strict: bool = False, exempt: Iterable[str] = ()) -> Verdict:
    """fail when any finding blocks or when nothing ran (a gate that checked nothing must not pass)."""
    if not any(f.status != "skip" for f in findings) or blocking(findings, strict, exempt):
        return "fail"
    return "pass"


def exit_code(findings: Sequence[Finding], strict: bool = False, exempt: Iterable[str] = ()) -> ExitCode:
    """OK when the findings pass, BLOCKED otherwise."""
    return ExitCode.OK if overall_status(findings, strict, exempt) == "pass" else ExitCode.BLOCKED


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe status of several that ran (pass when none ran)."""
    present = set(statuses)
    return next((s for s in SEVERITY if s in present and s != "skip"), "pass")


def cause_first(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Errors, failures, warnings, passes, skips: the order every renderer shows findings in (stable, so ids
    keep their catalogue order within a status)."""
    rank = {s: i for i, s in enumerate(SEVERITY)}
    return tuple(sorted(findings, key=lambda f: rank.get(f.status, len(rank))))


def one_line(message: str, limit: int = 300) -> str:
    """A message's first line, cut at `limit` characters (the banner, the markdown summary)."""
    line = message.splitlines()[0] if message else ""
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


# Verbs a message's fix starts with ("...; run `tusz-guard build-cache configs/train.yaml`").
FIX_VERBS = frozenset({"run", "set", "fix", "rebuild", "point", "add", "remove", "re-export", "pack", "copy", "drop",
                       "unset", "shorten", "move", "rename", "give", "use", "keep", "delete", "build", "install",
                       "pass", "choose", "edit", "replace"})


def fix_of(message: str) -> str | None:
    """The fix a message names: its last '; ' clause that starts with an imperative verb (messages end with it)."""
    for clause in reversed(one_line(message, 10_000).split("; ")):
        words = clause.strip().split(" ", 1)
        if words and words[0].lower() in FIX_VERBS and len(words) > 1:
            return clause.strip()
    return None


def status_blocks(status: str, strict: bool = False) -> bool:
    """Whether a finding of this status blocks (what `report diff` asks of two reports' statuses)."""
    return status in blocking_statuses(strict)


@dataclass(frozen=True)
class Report:
    """Everything every renderer needs; renderers never compute, they only format this."""

    findings: tuple[Finding, ...]
    configs: tuple[ConfigSummary, ...]
    cache_dir: str
    fingerprint: str
    totals: dict[str, dict[str, Any]]         # per role: found, included, excluded{reason:n}, cached, ...
    funnel: tuple[str, ...] = ()
    sections: dict[str, Any] = field(default_factory=dict)   # data for charts: labels, archive, windows
    generated_at: str = ""
    tool_version: str = ""
    strict: bool = False                      # --strict: warnings block too
    command: str = "check"                    # the command whose verdict this is (check, verify-archive)
    recordings: tuple[dict[str, Any], ...] = ()   # one row per ledger recording (report/json_report: v2 keys)
    changes: dict[str, Any] | None = None     # what moved since the previous report (report/changes.py)

    @property
    def status(self) -> Verdict:
        return overall_status(self.findings, self.strict)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(self.findings, self.strict)

    @property
    def blocking(self) -> list[Finding]:
        return blocking(self.findings, self.strict)

    @property
    def ordered(self) -> tuple[Finding, ...]:
        """The findings cause first (cause_first): what every renderer lists."""
        return cause_first(self.findings)

    def counts(self) -> dict[Status, int]:
        return {s: sum(f.status == s for f in self.findings) for s in STATUSES}
