"""The world as the checks see it, gathered once by I/O adapters: configs, ledger, caches, environment.

Everything that touches the disk for `check` lives here; the checks themselves are pure functions of a Snapshot.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from tusz_guard.atomic import folder_problem
from tusz_guard.cache.damage import file_sha256
from tusz_guard.cache.fingerprint import fingerprint
from tusz_guard.cache.space import DiskSpace, free_space
from tusz_guard.cache.store import (
    ENTRIES_NAME,
    ENTRY_FILES,
    ENTRY_META_NAME,
    LABELS_NAME,
    ROOT_FILES,
    SIGNAL_NAME,
    TEMP_PREFIX,
    CacheMeta,
    CacheStore,
    EntryMeta,
    reconcile,
)
from tusz_guard.checks.machine import MachineFacts, RunSettings, gather_machine
from tusz_guard.config import LoadedConfig, load_config
from tusz_guard.corpus.ledger import Ledger, build_ledger
from tusz_guard.corpus.levels import DataDirLevel
from tusz_guard.corpus.levels import probe as probe_level
from tusz_guard.envvars import EnvSetting, EnvVar, settings, unknown
from tusz_guard.errors import ConfigError, GuardError
from tusz_guard.progress import Tick
from tusz_guard.results import Outcome
from tusz_guard.storage.location import Location

if TYPE_CHECKING:
    from tusz_guard.archive.verify import ArchiveView
    from tusz_guard.pipeline.foreign_config import ForeignConfig

CONFIG_SUFFIXES = (".yaml", ".yml")
# Environment variables other scripts commonly read for a cache location (catalogue row 1: a second name).
CACHE_ENV_HINTS = ("CACHE_DIR", "CACHE_PATH", "CACHE_ROOT")
ENV_PREFIX = "TUSZ"   # only our own variables: PIP_CACHE_DIR and friends are none of our business


@dataclass(frozen=True)
class ConfigLoad:
    """One config file: loaded, or the one-line reason it is not."""

    path: Path
    shown: str
    given: bool                        # named on the command line (else a sibling in the same folder)
    config: LoadedConfig | None = None
    fingerprint: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class EntryFiles:
    """What the disk holds for one complete entry directory (stats only, no content)."""

    meta_mtime_ns: int
    signal_size: int | None
    labels_size: int | None


@dataclass(frozen=True)
class EntryScan:
    """The content of one entry, read with --deep."""

    key: str
    signal_shape: tuple[int, ...] | None = None
    signal_dtype: str | None = None
    labels_shape: tuple[int, ...] | None = None
    nonfinite: int = 0
    min: float | None = None
    max: float | None = None
    zero_variance: tuple[int, ...] = ()        # channel indices
    seizure_samples: int | None = None
    disk_meta: EntryMeta | None = None         # entries/<key>/meta.json, to compare with the index record
    error: str | None = None
    signal_sha256: str | None = None           # of the files as they are now (format v2 records the built ones)
    labels_sha256: str | None = None


@dataclass(frozen=True)
class CacheView:
    """One cache directory as read from disk."""

    root: Path
    shown: str
    exists: bool                               # metadata file present
    dir_exists: bool
    meta: CacheMeta | None = None
    index: dict[str, EntryMeta] | None = None
    index_fingerprint: str | None = None
    index_mtime_ns: int | None = None
    files: dict[str, EntryFiles] = field(default_factory=dict)   # complete entry dirs on disk
    temp: tuple[str, ...] = ()
    foreign: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()               # unreadable metadata / index, one line each
    scans: dict[str, EntryScan] | None = None  # only with --deep
    used_by: tuple[str, ...] = ()              # configs (as shown) whose data.cache_dir this is
    usable: dict[str, EntryMeta] = field(default_factory=dict)   # store.reconcile: what a reader can use
    # A team's own cache (tusz_guard.pipeline): kind "npz", its facts in `npz` (a pipeline ForeignCache).
    kind: str = "tusz-guard"
    npz: Any = None
    # A cache on object storage (data.cache_dir: s3://...): its redacted URL; read by checks/remote_cache.py
    url: str | None = None

    @property
    def entries(self) -> dict[str, EntryMeta]:
        """The index records (empty without an index)."""
        return self.index or {}


@dataclass(frozen=True)
class Snapshot:
    """Everything the checks read."""

    cfg: LoadedConfig
    fingerprint: str
    configs: tuple[ConfigLoad, ...]            # given configs first (the primary is configs[0]), then siblings
    cache: CacheView | None = None
    sibling_caches: tuple[CacheView, ...] = ()
    ledger: Ledger | None = None
    ledger_error: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    deep: bool = False
    archive: ArchiveView | None = None         # with --archive: the archive scanned once (app/archive.py)
    suites: dict[str, Outcome] = field(default_factory=dict)   # expectations.<suite> -> its evaluated outcome
    data_dirs: dict[Path, DataDirLevel] = field(default_factory=dict)   # split folders at each given data_dir
    output_dirs: dict[Path, str] = field(default_factory=dict)   # given output_dirs that cannot be written: why
    environment: tuple[EnvSetting, ...] = ()    # variables that change this run (tusz_guard.envvars), as set
    unknown_env: tuple[tuple[str, str | None], ...] = ()   # TUSZ_GUARD_* variables nothing reads (+ closest name)
    disk: DiskSpace | None = None              # free space where the cache is (or will be) written
    run: RunSettings = field(default_factory=RunSettings)   # the command line's limit, resume, epochs, device
    machine: MachineFacts | None = None        # CPUs, shm, memory, CUDA, last epoch times (checks/machine.py)
    # Derived values computed once by the checks that share them (plans, stem maps); never read from disk.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def given(self) -> tuple[ConfigLoad, ...]:
        return tuple(c for c in self.configs if c.given)

    @property
    def siblings(self) -> tuple[ConfigLoad, ...]:
        return tuple(c for c in self.configs if not c.given)

    def show(self, path: Path) -> str:
        """A path relative to the primary config's project root when inside it."""
        return self.cfg.display(path)


def gather_config_snapshot(cfg: LoadedConfig, extra: tuple[str | Path, ...] = ()) -> Snapshot:
    """Configs, sibling configs and the environment only: what the config.* checks need (no corpus scan)."""
    if _foreign(cfg):
        from tusz_guard.pipeline.gather import foreign_configs
        configs, fp = foreign_configs(cfg, extra), cfg.content_hash
    else:
        configs, fp = load_configs(cfg, extra), fingerprint(cfg)
    given = [c.config for c in configs if c.given and c.config is not None]
    levels = {c.data_dir: probe_level(c.data_dir) for c in given if c.data_url is None}   # a bucket: corpus.layout
    outputs = {c.output_dir: why for c in given if (why := folder_problem(c.output_dir)) is not None}
    return Snapshot(cfg=cfg, fingerprint=fp, configs=configs, env=cache_env(), data_dirs=levels, output_dirs=outputs,
                    environment=settings(_profile_vars(cfg)), unknown_env=unknown(),
                    disk=None if cfg.cache_url is not None else free_space(cfg.cache_dir))


def _profile_vars(cfg: LoadedConfig) -> tuple[EnvVar, ...]:
    """With a pipeline profile, the variables the pipeline reads (its smoke file limit)."""
    if not _foreign(cfg) or cfg.profile.smoke.env_limit is None:
        return ()
    return (EnvVar(cfg.profile.smoke.env_limit, f"pipeline {cfg.profile.name}: file limit of a smoke run"),)




def gather_snapshot(cfg: LoadedConfig, extra: tuple[str | Path, ...] = (), *, deep: bool = False,
                    corpus: bool = True, caches: bool = True, progress: Tick | None = None,
                    run: RunSettings | None = None) -> Snapshot:
    """Everything: configs, the ledger, the cache (index + listing, + content with deep) and sibling caches."""
    run_settings = run or RunSettings()
    base = replace(gather_config_snapshot(cfg, extra), run=run_settings,
                   machine=gather_machine(cfg, run_settings) if corpus else None)
    ledger, ledger_error = _ledger(cfg, progress) if corpus else (None, None)
    if _foreign(cfg):     # a team's own NPZ cache, adapted (tusz_guard.pipeline.gather)
        from tusz_guard.pipeline.gather import foreign_caches
        cache, siblings = foreign_caches(cfg, base.configs, deep) if caches else (None, ())
        return replace(base, cache=cache, sibling_caches=siblings, ledger=ledger, ledger_error=ledger_error, deep=deep)
    cache = read_cache(cfg.cache_dir, cfg.display(cfg.cache_dir), deep=deep, used_by=_users(base, cfg.cache_dir),
                       url=cfg.cache_url) \
        if caches else None
    siblings = tuple(read_cache(p, cfg.display(p), used_by=_users(base, p)) for p in _sibling_cache_dirs(base)) \
        if caches else ()
    return replace(base, cache=cache, sibling_caches=siblings, ledger=ledger, ledger_error=ledger_error, deep=deep)


def _foreign(cfg: LoadedConfig) -> TypeGuard[ForeignConfig]:
    """A team's own config adapted by its [pipeline] profile (tusz_guard.pipeline)."""
    from tusz_guard.pipeline.foreign_config import ForeignConfig

    return isinstance(cfg, ForeignConfig)


# ---- configs -------------------------------------------------------------------------------------------
def load_configs(cfg: LoadedConfig, extra: tuple[str | Path, ...]) -> tuple[ConfigLoad, ...]:
    """The primary, the other given configs, then every other YAML file in their folders (sorted)."""
    loads = [_loaded(cfg, cfg.display(cfg.path), given=True)]
    seen = {cfg.path}
    for item in extra:
        path = Path(item).expanduser().absolute()
        if path not in seen:
            seen.add(path)
            loads.append(_load_one(path, cfg.display(path), given=True))
    for folder in sorted({c.path.parent for c in loads}):
        for path in sorted(folder.iterdir()):
            if path.suffix in CONFIG_SUFFIXES and path.is_file() and path not in seen:
                seen.add(path)
                loads.append(_load_one(path, cfg.display(path), given=False))
    return tuple(loads)


def _loaded(cfg: LoadedConfig, shown: str, given: bool) -> ConfigLoad:
    return ConfigLoad(path=cfg.path, shown=shown, given=given, config=cfg, fingerprint=fingerprint(cfg))


def _load_one(path: Path, shown: str, given: bool) -> ConfigLoad:
    try:
        return _loaded(load_config(path), shown, given)
    except GuardError as exc:     # the finding names the file already: keep only the key breadcrumb
        error = exc.render(with_file=False) if isinstance(exc, ConfigError) else str(exc)
        return ConfigLoad(path=path, shown=shown, given=given, error=error)


def cache_env() -> dict[str, str]:
    """Environment variables that look like a cache location (another tool may read them)."""
    return {k: v for k, v in sorted(os.environ.items())
            if ENV_PREFIX in k.upper() and any(h in k.upper() for h in CACHE_ENV_HINTS)}


# ---- ledger --------------------------------------------------------------------------------------------
def _ledger(cfg: LoadedConfig, progress: Tick | None = None) -> tuple[Ledger | None, str | None]:
    try:
        return build_ledger(cfg, progress), None
    except GuardError as exc:
        return None, str(exc)


# ---- caches --------------------------------------------------------------------------------------------
def _users(snap: Snapshot, cache_dir: Path) -> tuple[str, ...]:
    return tuple(c.shown for c in snap.configs if c.config is not None and c.config.cache_dir == cache_dir)


def _sibling_cache_dirs(snap: Snapshot) -> list[Path]:
    """Caches next to the primary cache dir, and the cache dirs of every other config, that hold metadata."""
    primary = snap.cfg.cache_dir
    found: set[Path] = set()
    parent = primary.parent
    if parent.is_dir():
        for child in parent.iterdir():
            if child.is_dir() and CacheStore(child).exists():
                found.add(child)
    for load in snap.configs:
        if load.config is not None and CacheStore(load.config.cache_dir).exists():
            found.add(load.config.cache_dir)
    found.discard(primary)
    return sorted(found)


def usable_entries(index: dict[str, EntryMeta] | None, files: Iterable[str], read_meta: Callable[[str], EntryMeta],
                   errors: list[str]) -> dict[str, EntryMeta]:
    """What a cache holds (store.reconcile) from its index, its entry listing and each unindexed entry's meta.json,
    read by `read_meta` (a local file or an object); an unreadable one costs that entry only (named in errors)."""
    unindexed = {k: try_read(lambda k=k: read_meta(k), errors) for k in files if k not in (index or {})}
    return reconcile(index, sorted(k for k in files if unindexed.get(k, True) is not None), unindexed.__getitem__)


def read_cache(root: Path, shown: str, *, deep: bool = False, used_by: tuple[str, ...] = (),
               url: Location | None = None) -> CacheView:
    """Metadata, index and the entry listing of one cache directory (entry contents only with deep); with `url`
    (the config's data.cache_dir on object storage, root its stand-in), of that cache through the storage layer."""
    if url is not None:        # data.cache_dir: s3://...: one listing and two small reads (checks/remote_cache.py)
        from tusz_guard.checks.remote_cache import read_remote_cache
        return read_remote_cache(url, root, shown, deep=deep, used_by=used_by)
    store = CacheStore(root)
    errors: list[str] = []
    meta = try_read(store.read_meta, errors)
    index_file = try_read(store.read_index_file, errors)
    files, foreign = _list_entries(store)
    index = None if index_file is None else index_file.entries
    usable = usable_entries(index, files, store.read_entry_meta, errors)
    root_foreign = [n for n in _names(root) if n not in ROOT_FILES and not n.startswith(TEMP_PREFIX)]
    view = CacheView(
        root=root, shown=shown, exists=store.exists(), dir_exists=_is_dir(root), meta=meta,
        index=index, usable=usable,
        index_fingerprint=None if index_file is None else index_file.fingerprint,
        index_mtime_ns=_mtime(store.index_path), files=files, temp=tuple(store.list_temp()),
        foreign=tuple(sorted(root_foreign + foreign)), errors=tuple(errors), used_by=used_by)
    return _with_scans(view, store, sorted(files)) if deep else view


def try_read(fn: Any, errors: list[str]) -> Any:
    """fn(), or None with its GuardError's line appended to errors (a cache file that cannot be read)."""
    try:
        return fn()
    except GuardError as exc:
        errors.append(str(exc))
        return None


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:            # absent, a file, a symlink loop, unreadable: nothing to list
        return []


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:            # a name over 255 bytes raises ENAMETOOLONG instead of answering False
        return False


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _list_entries(store: CacheStore) -> tuple[dict[str, EntryFiles], list[str]]:
    """One scandir per entry directory: complete entries with their file stats, and what tusz-guard did not make.

    Same rules as CacheStore.list_entries / list_foreign, in a single pass (the index at scale has ~7,000 entries).
    """
    files: dict[str, EntryFiles] = {}
    foreign: list[str] = []
    try:
        top = list(os.scandir(store.entries_dir))
    except OSError as exc:     # absent, a file, a symlink loop, mode 000: the metadata read names the problem
        if not isinstance(exc, (FileNotFoundError, NotADirectoryError)):
            foreign.append(f"{ENTRIES_NAME} (unreadable: {exc.strerror})")
        return files, foreign
    for entry in top:
        if entry.name.startswith(TEMP_PREFIX):
            continue
        if not entry.is_dir(follow_symlinks=False):
            foreign.append(f"{ENTRIES_NAME}/{entry.name}" + (" (symlink)" if entry.is_symlink() else ""))
            continue
        try:
            stats = {e.name: e.stat(follow_symlinks=False) for e in os.scandir(entry.path)}
        except OSError as exc:    # mode 000 or vanished meanwhile: reported, never a crash
            foreign.append(f"{ENTRIES_NAME}/{entry.name} (unreadable: {exc.strerror})")
            continue
        if ENTRY_META_NAME not in stats:
            foreign.append(f"{ENTRIES_NAME}/{entry.name}")
            continue
        foreign += [f"{ENTRIES_NAME}/{entry.name}/{n}" for n in stats if n not in ENTRY_FILES]
        signal, labels = stats.get(SIGNAL_NAME), stats.get(LABELS_NAME)
        files[entry.name] = EntryFiles(meta_mtime_ns=stats[ENTRY_META_NAME].st_mtime_ns,
                                       signal_size=signal.st_size if signal else None,
                                       labels_size=labels.st_size if labels else None)
    return files, foreign


def _with_scans(view: CacheView, store: CacheStore, keys: list[str]) -> CacheView:
    from dataclasses import replace

    return replace(view, scans={k: scan_entry(store, k) for k in keys})


def scan_entry(store: CacheStore, key: str) -> EntryScan:
    """Open one entry's arrays (memory-mapped) and summarise them: shape, finiteness, range, flat channels."""
    try:
        disk_meta = store.read_entry_meta(key)
        signal = store.load_signal(key)
        labels = store.load_labels(key)
    except GuardError as exc:
        return EntryScan(key=key, error=str(exc))
    return summarise_entry(key, disk_meta, signal, labels, file_sha256(store.signal_path(key)),
                           file_sha256(store.labels_path(key)))


def summarise_entry(key: str, disk_meta: EntryMeta, signal: Any, labels: Any, signal_sha256: str | None,
                    labels_sha256: str | None) -> EntryScan:
    """The --deep summary of one entry's arrays (local memory maps or arrays read from object storage)."""
    import numpy as np

    finite = np.isfinite(signal)
    nonfinite = int(signal.size - np.count_nonzero(finite))
    values = np.where(finite, signal, 0).astype(np.float64, copy=False)
    flat = tuple(int(i) for i in np.flatnonzero(np.ptp(values, axis=1) == 0)) if values.ndim == 2 and values.shape[1] else ()
    return EntryScan(key=key, signal_shape=tuple(signal.shape), signal_dtype=str(signal.dtype),
                     labels_shape=tuple(labels.shape), nonfinite=nonfinite,
                     min=float(values.min()) if values.size else None, max=float(values.max()) if values.size else None,
                     zero_variance=flat, seizure_samples=int(np.count_nonzero(labels)), disk_meta=disk_meta,
                     signal_sha256=signal_sha256, labels_sha256=labels_sha256)


