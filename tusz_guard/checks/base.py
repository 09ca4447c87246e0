"""What a check is: an id, a title, and a pure function from a Snapshot to one Outcome."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tusz_guard.checks.model import Status
from tusz_guard.checks.snapshot import Snapshot

Need = Literal["ledger", "cache"]
# Lists in details are cut here; the message always carries the full counts.
MAX_ROWS = 200


@dataclass(frozen=True)
class Outcome:
    """A check's verdict before the engine stamps id, title and timing on it."""

    status: Status
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """One registered check."""

    id: str
    title: str
    fn: Callable[[Snapshot], Outcome]
    needs: tuple[Need, ...] = ()


REGISTRY: dict[str, Check] = {}


def check(check_id: str, title: str, needs: tuple[Need, ...] = ()) -> Callable[[Callable[[Snapshot], Outcome]], Callable[[Snapshot], Outcome]]:
    """Register a check function under a stable id (ids are unique; order of registration is report order)."""
    def register(fn: Callable[[Snapshot], Outcome]) -> Callable[[Snapshot], Outcome]:
        if check_id in REGISTRY:
            raise RuntimeError(f"check id {check_id} registered twice")
        REGISTRY[check_id] = Check(check_id, title, fn, needs)
        return fn
    return register


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe status of several (pass when none)."""
    order: tuple[Status, ...] = ("error", "fail", "warn", "pass", "skip")
    present = set(statuses)
    return next((s for s in order if s in present and s != "skip"), "pass")


def n(value: int) -> str:
    """An integer with thousands separators: 3,734."""
    return f"{value:,}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 file', '3,734 files'."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def listing(items: Iterable[str], limit: int = 3) -> str:
    """The first few items joined, with '(+N more)'."""
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit:,} more)" if len(items) > limit else "")


def rows(items: list[Any]) -> list[Any]:
    """A details list bounded to MAX_ROWS."""
    return items[:MAX_ROWS]
