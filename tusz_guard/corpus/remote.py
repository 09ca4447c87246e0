"""A corpus on object storage (`data.data_dir: s3://...`): what the ledger reads of each file, as ranged reads.

One recursive listing gives every object's size; then per recording one ranged GET for the EDF header (the
first 10,496 bytes cover 256 + 256 x ns for ns <= 40, every TUSZ file; a second GET only beyond that) and one
ranged GET of the listed size for the annotation file (no HEAD: the listing gave the size). The ledger runs
these on its own thread pool (corpus/ledger.py), as for a slow mount: latency, not bandwidth, dominates.
No scan memo: objects carry no inode or ctime to key a row on, and the listing plus one round of reads is
the cost a memo would save only partly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from tusz_guard.corpus.annotations import AnnotationError, AnnotationFile, AnnotationKind, parse_annotation_bytes
from tusz_guard.corpus.edf import HEAD_READ, EdfError, EdfHeader, header_from_reads
from tusz_guard.corpus.ledger import MTIME_UNKNOWN
from tusz_guard.errors import GuardError
from tusz_guard.storage.location import Location
from tusz_guard.storage.remote import StorageError, filesystem, list_files, read_listed, read_range


class ObjectStat(NamedTuple):
    """What the ledger records of a file's identity: an object's size; no mtime survives an upload."""

    st_size: int
    st_mtime_ns: int = MTIME_UNKNOWN


@dataclass(frozen=True)
class RemoteCorpus:
    """The objects below data_dir's URL, listed once; paths are relative to it (posix)."""

    fs: Any
    root: Location
    sizes: dict[str, int]

    @classmethod
    def open(cls, root: Location) -> RemoteCorpus:
        """One recursive listing; GuardError (one line) for a missing bucket, no credentials, no connection."""
        fs = filesystem(root)
        return cls(fs, root, list_files(fs, root))

    def edf_files(self) -> list[str]:
        """Every *.edf object, relative, sorted as the local walk sorts them."""
        return sorted(rel for rel in self.sizes if rel.lower().endswith(".edf"))

    def stat(self, rel: str) -> ObjectStat | None:
        size = self.sizes.get(rel)
        return None if size is None else ObjectStat(size)

    def exists(self, rel: str) -> bool:
        return rel in self.sizes

    def header(self, rel: str) -> EdfHeader:
        """The EDF header by ranged reads; EdfError when unreadable (a failed read included)."""
        loc = self.root.join(rel)
        size = self.sizes.get(rel, 0)
        try:
            head = read_range(self.fs, loc, 0, min(size, HEAD_READ)) if size else b""
            return header_from_reads(loc.shown, size, head,
                                     lambda start, n: read_range(self.fs, loc, start, start + n))
        except EdfError:
            raise
        except GuardError as exc:
            _raise_if_the_stores(exc)
            raise EdfError(loc.shown, f"cannot read: {exc.message}") from None

    def annotations(self, rel: str, kind: AnnotationKind) -> AnnotationFile:
        """The annotation file, read whole (one GET); AnnotationError when missing or unreadable."""
        loc = self.root.join(rel)
        size = self.sizes.get(rel)
        if size is None:
            raise AnnotationError(loc.shown, "missing file")
        try:
            raw = read_listed(self.fs, loc, size)
        except GuardError as exc:
            _raise_if_the_stores(exc)
            raise AnnotationError(loc.shown, f"cannot read: {exc.message}") from None
        return parse_annotation_bytes(raw, kind, loc.shown)


def _raise_if_the_stores(exc: GuardError) -> None:
    """A failure of the store (credentials, throttling, a dropped connection) ends the scan with its one line: as a
    file's fault it would exclude recordings silently and let the gate pass on part of the corpus."""
    if isinstance(exc, StorageError) and not exc.object_gone:
        raise exc
