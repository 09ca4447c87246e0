"""verify-copy: read the copy once (storage/verify_copy.gather_copy), judge it with the registered copy.* checks."""
from __future__ import annotations

from datetime import datetime, timezone

from tusz_guard import __version__
from tusz_guard.cache.store import CacheStore
from tusz_guard.checks.engine import registered, run_checks
from tusz_guard.results import Report
from tusz_guard.storage.location import Location
from tusz_guard.storage.verify_copy import CopyView, gather_copy

FAMILY = "copy"


def verify(dest: Location, store: CacheStore | None, *, fast: bool = False, workers: int = 8) -> Report:
    """DEST against the local cache `store`, or against its own index when store is None (--self)."""
    view = gather_copy(dest, store, fast=fast, workers=workers)
    findings = run_checks(view, [c for c in registered() if c.family == FAMILY])
    index = view.index
    return Report(findings=tuple(findings), configs=(), cache_dir=view.dest,
                  fingerprint=index.fingerprint if index is not None else "", totals={},
                  sections={"copy": view.summary}, command="verify-copy", tool_version=__version__,
                  generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


__all__ = ["CopyView", "verify"]
