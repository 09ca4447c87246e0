"""Great Expectations suites over the snapshot: data-content rules users read and edit without code.

Importing this package imports neither Great Expectations nor pandas: both load only when suites run.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tusz_guard.corpus.channels import N_CHANNELS
from tusz_guard.errors import ConfigError, GuardError
from tusz_guard.expect.schema import COLUMNS, NEEDS_CACHE, PARAMETERS, TABLES, TableName

if TYPE_CHECKING:
    from tusz_guard.cache.store import CacheStore, EntryMeta
    from tusz_guard.config import LoadedConfig
    from tusz_guard.corpus.ledger import Ledger
    from tusz_guard.expect.runner import Prepared
    from tusz_guard.expect.suites import SuiteFile
    from tusz_guard.results import Finding

PROJECT_SUITE_DIR = "expectations"                      # <project_root>/expectations, when present
BUNDLED_SUITE_DIR = Path(__file__).parent / "suites"   # shipped copy of the repository's expectations/

__all__ = ["BUNDLED_SUITE_DIR", "COLUMNS", "PARAMETERS", "PROJECT_SUITE_DIR", "TABLES", "resolve_suite_dir",
           "run_expectations", "suite_parameters"]


def resolve_suite_dir(cfg: LoadedConfig, override: str | Path | None = None) -> Path:
    """--expectations DIR, else <project_root>/expectations/ when it exists, else the bundled suites."""
    if override is not None:
        path = Path(override).expanduser()
        path = path if path.is_absolute() else Path.cwd() / path
        if not path.is_dir():
            raise ConfigError(f"--expectations {override}: no such folder",
                              hint="pass a folder of Great Expectations suite .json files")
        return path
    project = cfg.project_root / PROJECT_SUITE_DIR
    return project if project.is_dir() else BUNDLED_SUITE_DIR


def run_expectations(ledger: Ledger | None, store: CacheStore | None, cfg: LoadedConfig, suites: list[SuiteFile],
                     data_docs_dir: Path | None = None, *,
                     index: Mapping[str, EntryMeta] | None = None) -> list[Finding]:
    """One finding `expectations.<suite>` per suite (read with expect.suites.read_suites).

    `index` lets the caller pass the cache entries it already reconciled; otherwise it is read from `store`.
    """
    from tusz_guard.expect.runner import run_suites

    tables = _prepare(suites, ledger, store, cfg, index)
    docs = None if data_docs_dir is None else Path(data_docs_dir).absolute()
    return run_suites(suites, tables, suite_parameters(cfg), docs)


def suite_parameters(cfg: LoadedConfig) -> dict[str, object]:
    """The values behind {"$PARAMETER": name} in suites, from the config."""
    pre, win = cfg.config.preprocessing, cfg.config.windows
    return {"sampling_rate": pre.sampling_rate, "clip": pre.clip, "n_channels": N_CHANNELS,
            "window_length_s": win.length_s, "window_stride_s": win.stride_s}


def _prepare(suites: list[SuiteFile], ledger: Ledger | None, store: CacheStore | None, cfg: LoadedConfig,
             index: Mapping[str, EntryMeta] | None) -> dict[TableName, Prepared]:
    """Build only the tables some suite uses (the windows table reads every labels file)."""
    from tusz_guard.expect.runner import Prepared

    wanted = {s.table for s in suites}
    out: dict[TableName, Prepared] = {}
    reason = ""
    if NEEDS_CACHE & wanted:
        index, reason = _index(store, index)
    for name in TABLES:
        if name not in wanted:
            continue
        if name == "recordings":
            out[name] = _recordings(ledger)
        elif index is None or store is None:
            out[name] = Prepared(skip_reason=reason)
        elif name == "windows" and cfg.cache_url is not None:    # no suite reads O(entries) objects remotely
            out[name] = Prepared(skip_reason=f"{cfg.cache_url.shown} is on object storage: the windows table reads "
                                             "every labels.npy; run it on a local copy (or `check --deep` there)")
        else:
            out[name] = _cache_table(name, store, index, ledger, cfg)
    return out


def _recordings(ledger: Ledger | None) -> Prepared:
    from tusz_guard.expect.runner import Prepared
    from tusz_guard.expect.tables import recordings_table

    if ledger is None:
        return Prepared(skip_reason="no corpus ledger (data_dir could not be scanned)")
    return Prepared(frame=recordings_table(ledger).frame)


def _index(store: CacheStore | None, index: Mapping[str, EntryMeta] | None) -> tuple[Mapping[str, EntryMeta] | None, str]:
    if store is None:
        return None, "no cache"
    if index is not None:
        return index, ""
    try:
        found = store.read_index()
    except GuardError as exc:
        return None, f"cache index unreadable: {exc}"
    return found, "" if found is not None else f"no cache index at {store.index_path}; build the cache first"


def _cache_table(name: TableName, store: CacheStore, index: Mapping[str, EntryMeta], ledger: Ledger | None,
                 cfg: LoadedConfig) -> Prepared:
    from tusz_guard.expect.runner import Prepared
    from tusz_guard.expect.tables import cache_entries_table, windows_table

    if name == "windows":
        table = windows_table(store, index, ledger, cfg)
    else:
        table = cache_entries_table(index, ledger, _normalize(store, cfg))
    return Prepared(frame=table.frame, problems=table.problems)


def _normalize(store: CacheStore, cfg: LoadedConfig) -> str:
    """How the cache was normalised: its own metadata says, else the config."""
    if cfg.cache_url is not None:      # the remote metadata was read by the snapshot; never a local stand-in
        return cfg.config.preprocessing.normalize
    try:
        meta = store.read_meta()
    except GuardError:
        meta = None
    value = meta.params.get("normalize") if meta is not None else None
    return str(value) if value else cfg.config.preprocessing.normalize
