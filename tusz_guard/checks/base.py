"""The one registry of checks: an id, a title, what it reads, and a pure function to one Outcome."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tusz_guard.results import Outcome

if TYPE_CHECKING:
    from tusz_guard.checks.snapshot import Snapshot

# What a check reads besides the configs: the engine skips it, saying why, when that input was not gathered.
Need = Literal["ledger", "cache", "archive", "suites"]
# A check judges the whole Snapshot or, for archive.* and copy.*, the view of one archive or one copy alone
# (verify-archive and verify-copy --self run without a config, so without a Snapshot).
Takes = Literal["snapshot", "archive", "copy"]
# Lists in details are cut here; the message always carries the full counts.
MAX_ROWS = 200


@dataclass(frozen=True)
class Check:
    """One check: a stable id, a title, what it reads, and a pure function to one Outcome."""

    id: str
    title: str
    fn: Callable[[Any], Outcome]
    needs: tuple[Need, ...] = ()
    takes: Takes = "snapshot"

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def inputs(self) -> str:
        """What the check reads, for `check --list`."""
        if self.takes == "archive":
            return "archive" + (" + config + corpus" if "ledger" in self.needs else "")
        if self.takes == "copy":
            return "copy (+ local cache)"
        return " + ".join(("config", *self.needs))


# The static checks, registered by importing their modules (tusz_guard/checks/*_checks.py, found by name).
# Expectation suites are checks too, made per run from the suite files (checks/suite_checks.py).
REGISTRY: dict[str, Check] = {}
SnapshotFn = Callable[["Snapshot"], Outcome]


def register(c: Check) -> None:
    """Add one check (ids are unique)."""
    if c.id in REGISTRY:
        raise RuntimeError(f"check id {c.id} registered twice")
    REGISTRY[c.id] = c


def check(check_id: str, title: str, needs: tuple[Need, ...] = ()) -> Callable[[SnapshotFn], SnapshotFn]:
    """Register a check of the Snapshot under a stable id."""
    def decorate(fn: SnapshotFn) -> SnapshotFn:
        register(Check(check_id, title, fn, needs))
        return fn
    return decorate


def copy_check(check_id: str, title: str) -> Callable[[Callable[[Any], Outcome]], Callable[[Any], Outcome]]:
    """Register a check of one copy's view (storage/verify_copy.CopyView), run by `verify-copy`."""
    def decorate(fn: Callable[[Any], Outcome]) -> Callable[[Any], Outcome]:
        register(Check(check_id, title, fn, (), "copy"))
        return fn
    return decorate


def archive_check(check_id: str, title: str, *, with_config: bool = False) -> Callable[[Callable[[Any], Outcome]],
                                                                                     Callable[[Any], Outcome]]:
    """Register a check of an archive's view; with_config: it also needs the config and its corpus ledger."""
    def decorate(fn: Callable[[Any], Outcome]) -> Callable[[Any], Outcome]:
        register(Check(check_id, title, fn, ("archive", "ledger") if with_config else ("archive",), "archive"))
        return fn
    return decorate


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
