"""copy.*: the tiers of `verify-copy`, registered like every other check.

The rules are pure functions in storage/verify_copy.py; each check judges the one CopyView that
`gather_copy` read (listing, index, streamed sums) for `verify-copy CONFIG DEST` or `verify-copy --self DEST`.
The rules module is imported inside each check: the registry imports this module for every command.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tusz_guard.checks.base import copy_check
from tusz_guard.results import Outcome

if TYPE_CHECKING:
    from tusz_guard.storage.verify_copy import CopyView


@copy_check("copy.index", "The copy holds a readable index.json of the same cache")
def copy_index(c: CopyView) -> Outcome:
    from tusz_guard.storage import verify_copy as v
    return v.index_outcome(c)


@copy_check("copy.listing", "Every cache file is in the copy at its size, and nothing else")
def copy_listing(c: CopyView) -> Outcome:
    from tusz_guard.storage import verify_copy as v
    return v.listing_outcome(c)


@copy_check("copy.checksums", "Every file of the copy hashes to the expected sha256")
def copy_checksums(c: CopyView) -> Outcome:
    from tusz_guard.storage import verify_copy as v
    return v.checksums_outcome(c)
