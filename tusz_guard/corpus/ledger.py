"""The recording ledger: every EDF under data_dir, its role, and why it is in or out.

One reason per excluded recording, from a closed set, checked in this order (the first that applies):
excluded_by_config (data.exclude) > unreadable (EDF+D included) > no_annotations > bad_annotations >
missing_channels > too_short > over_limit.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Literal, Protocol, cast

from tusz_guard.config import LoadedConfig
from tusz_guard.corpus.annotations import (
    DURATION_TOLERANCE_S,
    AnnotationError,
    AnnotationFile,
    AnnotationKind,
    parse_annotations,
)
from tusz_guard.corpus.channels import map_channels
from tusz_guard.corpus.edf import EdfError, EdfHeader, read_header
from tusz_guard.corpus.facts import Fact, from_problem
from tusz_guard.corpus.memo import SETTINGS, EntryKey, ScanMemo, facts_in, facts_out, stat_key
from tusz_guard.corpus.paths import TuszPath, TuszPathError, companion
from tusz_guard.corpus.windows import n_samples_at, n_windows, window_geometry
from tusz_guard.errors import GuardError
from tusz_guard.gcpause import paused

Role = Literal["train", "val", "test"]
Status = Literal["included", "excluded", "unused"]
Reason = Literal["excluded_by_config", "unreadable", "no_annotations", "bad_annotations", "missing_channels",
                 "too_short", "over_limit"]
REASONS: tuple[Reason, ...] = ("excluded_by_config", "unreadable", "no_annotations", "bad_annotations",
                               "missing_channels", "too_short", "over_limit")
ROLES: tuple[Role, ...] = ("train", "val", "test")
TRAINING_ROLES: tuple[Role, ...] = ("train", "val")
INTERPOLATES = "interpolates"      # the note naming interpolated channels
OFFICIAL_ROLES: dict[str, Role] = {"train": "train", "dev": "val", "eval": "test"}
# Recording.mtime_ns of an object on object storage: no mtime survives an upload, so staleness is judged by size
# (and the annotation file by its sha256) there (cache/plan.py).
MTIME_UNKNOWN = 0


@dataclass(frozen=True, slots=True)
class Recording:
    """One EDF file of the corpus as the config sees it (slots: ~3x smaller, the ledger holds 73,640 at corpus scale)."""

    path: str                      # relative to data_dir, posix
    split: str                     # folder: train / dev / eval
    role: Role | None              # None: not used by this split policy
    patient: str
    session: str
    montage: str
    file_size: int
    mtime_ns: int
    sfreq: float | None = None
    duration_s: float | None = None
    n_signals: int | None = None
    status: Status = "included"
    reason: Reason | None = None
    notes: tuple[str, ...] = ()
    header_defects: tuple[str, ...] = ()
    interpolated: tuple[str, ...] = ()
    missing_channels: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()          # every label seen in the annotation file
    annotation_rows: int = 0
    annotation_parsed: int = 0
    annotation_problems: tuple[Fact, ...] = ()    # typed: checks match on Fact.code
    header_facts: tuple[Fact, ...] = ()           # mixed_rates, discontinuous
    seizure_seconds: float = 0.0
    seizure_intervals: tuple[tuple[float, float], ...] = ()
    label_seconds: tuple[tuple[str, float], ...] = ()   # (label, seconds) for every label seen
    annotation_size: int | None = None        # of the configured annotation file (staleness of cached labels)
    annotation_mtime_ns: int | None = None
    annotation_sha256: str | None = None      # content: a same-size, same-mtime rewrite is still noticed
    n_samples: int = 0                    # at the configured sampling rate
    windows_expected: int = 0

    @property
    def stem(self) -> str:
        return self.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]

    @property
    def included(self) -> bool:
        return self.status == "included"


@dataclass(frozen=True)
class RoleTotals:
    found: int
    included: int
    excluded: dict[str, int]
    patients: int
    hours: float
    windows_expected: int
    seizure_seconds: float


@dataclass(frozen=True)
class Ledger:
    """Every recording under data_dir with its role and status, plus files that break the layout."""

    data_dir: Path
    policy: str
    recordings: tuple[Recording, ...]
    layout_problems: tuple[tuple[str, str], ...] = ()     # (relative path, what is wrong)
    val_patients: tuple[str, ...] = ()
    _by_path: dict[str, Recording] = field(default_factory=dict, repr=False, compare=False)
    _totals_memo: dict[str, RoleTotals] = field(default_factory=dict, init=False, repr=False, compare=False)

    def get(self, path: str) -> Recording | None:
        if not self._by_path:
            self._by_path.update((r.path, r) for r in self.recordings)
        return self._by_path.get(path)

    def role(self, role: str) -> list[Recording]:
        return [r for r in self.recordings if r.role == role]

    def included(self, role: str | None = None) -> list[Recording]:
        return [r for r in self.recordings if r.included and (role is None or r.role == role)]

    def totals(self) -> dict[str, RoleTotals]:
        if not self._totals_memo:  # computed once: the checks and the report ask for it several times
            self._totals_memo.update((role, _totals(self.role(role))) for role in ROLES)
        return dict(self._totals_memo)


def _totals(rows: list[Recording]) -> RoleTotals:
    inc = [r for r in rows if r.included]
    excluded = Counter(r.reason for r in rows if r.status == "excluded")
    return RoleTotals(
        found=len(rows),
        included=len(inc),
        excluded={reason: excluded[reason] for reason in REASONS if excluded[reason]},
        patients=len({r.patient for r in inc}),
        hours=sum(r.duration_s or 0.0 for r in inc) / 3600.0,
        windows_expected=sum(r.windows_expected for r in inc),
        seizure_seconds=sum(r.seizure_seconds for r in inc),
    )


def scan_edf_files(data_dir: Path, workers: int = 1) -> list[str]:
    """Every *.edf under data_dir, relative posix paths, sorted (file names compared case-insensitively).

    os.walk's rules (symlinked folders are listed, not entered; unreadable folders are skipped) with one
    scandir per folder and no per-folder relpath: this walks ~6,000 folders at corpus scale. With workers > 1
    the folders of one depth are listed at once (a mount where each listing is a round trip).
    """
    found: list[str] = []
    level = [("", os.fspath(data_dir))]
    pool = ThreadPoolExecutor(workers) if workers > 1 else None
    try:
        while level:
            listed = pool.map(_list_folder, level) if pool is not None else map(_list_folder, level)
            level = []
            for files, folders in listed:
                found += files
                level += folders
    finally:
        if pool is not None:
            pool.shutdown()
    return sorted(found)


def _list_folder(item: tuple[str, str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The .edf names (relative) and the subfolders of one folder; an unreadable folder holds nothing."""
    rel, folder = item
    files: list[str] = []
    folders: list[tuple[str, str]] = []
    try:
        listing = os.scandir(folder)
    except OSError:
        return files, folders
    with listing:
        for entry in listing:
            if entry.name.lower().endswith(".edf"):
                files.append(rel + entry.name)     # even a directory or a broken link: the ledger says why
            elif _is_dir(entry) and not entry.is_symlink():
                folders.append((f"{rel}{entry.name}/", entry.path))
    return files, folders


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


class FileStat(Protocol):
    """What a row records of a file: os.stat_result locally, an object's listed size remotely."""

    @property
    def st_size(self) -> int: ...
    @property
    def st_mtime_ns(self) -> int: ...


class Files(Protocol):
    """Where the ledger reads headers and annotation files: the local disk, or object storage (corpus/remote.py)."""

    def header(self, path: str) -> EdfHeader: ...
    def annotations(self, path: str, kind: AnnotationKind) -> AnnotationFile: ...
    def exists(self, path: str) -> bool: ...
    def stat(self, path: str) -> FileStat | None: ...


class LocalFiles:
    """The corpus on a local or mounted disk (absolute path strings)."""

    def header(self, path: str) -> EdfHeader:
        return read_header(path)

    def annotations(self, path: str, kind: AnnotationKind) -> AnnotationFile:
        return parse_annotations(path, kind)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def stat(self, path: str) -> os.stat_result | None:
        try:
            return os.stat(path)
        except OSError:
            return None


LOCAL = LocalFiles()


def build_ledger(cfg: LoadedConfig, progress: Callable[[int, int], None] | None = None) -> Ledger:
    """Scan data_dir and decide role and status for every recording (reads headers and annotations only).

    With the garbage collector paused (gcpause.py): the memo's load and the rows are many small long-lived objects.

    `progress(done, total)` is called every 250 recordings and at the end (a terminal bar; never required).
    Rows whose files are unchanged since the last scan come from the scan memo (corpus/memo.py). A URL data_dir
    (s3://...) is listed once and read by ranged GETs on the same pool (corpus/remote.py), without a memo.
    """
    with paused():
        return _build_ledger(cfg, progress)


def _build_ledger(cfg: LoadedConfig, progress: Callable[[int, int], None] | None) -> Ledger:
    data_dir = cfg.data_dir
    shown = cfg.display(data_dir)
    opened: ScanMemo | None = None
    inspect_all: Callable[[list[tuple[str, TuszPath]], dict[str, Role | None]], list[Recording]] | None = None
    if cfg.data_url is not None:
        from tusz_guard.corpus.remote import RemoteCorpus

        corpus = RemoteCorpus.open(cfg.data_url)
        workers = scan_workers(None)
        files = corpus.edf_files()

        def inspect_one(rel: str, tp: TuszPath, role: Role | None) -> Recording:
            return _judge(rel, rel, tp, role, cfg, corpus.stat(rel), _pattern(rel, cfg), files=corpus)
    else:
        if not data_dir.is_dir():
            raise GuardError(f"data_dir {data_dir} does not exist", hint=f"set data.data_dir in "
                             f"{cfg.display(cfg.path)} or generate a corpus with `tusz-guard synth`")
        opened = ScanMemo.open(data_dir, memo_digest(cfg))       # before the walk: its start time is the racy line
        memo = opened if opened.path is not None else None
        workers = scan_workers(data_dir)
        files = scan_edf_files(data_dir, workers)
        root = str(data_dir)  # string paths: pathlib costs more than the header read itself at corpus scale

        def inspect_one(rel: str, tp: TuszPath, role: Role | None) -> Recording:
            return _inspect(os.path.join(root, rel), rel, tp, role, cfg, memo)

        def inspect_all(items: list[tuple[str, TuszPath]], roles: dict[str, Role | None]) -> list[Recording]:
            return _inspect_local(items, roles, root, cfg, memo, progress)
    if not files:
        raise GuardError(f"data_dir {shown} holds no .edf files",
                         hint="data.data_dir must be the parent of train/ dev/ eval/")
    parsed: list[tuple[str, TuszPath]] = []
    problems: list[tuple[str, str]] = []
    for rel in files:
        try:
            parsed.append((rel, TuszPath.parse(rel)))
        except TuszPathError as exc:
            problems.append((rel, str(exc)))
    roles, val_patients = assign_roles(parsed, cfg)
    pool = ThreadPoolExecutor(workers) if workers > 1 else None
    try:
        def inspect(item: tuple[str, TuszPath]) -> Recording:
            return inspect_one(item[0], item[1], roles[item[0]])

        if pool is None and inspect_all is not None and SETTINGS.workers is None:   # a local disk, nothing forced
            rows = inspect_all(parsed, roles)
        else:
            rows = []
            for i, rec in enumerate(pool.map(inspect, parsed) if pool is not None else map(inspect, parsed), 1):
                rows.append(rec)    # in path order whatever finished first: the ledger does not depend on workers
                if progress is not None and (i % _PROGRESS_EVERY == 0 or i == len(parsed)):
                    progress(i, len(parsed))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if opened is not None:
        opened.save()
    rows = _apply_limit(rows, cfg.config.data.limit_files)
    return Ledger(data_dir=data_dir, policy=cfg.config.data.split_policy, recordings=tuple(rows),
                  layout_problems=tuple(problems), val_patients=val_patients)


PROBE_FILES = 8
_PROGRESS_EVERY = 250       # recordings between two progress calls
SLOW_STAT_S = 0.001         # a local disk answers a stat in ~5 us; a network or bucket mount in 1-700 ms
THREADS_ON_SLOW_MOUNTS = 32     # the fewest in flight on a slow mount, and the count on object storage
MAX_THREADS = 128
CPU_PER_OPERATION_S = 0.00015   # this process's own CPU per stat or listing (Python, measured on a 2-core VM)


def scan_workers(data_dir: Path | None) -> int:
    """--scan-workers when given, else 32 on object storage (data_dir None) and, after a quick probe, on a slow
    mount enough to hide its latency (threads_for); one at a time on a local disk (cold scans parse in
    processes there: corpus/parse_pool.py).

    Threads on slow mounts: the scan waits on round trips, which threads overlap without pickling a row per recording.
    """
    if SETTINGS.workers is not None:
        return max(1, SETTINGS.workers)
    if data_dir is None:           # every read is a round trip
        return THREADS_ON_SLOW_MOUNTS
    latency = _stat_latency(os.fspath(data_dir))
    return threads_for(latency) if latency > SLOW_STAT_S else 1


def threads_for(latency_s: float) -> int:
    """Operations in flight on a mount answering in latency_s: enough that the scan is bound by this process's CPU,
    not by waiting (latency / CPU per operation, Little's law), between 32 and 128. 20 ms: 128 (fsspec itself
    gathers up to 1,280 metadata requests at once)."""
    return max(THREADS_ON_SLOW_MOUNTS, min(MAX_THREADS, round(latency_s / CPU_PER_OPERATION_S)))


def _stat_latency(root: str) -> float:
    """The median time of a few stats under root (its first entries): the mount's round-trip time."""
    try:
        with os.scandir(root) as listing:
            names = [e.path for e in islice(listing, PROBE_FILES)]
    except OSError:
        return 0.0
    times = []
    for name in names or [root]:
        start = time.perf_counter()
        try:
            os.stat(name)
        except OSError:
            pass
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def memo_digest(cfg: LoadedConfig) -> str:
    """What a memoised row depends on besides its files: the config sections `_decide` reads, and the code."""
    c = cfg.config
    parts = (c.data.annotations, c.preprocessing.model_dump_json(), c.windows.model_dump_json(),
             c.labels.model_dump_json(), _code_digest())
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A hash of the modules that derive a row: editing a parser or the ledger starts a new memo by itself
    (PARSER_VERSION need not be remembered)."""
    h = hashlib.sha256()
    for name in ("edf", "annotations", "channels", "windows", "paths", "facts", "ledger", "memo"):
        module = sys.modules.get(f"tusz_guard.corpus.{name}")
        source = getattr(module, "__file__", None)
        try:
            h.update(Path(source).read_bytes() if source else name.encode())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()


def assign_roles(parsed: list[tuple[str, TuszPath]], cfg: LoadedConfig) -> tuple[dict[str, Role | None], tuple[str, ...]]:
    """Roles per path: official maps folders; holdout splits train/ by patient (seeded, deterministic)."""
    data = cfg.config.data
    if data.split_policy == "official":
        return {rel: OFFICIAL_ROLES[tp.split] for rel, tp in parsed}, ()
    val = set(holdout_patients(sorted({tp.patient for _, tp in parsed if tp.split == "train"}),
                               data.validation_split, cfg.config.experiment.seed))
    roles: dict[str, Role | None] = {}
    for rel, tp in parsed:
        if tp.split == "train":
            roles[rel] = "val" if tp.patient in val else "train"
        else:
            roles[rel] = "test" if tp.split == "eval" else None
    return roles, tuple(sorted(val))


def holdout_patients(patients: list[str], share: float, seed: int) -> list[str]:
    """The patients held out for validation: a seeded shuffle of the sorted ids, the first share of them."""
    if len(patients) < 2:
        return []
    order = sorted(patients)
    random.Random(seed).shuffle(order)
    n_val = min(len(order) - 1, max(1, round(len(order) * share)))
    return sorted(order[:n_val])


def _inspect_local(parsed: list[tuple[str, TuszPath]], roles: dict[str, Role | None], root: str,
                   cfg: LoadedConfig, memo: ScanMemo | None,
                   progress: Callable[[int, int], None] | None) -> list[Recording]:
    """Every recording of a local corpus: stats and memo here, the misses parsed in a process pool when there are
    many (corpus/parse_pool.py), else here; in path order either way."""
    from tusz_guard.corpus.parse_pool import judge_in_processes, prepare, processes_for

    total = len(parsed)
    unknown = total if memo is None else sum(1 for rel, _ in parsed if not memo.knows(rel))
    prepare(unknown)         # where a fork server will be needed, its imports overlap the stats below
    done, last = 0, [0]

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None and (done - last[0] >= _PROGRESS_EVERY or done == total):
            last[0] = done
            progress(done, total)

    found: list[Recording | Miss] = []
    misses: list[int] = []
    for rel, tp in parsed:           # the memo's answers count as they come: a warm scan's bar moves too
        got = _lookup(os.path.join(root, rel), rel, tp, roles[rel], cfg, memo)
        if isinstance(got, Recording):
            tick(1)
        else:
            misses.append(len(found))
        found.append(got)

    processes = processes_for(len(misses))
    todo = [cast(Miss, found[i]) for i in misses]
    rows = judge_in_processes(todo, cfg, processes, tick) if processes > 1 else [None] * len(todo)
    for i, miss, row in zip(misses, todo, rows, strict=True):
        found[i] = _judge_miss(miss, cfg, memo, row)
        if row is None:
            tick(1)
    if progress is not None and last[0] != total:
        progress(total, total)
    return found        # type: ignore[return-value]


# A recording the memo could not answer: what _judge needs (its stats already made) and the memo key to store under.
Miss = tuple[str, str, TuszPath, "Role | None", "os.stat_result | None", "str | None", "os.stat_result | None",
             "EntryKey | None"]


def _inspect(path: str, rel: str, tp: TuszPath, role: Role | None, cfg: LoadedConfig,
             memo: ScanMemo | None = None) -> Recording:
    """The recording's row: from the memo when neither the EDF nor its annotation file changed, else judged."""
    found = _lookup(path, rel, tp, role, cfg, memo)
    return found if isinstance(found, Recording) else _judge_miss(found, cfg, memo)


def _lookup(path: str, rel: str, tp: TuszPath, role: Role | None, cfg: LoadedConfig,
            memo: ScanMemo | None) -> Recording | Miss:
    """The memoised row when the stats of the EDF and its annotation file still match, else what judging needs."""
    try:
        st: os.stat_result | None = os.stat(path)
    except OSError:                 # a dangling or looping symlink: read_header below says why, as unreadable
        st = None
    pattern = _pattern(rel, cfg)
    if memo is None or st is None or pattern is not None:
        return (path, rel, tp, role, st, pattern, None, None)
    try:
        ann_st: os.stat_result | None = os.stat(companion(path, cfg.config.data.annotations))
    except OSError:
        ann_st = None
    key: EntryKey = (stat_key(st), stat_key(ann_st) if ann_st else None, role)
    row = memo.lookup(rel, key)
    if row is not None:
        try:
            return _from_row(row)
        except (TypeError, ValueError, IndexError):      # a damaged entry: judge it again
            pass
    return (path, rel, tp, role, st, None, ann_st, key)


def judge_row(miss: Miss, cfg: LoadedConfig) -> tuple[object, ...]:
    """A miss judged, as a memo row (plain values: what a process pool worker sends back)."""
    return _to_row(_judge_one(miss, cfg))


def _judge_one(miss: Miss, cfg: LoadedConfig) -> Recording:
    path, rel, tp, role, st, pattern, ann_st, _ = miss
    return _judge(path, rel, tp, role, cfg, st, pattern, ann_st)


def _judge_miss(miss: Miss, cfg: LoadedConfig, memo: ScanMemo | None, row: tuple[object, ...] | None = None) -> Recording:
    """The recording of a miss (judged here, or `row` as a worker judged it), remembered in the memo."""
    rec = _judge_one(miss, cfg) if row is None else _from_row(row)
    key = miss[7]
    if memo is not None and key is not None:
        memo.store(miss[1], key, _to_row(rec) if row is None else row)
    return rec


def _judge(path: str, rel: str, tp: TuszPath, role: Role | None, cfg: LoadedConfig, st: FileStat | None,
           pattern: str | None, ann_st: FileStat | None = None, files: Files = LOCAL) -> Recording:
    base = Recording(path=rel, split=tp.split, role=role, patient=tp.patient, session=tp.session_dir,
                     montage=tp.montage, file_size=st.st_size if st else 0, mtime_ns=st.st_mtime_ns if st else 0)
    rec, reason, note = (base, "excluded_by_config", f"excluded by data.exclude ({pattern})") if pattern \
        else _decide(path, base, cfg, ann_st, files)
    if reason is not None:      # an excluded file's notes say why, not what preprocessing would have done
        kept = tuple(n for n in rec.notes if not n.startswith(INTERPOLATES))
        return replace(rec, status="excluded" if role is not None else "unused", reason=reason, notes=kept + (note,))
    return replace(rec, status="unused") if role is None else rec


Decision = tuple[Recording, "Reason | None", str]
_FIELDS = tuple(f.name for f in fields(Recording))
_FACT_FIELDS = (_FIELDS.index("annotation_problems"), _FIELDS.index("header_facts"))


def _to_row(rec: Recording) -> tuple[object, ...]:
    """A recording as marshal's plain values (facts as tuples), in field order."""
    values = [getattr(rec, name) for name in _FIELDS]
    for i in _FACT_FIELDS:
        values[i] = facts_out(values[i])
    return tuple(values)


def _from_row(row: tuple[object, ...]) -> Recording:
    if not isinstance(row, tuple) or len(row) != len(_FIELDS):
        raise ValueError("not a memoised recording row")
    items = list(row)
    for i in _FACT_FIELDS:
        items[i] = facts_in(items[i])       # type: ignore[arg-type]
    return Recording(*items)     # type: ignore[arg-type]


def _decide(path: str, rec: Recording, cfg: LoadedConfig, ann_st: FileStat | None = None,
            files: Files = LOCAL) -> Decision:
    """The recording filled from its header and annotations, its exclusion reason (or None) and its note.

    ann_st: the annotation file's stat when the caller made one already (the memo's key): no second stat.
    """
    try:
        header = files.header(path)
    except EdfError as exc:
        return rec, "unreadable", exc.reason
    rec = _with_header(rec, header, cfg)
    if not header.size_ok:
        return rec, "unreadable", header.size_problem or "file size disagrees with the header"
    if header.reserved.startswith("EDF+D"):    # records with gaps: one continuous signal would be a lie
        return rec, "unreadable", "EDF+D (discontinuous) recording: its records are not contiguous in time"
    kind = cfg.config.data.annotations
    ann_path = companion(path, kind)
    ann_name = os.path.basename(ann_path)
    try:
        ann = files.annotations(ann_path, kind)
    except AnnotationError as exc:
        if not files.exists(ann_path):
            return rec, "no_annotations", f"no {ann_name} next to the EDF"
        return rec, "bad_annotations", f"{ann_name}: {exc.reason}"
    ann_st = ann_st or files.stat(ann_path)
    if ann_st is None:      # vanished between the read and the stat
        return rec, "no_annotations", f"no {ann_name} next to the EDF"
    rec = _with_annotations(rec, ann, cfg, ann_st)
    if ann.n_data_rows == 0:      # real TUSZ files always carry at least a bckg row (docs/user-guide.md)
        return rec, "bad_annotations", f"{ann_name}: no events: header only (a TUSZ file always has a bckg row)"
    if ann.n_data_rows != ann.n_parsed:
        return rec, "bad_annotations", f"{ann_name}: {ann.n_parsed} of {ann.n_data_rows} data rows parsed"
    if rec.missing_channels:
        return rec, "missing_channels", f"missing {', '.join(rec.missing_channels)} (not interpolated)"
    length = window_geometry(cfg.config.windows.length_s, cfg.config.windows.stride_s,
                             cfg.config.preprocessing.sampling_rate)[0]
    if rec.n_samples < length:
        return rec, "too_short", f"{rec.duration_s:g} s is shorter than one {cfg.config.windows.length_s:g} s window"
    return rec, None, ""


def _pattern(rel: str, cfg: LoadedConfig) -> str | None:
    """The data.exclude pattern that names the recording at `rel`, if any."""
    return _excluded_by(rel, rel.rsplit("/", 1)[-1].rsplit(".", 1)[0], cfg.config.data.exclude)


def _excluded_by(rel: str, stem: str, patterns: tuple[str, ...]) -> str | None:
    """The data.exclude pattern that names this recording (its stem, or a glob on its path), if any."""
    return next((p for p in patterns if p == stem or fnmatch.fnmatchcase(rel, p)), None)


def _with_header(rec: Recording, header: EdfHeader, cfg: LoadedConfig) -> Recording:
    pre = cfg.config.preprocessing
    cmap = map_channels(header.labels, pre.interpolate)
    rates = header.sfreqs
    eeg_rates = {rates[i] for i in cmap.indices if i is not None}
    sfreq = max(eeg_rates) if eeg_rates else (max(rates) if rates else None)
    n_samples = n_samples_at(header.duration_s, pre.sampling_rate)
    length, stride = window_geometry(cfg.config.windows.length_s, cfg.config.windows.stride_s, pre.sampling_rate)
    notes = [f"header: {d}" for d in header.defects]
    facts = []
    if len(eeg_rates) > 1:
        shown = [f"{r:g}" for r in sorted(eeg_rates)]
        facts.append(Fact("mixed_rates", f"mixed EEG sampling rates {', '.join(shown)} Hz: each channel is "
                          f"resampled to {pre.sampling_rate} Hz on its own", value=",".join(shown)))
        notes.append(facts[-1].message)
    if cmap.duplicates:
        facts.append(Fact("duplicate_channels", f"two labels name channel(s) {', '.join(cmap.duplicates)}: the first "
                          "label of each is used", value=",".join(cmap.duplicates)))
    if cmap.interpolated:
        notes.append(f"{INTERPOLATES} {', '.join(cmap.interpolated)}")
    return replace(rec, sfreq=sfreq, duration_s=header.duration_s, n_signals=header.n_signals,
                   header_defects=header.defects, interpolated=cmap.interpolated, missing_channels=cmap.missing,
                   n_samples=n_samples, windows_expected=n_windows(n_samples, length, stride), notes=tuple(notes),
                   header_facts=tuple(facts))


def _with_annotations(rec: Recording, ann: AnnotationFile, cfg: LoadedConfig, ann_st: FileStat) -> Recording:
    duration = rec.duration_s or 0.0
    clipped = _clip(ann.seizure_intervals(cfg.config.labels.seizure), duration)
    problems = [from_problem(p) for p in ann.problems]
    if ann.bname is not None and ann.bname != rec.stem:        # a swapped file of equal duration passes all else
        problems.append(Fact("bname_mismatch", f"# bname = {ann.bname}, but the recording is {rec.stem}: the "
                             "annotation file of another recording?", value=ann.bname))
    return replace(rec, labels=tuple(sorted(ann.labels)), annotation_rows=ann.n_data_rows,
                   annotation_parsed=ann.n_parsed, annotation_problems=tuple(problems + _against_edf(ann, duration)),
                   seizure_intervals=clipped, seizure_seconds=sum(b - a for a, b in clipped),
                   label_seconds=_label_seconds(ann, duration), annotation_size=ann_st.st_size,
                   annotation_mtime_ns=ann_st.st_mtime_ns, annotation_sha256=ann.sha256)


def _against_edf(ann: AnnotationFile, duration: float) -> list[Fact]:
    """Events the annotation file places beyond the EDF's own length: a wrong or misplaced file, never clipped silently."""
    limit = duration + DURATION_TOLERANCE_S
    out = []
    if ann.duration_s is not None and abs(ann.duration_s - duration) > DURATION_TOLERANCE_S:
        out.append(Fact("duration_mismatch", f"annotation duration {ann.duration_s:g} s differs from the EDF's "
                        f"{duration:g} s (is it the annotation file of another recording?)", value=f"{ann.duration_s:g}"))
    beyond = [e for e in ann.events if e.stop > limit]
    if beyond:
        e = beyond[0]
        out.append(Fact("beyond_edf", f"{len(beyond)} event(s) lie outside the EDF's [0, {duration:g}] s, e.g. "
                        f"{e.label} {e.start:g}-{e.stop:g} s", value=str(len(beyond))))
    return out


def _clip(intervals: Iterable[tuple[float, float]], duration: float) -> tuple[tuple[float, float], ...]:
    return tuple((max(0.0, a), min(duration, b)) for a, b in intervals if min(duration, b) > max(0.0, a))


def _label_seconds(ann: AnnotationFile, duration: float) -> tuple[tuple[str, float], ...]:
    """Seconds per label: the union over channels of each label's events, clipped to the recording."""
    return tuple((label, round(sum(b - a for a, b in _clip(ann.seizure_intervals((label,)), duration)), 4))
                 for label in sorted(ann.labels))


def _apply_limit(rows: list[Recording], limit: int | None) -> list[Recording]:
    if limit is None:
        return rows
    kept: Counter[str] = Counter()
    out = []
    for rec in rows:
        if rec.included and rec.role is not None:
            kept[rec.role] += 1
            if kept[rec.role] > limit:
                rec = replace(rec, status="excluded", reason="over_limit",
                               notes=rec.notes + (f"beyond data.limit_files={limit} for role {rec.role}",))
        out.append(rec)
    return out
