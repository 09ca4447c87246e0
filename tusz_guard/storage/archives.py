"""Archives on object storage: `pack -o URL` streams the archive up (nothing staged locally) and
`verify-archive URL` streams it down through the same one-pass scan; neither writes a local copy.

An upload that fails or is interrupted is aborted (s3fs: AbortMultipartUpload), so no object ever appears under
the final name: S3 publishes an object only when its multipart upload completes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tusz_guard.archive import pack as packing
from tusz_guard.archive.manifest import Manifest
from tusz_guard.archive.scan import ArchiveURL, Progress, Scan, scan_stream
from tusz_guard.archive.streams import Compressor
from tusz_guard.cache.fingerprint import fingerprint
from tusz_guard.cache.store import CacheStore
from tusz_guard.config import LoadedConfig
from tusz_guard.errors import GuardError
from tusz_guard.storage import remote
from tusz_guard.storage.location import Location

PART = 8 << 20          # multipart part size / read block: memory held per stream


@dataclass(frozen=True)
class UploadResult:
    url: str
    manifest: Manifest
    archive_bytes: int
    skipped: tuple[str, ...]


def url_size(loc: Location) -> int:
    """The object's size (for the progress bar); GuardError when it does not exist."""
    fs = remote.filesystem(loc)
    size = remote.stat_size(fs, loc)
    if size is None:
        raise GuardError(f"archive {loc.shown} does not exist", hint="check the URL")
    return size


def scan_url(loc: Location, progress: Progress | None = None) -> Scan:
    """The archive adapter for an object: one streamed read (ranged GETs of PART bytes), never extracted."""
    fs = remote.filesystem(loc)
    size = url_size(loc)
    with remote.storage_errors(loc, "read"), fs.open(remote.fs_path(fs, loc), "rb", block_size=PART) as fh:
        return scan_stream(fh, ArchiveURL(loc.shown), size, progress=progress)


def pack_to_url(cfg: LoadedConfig, dest: Location, compression: Literal["gz", "zst"] = "zst",
                allow_partial: bool = False, progress: bool = True, level: int | None = None,
                folder: bool = False) -> UploadResult:
    """pack() with the archive streamed to an object store: to DEST, or into it when `folder` (a URL ending '/')."""
    store = CacheStore(cfg.cache_dir)
    fs = remote.filesystem(dest)
    with store.lock(shared=True):
        p = packing.plan_pack(cfg, store, allow_partial)
        name = packing.default_name(p.prefix, fingerprint(cfg), p.coverage, compression, p.partial)
        target = _target(fs, dest, name, folder)
        sources = packing.hash_all(p.paths, p.prefix, progress)
        manifest = packing.manifest_for(cfg, store, p, sources)
        upload(fs, target, lambda sink: _write(sink, manifest, sources, compression, progress, level))
    return UploadResult(target.shown, manifest, remote.stat_size(fs, target) or 0, p.skipped)


def _target(fs: Any, dest: Location, default: str, folder: bool) -> Location:
    """The object to write: DEST itself, or DEST/<default name> for a folder URL or a prefix holding objects."""
    holds = remote.list_files(fs, dest)        # before any hashing: a missing bucket or bad key fails here
    target = dest.join(default) if folder or holds else dest
    if remote.stat_size(fs, target) is not None:
        raise GuardError(f"{target.shown} already exists", hint="remove it or choose another URL with -o")
    return target


def _write(sink: Any, manifest: Manifest, sources: list[packing.Source], compression: Literal["gz", "zst"],
           progress: bool, level: int | None) -> None:
    comp = Compressor(sink, compression, level)
    packing.write_tar(comp, manifest, sources, progress)  # type: ignore[arg-type]
    comp.close()


def upload(fs: Any, target: Location, write: Any) -> None:
    """Open target for writing, call write(file); on any failure abort the upload so nothing is published."""
    with remote.storage_errors(target, "write"):
        f = fs.open(remote.fs_path(fs, target), "wb", block_size=PART)
    try:
        with remote.storage_errors(target, "upload to"):       # a dropped connection: one line, not a bug
            write(f)
    except BaseException:
        with remote.storage_errors(target, "abort the upload to"):
            f.discard()              # s3fs: AbortMultipartUpload; buffered bytes are dropped, never sent
        f.closed = True              # so that garbage collection never flushes (and publishes) what is left
        raise
    with remote.storage_errors(target, "complete the upload to"):
        f.close()                    # CompleteMultipartUpload (or one PUT for a small archive): atomic
