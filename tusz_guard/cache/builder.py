"""The cache builder: validate the cache dir, plan from the ledger, run one task per entry, keep the index."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tusz_guard import __version__
from tusz_guard.cache.executors import ExecutorSpec, WorkerDied, run_tasks, start_pool_server
from tusz_guard.cache.fingerprint import diff_params, fingerprint_of
from tusz_guard.cache.floats import Floats
from tusz_guard.cache.labels import annotation_path
from tusz_guard.cache.plan import DEFAULT_HOURS_PER_MINUTE_PER_WORKER, Plan
from tusz_guard.cache.store import META_NAME, CacheMeta, CacheStore, EntryMeta, utc_now
from tusz_guard.corpus.annotations import AnnotationKind
from tusz_guard.errors import GuardError

Outcome = Literal["written", "replaced", "exists", "foreign", "failed"]
INDEX_SYNC_SECONDS = 5.0
# What every worker imports to build an entry (SciPy alone takes 0.3-0.7 s): imported once, in the fork server.
WORKER_MODULES = ("tusz_guard.cache.builder", "tusz_guard.cache.preprocess", "tusz_guard.cache.labels",
                  "tusz_guard.corpus.edf", "scipy.signal")


@dataclass(frozen=True)
class EntryTask:
    """Everything one worker needs to build one entry (picklable, no config object)."""

    cache_root: str
    data_dir: str
    source: str                    # relative to data_dir
    key: str
    fingerprint: str
    params: Any                    # tusz_guard.cache.preprocess.PipelineParams
    annotations: AnnotationKind
    seizure_labels: tuple[str, ...]
    duration_s: float
    replace: bool = False
    damaged: bool = False          # --rebuild: replace the entry even when its meta.json is unreadable
    lock_timeout: float | None = None


@dataclass(frozen=True)
class TaskResult:
    """What happened to one task."""

    key: str
    source: str
    outcome: Outcome
    reason: str = ""
    meta: EntryMeta | None = None
    seconds: float = 0.0
    hours: float = 0.0
    errno: int | None = None


def prepare_workers(spec: ExecutorSpec) -> None:
    """For a process pool: start its fork server with the workers' imports now, while the caller plans."""
    if spec.kind == "pool":
        start_pool_server(WORKER_MODULES)


# ---- one entry ----------------------------------------------------------------------------------------
def make_entry(task: EntryTask) -> tuple[np.ndarray, np.ndarray, EntryMeta]:
    """Read, preprocess and label one recording; the arrays and the record to store (pure of the cache)."""
    from tusz_guard.cache.labels import read_labels
    from tusz_guard.cache.preprocess import process
    from tusz_guard.corpus.edf import read_header
    from tusz_guard.corpus.windows import n_samples_at

    start = time.perf_counter()
    path = Path(task.data_dir) / task.source
    st = path.stat()
    header = read_header(path)
    rate = task.params.sampling_rate
    labels = read_labels(path, task.annotations, task.seizure_labels, n_samples_at(header.duration_s, rate), rate)
    ann_path = annotation_path(path, task.annotations)
    ann_st, ann_sha = ann_path.stat(), hashlib.sha256(ann_path.read_bytes()).hexdigest()
    processed = process(path, header, task.params)
    signal = processed.signal
    meta = EntryMeta(
        key=task.key, source=task.source, source_size=st.st_size, source_mtime_ns=st.st_mtime_ns,
        fingerprint=task.fingerprint, n_channels=signal.shape[0], n_samples=signal.shape[1], sampling_rate=rate,
        dtype=str(signal.dtype), interpolated=processed.interpolated, seizure_samples=int(labels.sum()),
        **signal_stats(signal), signal_bytes=0, labels_bytes=0, built_at=utc_now(),
        build_seconds=round(time.perf_counter() - start, 4),
        labels_source_size=ann_st.st_size, labels_source_mtime_ns=ann_st.st_mtime_ns, labels_source_sha256=ann_sha)
    return signal, labels, meta


def signal_stats(signal: np.ndarray) -> dict[str, Any]:
    """Per-channel mean/std and global min/max over finite values of the stored signal, plus the non-finite count."""
    finite = np.isfinite(signal)
    nonfinite = int(signal.size - np.count_nonzero(finite))
    # In float64 without a float64 copy of the whole recording unless some value is not finite (issue 15.5): one
    # row at a time, converted whole (mean(dtype=float64) casts in buffered chunks and sums in another order, so
    # its last bits differ on long recordings; a row's own float64 copy sums exactly as the whole copy did).
    x = np.where(finite, signal.astype(np.float64), np.nan) if nonfinite else signal
    any_finite = bool(finite.any())
    if nonfinite:
        mean, std = np.nanmean(x, axis=1), np.nanstd(x, axis=1)
    else:
        per_row = [(r.mean(), r.std()) for r in (row.astype(np.float64) for row in x)]   # one row's copy at a time
        mean, std = np.array([m for m, _ in per_row]), np.array([d for _, d in per_row])
    return {"mean": Floats(np.nan_to_num(mean)), "std": Floats(np.nan_to_num(std)),
            "min": float(np.nanmin(x)) if any_finite else 0.0, "max": float(np.nanmax(x)) if any_finite else 0.0,
            "nonfinite": nonfinite}


def run_task(task: EntryTask) -> TaskResult:
    """Build and write one entry; every failure becomes a TaskResult with its reason (never raises)."""
    start = time.perf_counter()
    hours = task.duration_s / 3600.0
    try:
        signal, labels, meta = make_entry(task)
        store = CacheStore(task.cache_root, task.lock_timeout)
        outcome, meta = store.write_entry(task.key, signal, labels, meta, task.replace, damaged=task.damaged)
    except GuardError as exc:
        return TaskResult(task.key, task.source, "failed", getattr(exc, "reason", exc.message))
    except OSError as exc:
        return TaskResult(task.key, task.source, "failed", _os_reason(exc), errno=exc.errno)
    except Exception as exc:  # a bug for one file must not stop the others; reported with its type
        return TaskResult(task.key, task.source, "failed", f"internal error: {exc.__class__.__name__}: {exc}")
    seconds = time.perf_counter() - start
    if outcome == "foreign":
        return TaskResult(task.key, task.source, "foreign", CacheStore(task.cache_root).foreign_reason(task.key))
    return TaskResult(task.key, task.source, outcome, "", meta, seconds, hours)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc.__class__.__name__}{where}"


# ---- the cache directory ------------------------------------------------------------------------------
def open_cache(cache_dir: Path, params: dict[str, Any], rebuild_stale: bool) -> tuple[CacheStore, CacheMeta | None]:
    """Validate cache_dir before any write: writable, ours (or empty), same fingerprint (or --rebuild-stale)."""
    store = CacheStore(cache_dir)
    _check_path(cache_dir)
    if cache_dir.exists() and not cache_dir.is_dir():
        raise GuardError(f"cache_dir {cache_dir} is a file, not a directory", hint="set data.cache_dir to a directory",
                         exit_code=1)
    _check_writable(cache_dir)
    meta = store.read_meta()
    if meta is None:
        names = sorted(os.listdir(cache_dir)) if cache_dir.is_dir() else []
        if store.list_entries() or os.path.lexists(store.index_path):
            raise GuardError(f"cache_dir {cache_dir} holds {len(store.list_entries()):,} entries but no {META_NAME} "
                             "(the cache metadata), so it is not a tusz-guard cache build-cache can use",
                             hint=f"restore {META_NAME}, or move the folder away and build into an empty "
                             "data.cache_dir; nothing was touched", exit_code=1)
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise GuardError(f"cache_dir {cache_dir} is not empty and is not a tusz-guard cache (holds {shown})",
                             hint="point data.cache_dir at an empty or new directory; nothing was touched",
                             exit_code=1)
        return store, None
    wanted = fingerprint_of(params)
    if meta.fingerprint != wanted and not rebuild_stale:
        changes = "; ".join(diff_params(meta.params, params)) or "format version differs"
        raise GuardError(f"cache_dir {cache_dir} holds fingerprint {meta.fingerprint}, the config needs {wanted}: "
                         f"{changes}", hint="set another data.cache_dir, or pass --rebuild-stale to convert this "
                         "cache (every entry is rebuilt)", exit_code=1)
    return store, meta


def _check_path(cache_dir: Path) -> None:
    """A symlink loop or a name over 255 bytes, named before pathlib turns it into an exception elsewhere."""
    from tusz_guard.atomic import fix_for

    try:
        os.stat(cache_dir)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise GuardError(f"cache_dir {cache_dir}: {exc.strerror}", exit_code=1,
                         hint=fix_for(exc, "set data.cache_dir to a usable folder")) from None


def _check_writable(cache_dir: Path) -> None:
    """The probe config.paths uses for output_dir (atomic.folder_problem): a file in the way, or no write access."""
    from tusz_guard.atomic import folder_problem

    why = folder_problem(cache_dir)
    if why is not None:
        raise GuardError(f"cache_dir {cache_dir} cannot be written: {why}", exit_code=1)


def ensure_meta(store: CacheStore, params: dict[str, Any], config: str, data_dir: Path,
                forced: str | None) -> CacheMeta:
    """Create the cache metadata (or convert it to these params); record a --force reason."""
    wanted = fingerprint_of(params)
    try:
        meta = store.create_meta(CacheMeta(wanted, params, utc_now(), f"tusz-guard {__version__}", config,
                                           str(data_dir)))
        if meta.fingerprint != wanted:
            meta = store.update_meta(fingerprint=wanted, params=params, throughput=None)
        if forced:
            meta = store.update_meta(forced=meta.forced + ({"at": utc_now(), "reason": forced},))
    except OSError as exc:
        from tusz_guard.atomic import fix_for

        raise GuardError(f"cannot write the cache metadata in {store.root}: {_os_reason(exc)}",
                         hint=fix_for(exc, "free space or fix permissions, then rerun"), exit_code=1) from None
    return meta


# ---- planning -----------------------------------------------------------------------------------------
def tasks_for(p: Plan, store: CacheStore, cfg: Any, rebuild_stale: bool,
              rebuild: Collection[str] = ()) -> list[EntryTask]:
    """One task per missing recording, the stale ones under --rebuild-stale and the `rebuild` keys (longest first)."""
    from tusz_guard.cache.preprocess import PipelineParams

    refuse_duplicate_stems(p)
    unknown = sorted(set(rebuild) - {i.recording.stem for i in p.items})
    if unknown:
        raise GuardError(f"--rebuild {', '.join(unknown[:5])}: not an included recording of role(s) "
                         f"{', '.join(p.roles)}", hint="name entry keys as `build-cache --dry-run` and `check` list "
                         "them (e.g. aaaaaaac_s001_t000), or add --role")
    params = PipelineParams.from_config(cfg)
    chosen = [i for i in p.items if i.state == "missing" or i.recording.stem in rebuild
              or (rebuild_stale and i.state == "stale")]
    chosen = sorted(chosen, key=lambda i: -(i.recording.duration_s or 0.0))   # long files first: better packing
    c = cfg.config
    return [EntryTask(str(store.root), str(cfg.data_dir), i.recording.path, i.recording.stem, p.fingerprint, params,
                      c.data.annotations, tuple(c.labels.seizure), i.recording.duration_s or 0.0,
                      replace=i.state != "missing" or i.recording.stem in rebuild,
                      damaged=i.recording.stem in rebuild) for i in chosen]


def damaged_keys(p: Plan, store: CacheStore) -> dict[str, str]:
    """key -> what is wrong, for the planned recordings whose entry the deep scan finds damaged."""
    from tusz_guard.cache.damage import damaged_entries

    return damaged_entries(store, [i.recording.stem for i in p.items if i.state != "missing"])


def refuse_duplicate_stems(p: Plan) -> None:
    """Two recordings with one stem would share one entry and replace each other on every --rebuild-stale."""
    from tusz_guard.corpus.stems import describe, duplicate_stems

    shared = describe(duplicate_stems(i.recording.path for i in p.items))
    if shared:
        raise GuardError(f"{len(shared):,} stem(s) name more than one recording ({'; '.join(shared[:3])}); "
                         "cache entries are keyed by stem, so nothing was built",
                         hint="remove or rename the copies; `tusz-guard check` lists them under corpus.layout", exit_code=1)


def estimate_minutes(hours: float, meta: CacheMeta | None, workers: int) -> tuple[float, str]:
    """Estimated build minutes and where the rate comes from (the last measured build, else the default)."""
    tp = (meta.throughput or {}) if meta else {}
    if tp.get("recording_hours_per_minute"):
        rate = float(tp["recording_hours_per_minute"]) * workers / max(1, int(tp.get("workers", 1)))
        source = (f"measured {tp['recording_hours_per_minute']:.1f} recording-hours/min with "
                  f"{tp.get('workers', 1)} worker(s) at {tp.get('measured_at', '?')}, scaled to {workers}")
    else:
        rate = DEFAULT_HOURS_PER_MINUTE_PER_WORKER * workers
        source = (f"default {DEFAULT_HOURS_PER_MINUTE_PER_WORKER:g} recording-hours/min per worker "
                  "(no build measured yet)")
    return hours / rate if rate > 0 else 0.0, source


# ---- executing ----------------------------------------------------------------------------------------
@dataclass
class BuildSummary:
    """Counts and reasons of one build run."""

    built: int = 0
    replaced: int = 0
    concurrent: int = 0                      # written meanwhile by another builder
    failed: list[tuple[str, str]] = field(default_factory=list)
    hours_built: float = 0.0
    wall_s: float = 0.0
    disk_full: bool = False
    index_problem: str | None = None

    @property
    def hours_per_minute(self) -> float:
        return self.hours_built / (self.wall_s / 60.0) if self.wall_s > 0 else 0.0


def execute(store: CacheStore, fp: str, tasks: list[EntryTask], spec: ExecutorSpec,
            on_result: Callable[[TaskResult], None] = lambda r: None) -> BuildSummary:
    """Run the tasks, keep the index in step, stop at a full disk; record throughput in the metadata."""
    summary = BuildSummary()
    records: dict[str, EntryMeta] = {}
    start = last_sync = time.perf_counter()
    try:
        with _worker_deaths(summary), run_tasks(spec, run_task, tasks) as (runner, results):
            for res in results:
                _count(summary, res, records)
                on_result(res)
                if res.errno == errno.ENOSPC:
                    summary.disk_full = True
                    runner.stop()
                if time.perf_counter() - last_sync > INDEX_SYNC_SECONDS:
                    _sync(store, fp, records, summary)
                    last_sync = time.perf_counter()
    finally:
        summary.wall_s = time.perf_counter() - start
        _sync(store, fp, records, summary)
    _record_throughput(store, summary, spec)
    return summary


@contextlib.contextmanager
def _worker_deaths(summary: BuildSummary) -> Iterator[None]:
    """A killed worker (the out-of-memory killer) ends the build with one line; what was built stays."""
    try:
        yield
    except WorkerDied as exc:
        keys = [t.key for t in exc.tasks]
        where = keys[0] if len(keys) == 1 else f"one of {', '.join(keys[:3])}" + (" ..." if len(keys) > 3 else "")
        raise GuardError(f"a worker was killed while building {where} (out of memory?); "
                         f"{summary.built + summary.replaced} entries built", exit_code=1,
                         hint="rerun build-cache to resume (fewer --workers if memory is short)") from None


def _count(summary: BuildSummary, res: TaskResult, records: dict[str, EntryMeta]) -> None:
    if res.outcome in ("written", "replaced") and res.meta is not None:
        records[res.key] = res.meta
        summary.hours_built += res.hours
        if res.outcome == "written":
            summary.built += 1
        else:
            summary.replaced += 1
    elif res.outcome == "exists":
        summary.concurrent += 1
    else:
        summary.failed.append((res.source, res.reason))


def _sync(store: CacheStore, fp: str, records: dict[str, EntryMeta], summary: BuildSummary) -> None:
    try:
        store.sync_index(fp, records)
        summary.index_problem = None
    except (OSError, GuardError) as exc:
        reason = _os_reason(exc) if isinstance(exc, OSError) else str(exc)
        summary.index_problem = f"index not updated ({reason}); the next build-cache run reconciles it"


def _record_throughput(store: CacheStore, summary: BuildSummary, spec: ExecutorSpec) -> None:
    if summary.built + summary.replaced == 0 or summary.disk_full:
        return
    tp = {"recording_hours_per_minute": round(summary.hours_per_minute, 3), "workers": spec.workers,
          "executor": spec.kind, "entries": summary.built + summary.replaced,
          "recording_hours": round(summary.hours_built, 4), "seconds": round(summary.wall_s, 3),
          "measured_at": utc_now()}
    try:
        store.update_meta(throughput=tp)
    except (OSError, GuardError) as exc:
        summary.index_problem = summary.index_problem or f"throughput not recorded ({exc})"


def with_forced_reason(failed_ids: list[str]) -> str:
    """The text recorded in the metadata's `forced` list."""
    return f"build-cache --force: config checks failed: {', '.join(failed_ids)}"
