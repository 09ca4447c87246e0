"""Pack a config's cache into one deterministic, streamed archive with a manifest first."""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from tusz_guard import __version__
from tusz_guard.archive.layout import MANIFEST_NAME, config_prefix, member_name
from tusz_guard.archive.manifest import Manifest, ManifestMember, RoleCoverage
from tusz_guard.archive.progress import Update, byte_bar
from tusz_guard.archive.streams import CHUNK, SUFFIX, Compressor
from tusz_guard.atomic import STDOUT, atomic_target, output_kind, write_error
from tusz_guard.cache.fingerprint import fingerprint
from tusz_guard.cache.plan import plan
from tusz_guard.cache.store import (
    ENTRY_FILES,
    INDEX_NAME,
    LABELS_NAME,
    META_NAME,
    SIGNAL_NAME,
    CacheStore,
    EntryMeta,
    verify_index,
)
from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.ledger import ROLES, TRAINING_ROLES, build_ledger
from tusz_guard.errors import GuardError

# Every member carries this owner and mtime so that one cache always packs to the same bytes; index.json is
# one second newer so that a plain `tar -x` keeps it newer than every meta.json (the index freshness rule).
FIXED_MTIME = 1704067200            # 2024-01-01T00:00:00Z
FILE_MODE = 0o644


@dataclass(frozen=True)
class Source:
    """One cache file to pack: where it is, its archive name, size and sha256 (from the hashing pass)."""

    path: Path
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PackResult:
    path: Path
    manifest: Manifest
    archive_bytes: int
    skipped: tuple[str, ...]          # files in the cache dir that are not part of the cache format


def pack(cfg: LoadedConfig, out: Path | None, compression: Literal["gz", "zst"] = "zst",
         allow_partial: bool = False, progress: bool = True, level: int | None = None,
         lock_timeout: float | None = None, note: Callable[[str], None] | None = None) -> PackResult:
    """Refuse an incomplete cache (unless allow_partial), hash every file, then stream the archive.
    `note` hears, before anything is written, when the destination may be too small for the archive."""
    store = CacheStore(cfg.cache_dir, lock_timeout)
    with store.lock(shared=True):
        p = plan_pack(cfg, store, allow_partial)
        stream = _stream_target(out)
        target = stream or _target(cfg, out, p.prefix, p.coverage, compression, p.partial)
        if stream is None and note is not None:
            warning = space_warning(p, target.parent)
            if warning:
                note(warning)
        sources = hash_all(p.paths, p.prefix, progress)
        manifest = manifest_for(cfg, store, p, sources)
        if stream is None:
            _write(target, manifest, sources, compression, progress, level)
            size = target.stat().st_size
        else:
            size = _write_through(stream, manifest, sources, compression, progress, level)
    return PackResult(target, manifest, size, p.skipped)


def space_warning(p: PackPlan, folder: Path) -> str | None:
    """The members' bytes against the free space where the archive goes. Compressed float signals shrink little
    (zstd keeps ~90% of float32 EEG), so an archive about as large as its members may not fit: say so first."""
    from tusz_guard.cache.space import free_space, human

    disk = free_space(folder)
    if disk is None:
        return None
    members = 0
    for path, _ in p.paths:
        with contextlib.suppress(OSError):
            members += path.stat().st_size
    if members <= disk.free:
        return None
    return (f"warning: the cache's files hold {members:,} bytes ({human(members)}) and {disk.path} has "
            f"{disk.free:,} bytes ({human(disk.free)}) free: the archive may not fit (compressed signals shrink "
            "little); free space or pack to another place (-o)")


@dataclass(frozen=True)
class PackPlan:
    """What an archive of the config's cache will hold, decided before any file is hashed."""

    prefix: str
    paths: list[tuple[Path, str]]                      # (file, member name), manifest order
    coverage: dict[str, RoleCoverage]
    covered: dict[str, tuple[str, ...]]
    partial: bool
    skipped: tuple[str, ...]                           # files in the cache dir that are not part of the format


def plan_pack(cfg: LoadedConfig, store: CacheStore, allow_partial: bool) -> PackPlan:
    """Refuse an inconsistent or (unless allow_partial) incomplete cache; list the members (under the lock)."""
    keys, records, skipped = _inventory(cfg, store)
    coverage, covered = _coverage(cfg, records)
    partial = _refuse_partial(cfg, coverage, allow_partial)
    return PackPlan(config_prefix(cfg), _paths(store, keys, records), coverage, covered, partial, tuple(skipped))


def manifest_for(cfg: LoadedConfig, store: CacheStore, p: PackPlan, sources: list[Source]) -> Manifest:
    """The manifest written first into the archive: prefix, fingerprint, coverage and every member's sha256."""
    return Manifest(prefix=p.prefix, fingerprint=fingerprint(cfg), config=cfg.display(cfg.path),
                    config_name=cfg.name, cache_format_version=_format_version(store), partial=p.partial,
                    coverage=p.coverage, recordings=p.covered,
                    members=tuple(ManifestMember(s.name, s.size, s.sha256) for s in sources),
                    created_by=f"tusz-guard {__version__}")


def _inventory(cfg: LoadedConfig, store: CacheStore) -> tuple[list[str], dict[str, EntryMeta], list[str]]:
    shown = cfg.display(cfg.cache_dir)
    if store.read_meta() is None:
        raise GuardError(f"no cache at {shown} ({META_NAME} is missing)",
                         hint=f"build it with `tusz-guard build-cache {cfg.display(cfg.path)}`")
    problems = verify_index(store)
    if problems:
        raise GuardError(f"the index of {shown} disagrees with its entries: {problems[0].message}"
                         + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""),
                         hint=f"run `tusz-guard build-cache {cfg.display(cfg.path)}` to resync it, then pack",
                         exit_code=1)
    keys = store.list_entries()
    return keys, store.scan_entries(), store.list_foreign() + store.list_temp()


def _coverage(cfg: LoadedConfig, records: dict[str, EntryMeta]) -> tuple[dict[str, RoleCoverage], dict[str, tuple[str, ...]]]:
    items = plan(build_ledger(cfg), records, fingerprint(cfg), roles=ROLES).items
    coverage: dict[str, RoleCoverage] = {}
    covered: dict[str, tuple[str, ...]] = {}
    for role in ROLES:
        mine = [i for i in items if i.recording.role == role]
        coverage[role] = RoleCoverage(included=len(mine), covered=sum(i.state == "current" for i in mine),
                                      stale=sum(i.state == "stale" for i in mine),
                                      missing=sum(i.state == "missing" for i in mine))
        covered[role] = tuple(sorted(i.recording.stem for i in mine if i.state == "current"))
    return coverage, covered


def coverage_text(coverage: dict[str, RoleCoverage]) -> str:
    return ", ".join(f"{c.covered:,} of {c.included:,} {role}" for role, c in coverage.items() if c.included)


def _refuse_partial(cfg: LoadedConfig, coverage: dict[str, RoleCoverage], allow_partial: bool) -> bool:
    short = [r for r in TRAINING_ROLES if not coverage[r].complete]
    if short and not allow_partial:
        raise GuardError(f"{cfg.display(cfg.cache_dir)} covers {coverage_text(coverage)} recordings: "
                         f"{' and '.join(short)} incomplete, so the archive would not serve {cfg.display(cfg.path)}",
                         hint=f"run `tusz-guard build-cache {cfg.display(cfg.path)}` first, or pass --allow-partial "
                              "(recorded in the manifest and the file name)", exit_code=1)
    return bool(short)


def _paths(store: CacheStore, keys: list[str], records: dict[str, EntryMeta]) -> list[tuple[Path, str]]:
    """(path, path relative to the cache root) of every file to pack, sorted by archive name."""
    out = [(store.meta_path, META_NAME), (store.index_path, INDEX_NAME)]
    for key in keys:
        for name in sorted(ENTRY_FILES):
            path = store.entry_dir(key) / name
            if not path.is_file() or path.is_symlink():
                raise GuardError(f"{path} is missing or not a regular file: entries/{key} is incomplete",
                                 hint=f"rebuild the entry with `tusz-guard build-cache --rebuild {key}`")
            _check_size(path, key, name, records.get(key))
            out.append((path, f"entries/{key}/{name}"))
    if not store.index_path.is_file():
        raise GuardError(f"{store.index_path} is missing", hint="run `tusz-guard build-cache` to write the index")
    return sorted(out, key=lambda pr: pr[1])


_SIZE_FIELDS = {SIGNAL_NAME: "signal_bytes", LABELS_NAME: "labels_bytes"}


def _check_size(path: Path, key: str, name: str, record: EntryMeta | None) -> None:
    """Refuse an array whose size disagrees with its meta.json: a truncated or replaced file would ship as good."""
    field = _SIZE_FIELDS.get(name)
    if field is None or record is None:
        return
    size, expected = path.stat().st_size, getattr(record, field)
    if size != expected:
        raise GuardError(f"{path} is {size:,} bytes but entries/{key}/meta.json records {expected:,}: the entry is "
                         "corrupt", hint="see `tusz-guard check --deep`; rebuild it with "
                         f"`tusz-guard build-cache --rebuild {key}`", exit_code=1)


def default_name(prefix: str, fp: str, coverage: dict[str, RoleCoverage], compression: str, partial: bool) -> str:
    """What the archive is: its cache, fingerprint and coverage, e.g. cache-tusz-9cd2...-train5of5-val4of4."""
    roles = "-".join(f"{r}{c.covered}of{c.included}" for r, c in coverage.items() if c.included)
    flag = "-PARTIAL" if partial else ""
    return f"{prefix.replace('/', '-')}-{fp}{flag}-{roles or 'empty'}{SUFFIX[compression]}"


def _target(cfg: LoadedConfig, out: Path | None, prefix: str, coverage: dict[str, RoleCoverage],
            compression: str, partial: bool) -> Path:
    name = default_name(prefix, fingerprint(cfg), coverage, compression, partial)
    target = Path.cwd() / name if out is None else (out / name if os.path.isdir(out) else out)
    target = Path(os.path.realpath(target))         # a symlink -o: the archive goes to its target, never over it
    if target.exists():
        raise GuardError(f"{target} already exists", hint="remove it or choose another path with -o")
    if target.is_relative_to(cfg.cache_dir) or target.is_relative_to(os.path.realpath(cfg.cache_dir)):
        raise GuardError(f"{target} is inside the cache it would archive", hint="write the archive elsewhere with -o")
    if not target.parent.is_dir():
        raise GuardError(f"folder {target.parent} does not exist", hint="create it or choose another path with -o")
    return target


def _stream_target(out: Path | None) -> Path | None:
    """The device, FIFO or '-' (stdout) that -o names, written through; None for a file or folder target."""
    if out is None or os.path.isdir(out):      # isdir: an over-long name is output_kind's one-line error, not here
        return None
    kind, real = output_kind(out)
    return None if kind == "file" else Path(STDOUT) if kind == "stdout" else real


class _CountingSink:
    """Counts the archive bytes streamed into a device or pipe (it has no size to stat afterwards)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.n = raw, 0

    def write(self, data: bytes) -> int:
        written = self.raw.write(data)
        self.n += len(data)
        return len(data) if written is None else written


def _write_through(stream: Path, manifest: Manifest, sources: list[Source], compression: Literal["gz", "zst"],
                   progress: bool, level: int | None) -> int:
    """Stream the archive into a device, FIFO or stdout; the number of bytes written."""
    import sys

    with _write_errors(stream), contextlib.ExitStack() as stack:
        raw = sys.stdout.buffer if str(stream) == STDOUT else stack.enter_context(open(stream, "wb"))
        sink = _CountingSink(raw)
        comp = Compressor(sink, compression, level)  # type: ignore[arg-type]
        write_tar(comp, manifest, sources, progress)  # type: ignore[arg-type]
        comp.close()
        raw.flush()
        return sink.n


@contextlib.contextmanager
def _write_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise write_error(path, exc) from None


def hash_all(paths: list[tuple[Path, str]], prefix: str, progress: bool) -> list[Source]:
    total = sum(p.stat().st_size for p, _ in paths)
    out, done = [], 0
    with byte_bar("hashing", total, progress) as update:
        for path, rel in paths:
            h, size = hashlib.sha256(), 0
            with open(path, "rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
                    size += len(chunk)
                    update(done + size)
            done += size
            out.append(Source(path, member_name(prefix, rel), size, h.hexdigest()))
    return out


class _HashingReader:
    """Reads a source for tarfile while hashing it, so a file changed since the hashing pass is caught."""

    def __init__(self, f: BinaryIO, update: Update, base: int) -> None:
        self.f, self.h, self.update, self.base, self.n = f, hashlib.sha256(), update, base, 0

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.h.update(data)
        self.n += len(data)
        self.update(self.base + self.n)
        return data


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.type = size, FILE_MODE, tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = FIXED_MTIME + (1 if name.endswith(f"/{INDEX_NAME}") or name == INDEX_NAME else 0)
    return info


def _write(target: Path, manifest: Manifest, sources: list[Source], compression: Literal["gz", "zst"],
           progress: bool, level: int | None) -> None:
    """Stream manifest + files into a temp file next to the target, renamed into place (atomic.py's rules)."""
    with atomic_target(target) as tmp, open(tmp, "wb") as raw:
        comp = Compressor(raw, compression, level)
        write_tar(comp, manifest, sources, progress)  # type: ignore[arg-type]
        comp.close()
        raw.flush()
        os.fsync(raw.fileno())


def write_tar(sink: BinaryIO, manifest: Manifest, sources: list[Source], progress: bool) -> None:
    data = manifest.to_bytes()
    total, done = sum(s.size for s in sources), 0
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT, bufsize=CHUNK,  # type: ignore[call-overload]
                      copybufsize=CHUNK) as tf, byte_bar("packing", total, progress) as update:
        tf.addfile(_info(f"{manifest.prefix}/{MANIFEST_NAME}", len(data)), io.BytesIO(data))
        for s in sources:
            with open(s.path, "rb") as f:
                if os.fstat(f.fileno()).st_size != s.size:
                    raise _changed(s)
                reader = _HashingReader(f, update, done)
                try:
                    tf.addfile(_info(s.name, s.size), reader)
                except OSError:      # the file shrank after it was hashed: tarfile ran out of data
                    raise _changed(s) from None
            if reader.h.hexdigest() != s.sha256:
                raise _changed(s)
            done += s.size


def _changed(s: Source) -> GuardError:
    return GuardError(f"{s.path} changed while it was being packed",
                      hint="let build-cache finish, then pack again", exit_code=1)


def _format_version(store: CacheStore) -> int:
    meta = store.read_meta()
    return meta.format_version if meta is not None else 1
