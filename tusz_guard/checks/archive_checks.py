"""archive.*: the tiers of an archive's verification, registered like every other check.

The rules are pure functions in archive/verify.py; each check here judges the one ArchiveView that
`check --archive`, `verify-archive` and `unpack` gathered from a single streaming pass.
The rules module is imported inside each check: the registry imports this module for every command.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tusz_guard.checks.base import archive_check
from tusz_guard.results import Outcome

if TYPE_CHECKING:
    from tusz_guard.archive.verify import ArchiveView


@archive_check("archive.safety", "Archive members are safe to extract")
def archive_safety(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    return v.safety(a.scan)


@archive_check("archive.readable", "Archive reads to the end")
def archive_readable(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    return v.readable(a.scan)


@archive_check("archive.totals", "Archive totals")
def archive_totals(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    return v.totals(a.scan)


@archive_check("archive.completeness", "Archive completeness")
def archive_completeness(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    return v.completeness(a.scan, a.found)


@archive_check("archive.checksums", "Archive checksums")
def archive_checksums(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    return v.checksums(a.scan)


@archive_check("archive.prefix", "Archive path prefix is the config's cache dir", with_config=True)
def archive_prefix(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    assert a.expect is not None
    return v.prefix(a.scan, a.found, a.expect)


@archive_check("archive.fingerprint", "Archive fingerprint matches the config", with_config=True)
def archive_fingerprint(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    assert a.expect is not None
    return v.fingerprint_finding(a.scan, a.main, a.expect)


@archive_check("archive.coverage", "Archive covers the config's recordings", with_config=True)
def archive_coverage(a: ArchiveView) -> Outcome:
    from tusz_guard.archive import verify as v
    assert a.expect is not None
    return v.coverage(a.scan, a.main, a.expect)
