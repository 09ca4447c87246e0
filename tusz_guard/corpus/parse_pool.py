"""A cold scan of a local corpus parses in a process pool: the header and annotation parsers are Python, so on a
local disk the scan is CPU-bound and threads would only take turns holding the GIL.

The main process walks, stats and asks the memo (cheap on a local disk); only the misses travel, in chunks, to
workers that judge them with the very code of a serial scan (`ledger.judge_row`) and send back memo rows (plain
tuples, cheap to pickle). Rows are put back in path order, so the ledger never depends on the pool.

Workers fork from this process when it runs no other thread (Linux: they inherit the config and the misses, so
only index ranges travel), else from the fork server (a progress bar's refresh thread could hold a lock a child
would inherit held); they exit with the command, even a `kill -9`ed one (`cache.orphans.die_with_parent`).
A worker that dies mid-chunk (killed by the out-of-memory killer, say) costs speed, not the scan: what was not
judged is judged here, with a note.
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tusz_guard.corpus.memo import note  # the scan's one-line notes on stderr

if TYPE_CHECKING:       # multiprocessing loads only for a pool: a warm scan imports this module too (9 ms saved)
    import multiprocessing.context
    from concurrent.futures import Future

    from tusz_guard.config import LoadedConfig
    from tusz_guard.corpus.ledger import Miss

# Below this many files to parse, starting the pool (a fork server importing the parsers: ~0.3 s of CPU on a
# 2-core VM) costs more than it saves (a parse is ~0.3 ms).
MIN_MISSES = 1_000
MAX_PROCESSES = 8
CHUNK = 256
PRELOAD = ("tusz_guard.corpus.ledger",)

_CFG: LoadedConfig | None = None
_MISSES: Sequence[Miss] = ()      # a forked worker's misses, inherited


def processes_for(misses: int) -> int:
    """How many worker processes a cold local scan of `misses` files gets (1: parse here, serially)."""
    if misses < MIN_MISSES:
        return 1
    return max(1, min(MAX_PROCESSES, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else (os.cpu_count() or 1), misses // (CHUNK // 2)))


# What can stop a pool from starting at all: no named semaphores (some containers and sandboxes:
# NotImplementedError), a process limit (fork: BlockingIOError), a fork server that cannot start (OSError).
START_FAILURES = (OSError, NotImplementedError, ImportError)


def prepare(misses: int) -> None:
    """Before the stats: start the fork server if `misses` files will be parsed by a pool that cannot fork."""
    if processes_for(misses) > 1 and not _can_fork():
        try:
            start_server()
        except START_FAILURES:      # judge_in_processes tries again and says why
            pass


def start_server() -> None:
    """Start the fork server now, importing the parsers in it while this process walks and stats the corpus.

    The server lives until the command ends (idle in between). A server the builder started first keeps the
    builder's preload; one started here keeps the parsers' only, and a build later in the same process
    (`train --allow-live`) then has each worker import the preprocessing modules itself: slower to start, same
    entries."""
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
    forkserver.ensure_running()


def judge_in_processes(misses: Sequence[Miss], cfg: LoadedConfig, processes: int,
                       judged: Callable[[int], None] | None = None) -> list[tuple[object, ...] | None]:
    """Each miss's memo row, in the order given; None where a dead worker left it unjudged (the caller judges it).

    `judged(n)` is told as each chunk of n comes back (the progress bar)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    global _CFG, _MISSES
    rows: list[tuple[object, ...] | None] = [None] * len(misses)
    spans = [(i, min(i + CHUNK, len(misses))) for i in range(0, len(misses), CHUNK)]
    forked = _can_fork()
    context: multiprocessing.context.BaseContext
    try:
        if forked:      # the workers inherit the config and the misses: only index ranges and rows travel
            _CFG, _MISSES = cfg, misses
            context = multiprocessing.get_context("fork")
        else:
            start_server()      # (a server the builder started already keeps its own preload)
            context = multiprocessing.get_context("forkserver")
        pool = ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_start_worker,
                                   initargs=(None if forked else cfg, os.getpid()))
    except START_FAILURES as exc:
        _CFG, _MISSES = None, ()
        _no_workers(exc)
        return rows
    try:
        try:
            pending: dict[Future[Any], tuple[int, int]] = {
                (pool.submit(_judge_span, span) if forked
                 else pool.submit(_judge_chunk, list(misses[span[0]:span[1]]))): span for span in spans}
        except (*START_FAILURES, BrokenProcessPool) as exc:     # workers start on the first submit
            _no_workers(exc)
            return rows
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                start, end = pending.pop(future)
                try:
                    rows[start:end] = future.result()
                except BrokenProcessPool:
                    note("a scan worker process died; the files it held are parsed in this process")
                    return rows
                if judged is not None:
                    judged(end - start)
        return rows
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _CFG, _MISSES = None, ()


def _no_workers(exc: BaseException) -> None:
    note(f"no scan worker processes ({type(exc).__name__}: {exc}); parsing in this process")


def _can_fork() -> bool:
    """Fork this process directly (no imports, nothing pickled) only where that is safe: Linux, no other Python
    thread alive whose locks a child could inherit held (a progress bar's refresh thread, say), and no torch
    loaded (`train`'s preflight: its native thread pools are invisible to `threading`)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1 and "torch" not in sys.modules


def _start_worker(cfg: LoadedConfig | None, parent: int) -> None:
    from tusz_guard.cache.orphans import die_with_parent

    global _CFG
    if cfg is not None:
        _CFG = cfg
    die_with_parent(parent)


def _judge_span(span: tuple[int, int]) -> list[tuple[object, ...]]:
    return _judge_chunk(list(_MISSES[span[0]:span[1]]))


def _judge_chunk(chunk: list[Miss]) -> list[tuple[object, ...]]:
    from tusz_guard.corpus.ledger import judge_row

    assert _CFG is not None, "worker started without its config"
    return [judge_row(miss, _CFG) for miss in chunk]
