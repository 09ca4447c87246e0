"""Safe extraction into the config's cache dir: verify while streaming into a staging directory next to the
cache, and move entries into place only after the whole archive verified (docs/archive-format.md)."""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable

from tusz_guard import results
from tusz_guard.archive.layout import Place, config_prefix
from tusz_guard.archive.manifest import Manifest
from tusz_guard.archive.scan import Progress, Scan, scan_archive
from tusz_guard.archive.verify import ArchiveView, Expectation, summary
from tusz_guard.atomic import fix_for
from tusz_guard.cache.damage import file_sha256
from tusz_guard.cache.space import free_space
from tusz_guard.cache.store import ENTRY_FILES, INDEX_NAME, CacheStore, EntryMeta
from tusz_guard.config import LoadedConfig
from tusz_guard.errors import GuardError
from tusz_guard.results import Finding

STAGING_PREFIX = ".tusz-guard-unpack-"
# coverage may fall short (a partial archive still seeds a cache that build-cache completes); nothing else may
NON_BLOCKING = frozenset({"archive.coverage"})
_WANTED = ("entry", "cache_meta", "index")
# judges a finished scan with the registered archive.* checks (the application layer passes it in)
Judge = Callable[[Scan], "tuple[ArchiveView, list[Finding]]"]


@dataclass(frozen=True)
class UnpackResult:
    findings: list[Finding]
    summary: dict[str, Any]
    added: tuple[str, ...] = ()          # entry keys moved into the cache
    identical: tuple[str, ...] = ()      # entries the cache already held, byte for byte
    refused: str | None = None           # why nothing was moved

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


class StagingSink:
    """Writes each wanted member to <staging>/<rel>.part and renames it once its size and sha256 check out."""

    def __init__(self, staging: Path, prefix: str) -> None:
        self.staging, self.prefix = staging, prefix
        self.accepted: dict[str, str] = {}       # rel -> sha256
        self.rejected: list[str] = []

    def wants(self, path: str, where: Place) -> bool:
        return where.kind in _WANTED and where.prefix == self.prefix

    def _target(self, path: str) -> Path:
        rel = path[len(self.prefix) + 1:] if self.prefix else path
        target = (self.staging / rel).resolve()
        if not target.is_relative_to(self.staging.resolve()):      # defence in depth: names are already safe
            raise GuardError(f"member {path} would land outside the staging directory", exit_code=1)
        return target

    def open(self, path: str, size: int, manifest: Manifest | None) -> _StagedFile | None:
        """A staging file for a member, or None (rejected unwritten) when its size is not the manifest's."""
        declared = manifest.member(path) if manifest is not None else None
        if manifest is not None and (declared is None or declared.size != size):
            self.rejected.append(path)      # judged by its header: not one byte of it is written
            return None
        part = self._target(path).with_name(self._target(path).name + ".part")
        try:
            part.parent.mkdir(parents=True, exist_ok=True)
            _check_room(part.parent, size, path)
            return _StagedFile(open(part, "xb"), part)
        except OSError as exc:
            raise destination_error(part, exc) from None

    def done(self, path: str, sha256: str, size: int, manifest: Manifest | None) -> None:
        target = self._target(path)
        part = target.with_name(target.name + ".part")
        declared = manifest.member(path) if manifest is not None else None
        if manifest is not None and (declared is None or (declared.size, declared.sha256) != (size, sha256)):
            part.unlink()
            self.rejected.append(path)
            return
        os.rename(part, target)
        self.accepted[target.relative_to(self.staging.resolve()).as_posix()] = sha256


class _StagedFile:
    """A staging file whose write errors are the destination's (a full disk is not a damaged archive)."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self._fh, self._path = fh, path

    def write(self, data: bytes | memoryview) -> int:
        try:
            return self._fh.write(data)
        except OSError as exc:
            raise destination_error(self._path, exc) from None

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError as exc:
            raise destination_error(self._path, exc) from None


def destination_error(path: Path, exc: OSError) -> GuardError:
    """A write failure in staging or the move into place as the destination's problem, naming the path and the fix."""
    folder = path.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return GuardError(f"no space left in {folder} while unpacking ({_free(folder)} free): the destination "
                          "is full, the archive is not at fault; nothing was moved into the cache",
                          hint="free space or set data.cache_dir on a larger disk, then unpack again", exit_code=1)
    return GuardError(f"cannot write {path}: {exc.strerror or exc}; nothing was moved into the cache", exit_code=1,
                      hint=fix_for(exc, "set data.cache_dir to a writable folder, then unpack again"))


def _check_room(folder: Path, size: int, member: str) -> None:
    """Refuse a member larger than the free space before writing any of it."""
    space = free_space(folder)
    if space is None:          # the platform cannot say: the write itself reports ENOSPC as the destination's
        return
    free = space.free
    if size > free:
        raise GuardError(f"member {member} is {size:,} bytes, but {folder} has {free:,} bytes free: the destination "
                         "is too small; nothing was moved into the cache",
                         hint="free space or set data.cache_dir on a larger disk, then unpack again", exit_code=1)


def _free(folder: Path) -> str:
    space = free_space(folder)
    return "unknown" if space is None else f"{space.free:,} bytes"


def unpack(archive: Path, cfg: LoadedConfig, judge: Judge, progress: Progress | None = None) -> UnpackResult:
    """Verify while extracting into staging; move into cfg.cache_dir only when every blocking tier passed."""
    archive = Path(archive)
    if not archive.is_file():
        raise GuardError(f"archive {archive} does not exist or is not a file", hint="check the path")
    dest = destination(cfg)
    _check_destination(dest, cfg)
    staging = dest.parent / f"{STAGING_PREFIX}{dest.name}-{os.getpid()}-{secrets.token_hex(4)}"
    made: list[Path] = []
    try:
        made = _make_parents(dest.parent)
        staging.mkdir()
    except OSError as exc:
        _remove_empty(made)       # parents made for a staging folder that could not be (e.g. a name too long)
        raise destination_error(staging, exc) from None
    moved = False
    try:
        sink = StagingSink(staging, config_prefix(cfg))
        view, findings = judge(scan_archive(archive, sink=sink, progress=progress))
        expect, scan = view.expect, view.scan
        assert expect is not None
        info = summary(view, findings)
        blocking = results.blocking(findings, exempt=NON_BLOCKING)
        if blocking or sink.rejected:
            why = ", ".join(f.id for f in blocking) or f"{len(sink.rejected)} member(s) differ from the manifest"
            return UnpackResult(findings, info, refused=f"archive failed {why}: nothing was written to {dest}")
        added, identical = _move_into_place(staging, dest, expect, scan, sink)
        moved = True
        return UnpackResult(findings, info, added=added, identical=identical)
    finally:
        shutil.rmtree(staging, ignore_errors=True)      # ours: created above under a unique name
        if not moved:
            _remove_empty(made)


def _make_parents(folder: Path) -> list[Path]:
    """Create folder and its missing ancestors; return the ones created, deepest first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Undo _make_parents when nothing was unpacked (only folders still empty: never anyone's data)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def destination(cfg: LoadedConfig) -> Path:
    """The folder unpack fills: cfg.cache_dir, or the folder its symlink names (written through, as build-cache does).

    Staging goes beside that folder, so the final rename stays on one file system. A dangling link is refused as
    build-cache refuses it; a symlink loop, an over-long name or a mount point is one line with the fix.
    """
    dest, shown = cfg.cache_dir, cfg.display(cfg.cache_dir)
    try:
        os.stat(dest)
    except FileNotFoundError:
        if os.path.islink(dest):
            raise GuardError(f"cache_dir {shown} is a symlink to {os.readlink(dest)}, which does not exist",
                             hint="create that folder, or point data.cache_dir at a real folder", exit_code=1) from None
        return dest
    except NotADirectoryError:
        return dest                       # a component is a file: _make_parents names it
    except OSError as exc:
        raise GuardError(f"cache_dir {shown}: {exc.strerror}", exit_code=1,
                         hint=fix_for(exc, "set data.cache_dir to a usable folder")) from None
    real = Path(os.path.realpath(dest))
    if os.path.ismount(real):
        raise GuardError(f"cache_dir {shown} is a mount point: unpack moves a verified cache into place by renaming "
                         "it, which a mount point cannot take", hint=f"set data.cache_dir to a folder inside it "
                         f"(e.g. {shown}/tusz), then unpack again", exit_code=1)
    return real


def _check_destination(dest: Path, cfg: LoadedConfig) -> None:
    """Refuse early, before reading the archive, a destination that is not a tusz-guard cache."""
    shown = cfg.display(dest)
    if dest.exists() and not dest.is_dir():
        raise GuardError(f"cache_dir {shown} exists and is not a directory", hint="move it away", exit_code=1)
    if dest.is_dir() and any(dest.iterdir()) and not CacheStore(dest).exists():
        raise GuardError(f"cache_dir {shown} holds files but no tusz-guard-cache.json: it is not a tusz-guard "
                         "cache and unpack never writes into foreign data",
                         hint="unpack into an empty or missing data.cache_dir", exit_code=1)


def _move_into_place(staging: Path, dest: Path, expect: Expectation, scan: Scan,
                     sink: StagingSink) -> tuple[tuple[str, ...], tuple[str, ...]]:
    staged = CacheStore(staging)
    keys = tuple(staged.list_entries())
    try:
        if not dest.is_dir() or not any(dest.iterdir()):
            _rename_whole(staging, dest)
            return keys, ()
        return _merge(staged, CacheStore(dest), expect, sink)
    except OSError as exc:
        raise destination_error(dest, exc) from None


def _rename_whole(staging: Path, dest: Path) -> None:
    """One rename: the cache appears whole or not at all; an empty cache_dir it replaced is put back on failure."""
    was_empty = dest.is_dir()
    with contextlib.suppress(FileNotFoundError):
        dest.rmdir()
    try:
        os.rename(staging, dest)
    except OSError:
        if was_empty:
            with contextlib.suppress(OSError):
                dest.mkdir()
        raise
    _touch(dest / INDEX_NAME)


def _merge(staged: CacheStore, store: CacheStore, expect: Expectation,
           sink: StagingSink) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Add the archive's entries to an existing cache of the same fingerprint; refuse any that differ."""
    meta = store.read_meta()
    assert meta is not None                              # _check_destination saw the metadata
    if meta.fingerprint != expect.fingerprint:
        raise GuardError(f"{store.root} holds a cache with fingerprint {meta.fingerprint}, the archive and the "
                         f"config have {expect.fingerprint}", hint="move that cache away, then unpack", exit_code=1)
    keys = staged.list_entries()
    existing = set(store.list_entries())
    differ = [k for k in keys if k in existing and not _same_entry(store.entry_dir(k), sink, k)]
    if differ:
        raise GuardError(f"{len(differ)} entr{'y' if len(differ) == 1 else 'ies'} in {store.root} differ from the "
                         f"archive's ({', '.join(differ[:5])}); unpack never overwrites an entry",
                         hint="move the cache away or remove those entries, then unpack", exit_code=1)
    new = [k for k in keys if k not in existing]
    store.entries_dir.mkdir(exist_ok=True)
    records: dict[str, EntryMeta] = {}
    for key in new:
        os.rename(staged.entry_dir(key), store.entry_dir(key))
        records[key] = store.read_entry_meta(key)
    store.sync_index(expect.fingerprint, records)
    return tuple(new), tuple(k for k in keys if k in existing)


def _same_entry(folder: Path, sink: StagingSink, key: str) -> bool:
    for name in ENTRY_FILES:
        want = sink.accepted.get(f"entries/{key}/{name}")
        if want is None or not (folder / name).is_file() or file_sha256(folder / name) != want:
            return False
    return True


def _touch(path: Path) -> None:
    """The index must stay newer than every meta.json (they were all written just now)."""
    if path.is_file():
        os.utime(path)
