"""Where build tasks run: in-process, a local process pool (default), or a Dask distributed cluster.

Every executor runs the same picklable task function on the same task objects and yields results as they
complete, so the bytes an entry holds never depend on the executor.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Literal

from tusz_guard.cache.orphans import die_with_parent
from tusz_guard.errors import GuardError

Kind = Literal["inline", "pool", "dask", "dask-local"]


@dataclass(frozen=True)
class ExecutorSpec:
    """How to run the tasks: kind, worker count, scheduler address (dask only)."""

    kind: Kind = "pool"
    workers: int = 1
    address: str | None = None

    def describe(self) -> str:
        if self.kind == "dask":
            return f"dask scheduler {self.address}"
        if self.kind == "dask-local":
            return f"dask LocalCluster with {self.workers} worker process(es)"
        return "in-process" if self.kind == "inline" else f"process pool with {self.workers} worker(s)"


class WorkerDied(Exception):
    """A pool worker process died (killed by the kernel's out-of-memory killer, or by a signal) mid-task."""

    def __init__(self, tasks: list[Any]) -> None:
        super().__init__(f"a worker died while running {len(tasks)} task(s)")
        self.tasks = tasks           # the tasks in flight: one of them was running in the dead worker


class Runner:
    """Yields fn(task) results in completion order; stop() abandons the tasks not yet started."""

    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


@contextlib.contextmanager
def run_tasks(spec: ExecutorSpec, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[Runner, Iterator[Any]]]:
    """Context manager giving (runner, results iterator) for the chosen executor; cleans up on exit."""
    runner = Runner()
    if spec.kind == "inline" or not tasks:
        yield runner, (fn(t) for t in tasks if not runner.stopped)
    elif spec.kind == "pool":
        with _pool(spec.workers) as pool:
            yield runner, _pool_results(pool, fn, tasks, runner, spec.workers)
    else:
        with _dask_client(spec) as client:
            yield runner, _dask_results(client, fn, tasks, runner)


def start_pool_server(preload: Sequence[str]) -> None:
    """Start the pool's fork server now, importing `preload` in it once: its workers fork with those modules
    loaded instead of each importing them, and the imports run while the caller is still planning."""
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload))
    forkserver.ensure_running()


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: workers never inherit the parent's threads (rich's refresh thread, BLAS pools).
    # die_with_parent: a `kill -9` of the build must not leave workers writing entries for minutes.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def _pool_results(pool: ProcessPoolExecutor, fn: Callable[[Any], Any], tasks: Sequence[Any], runner: Runner,
                  workers: int) -> Iterator[Any]:
    # A bounded window of submitted tasks, so stop() leaves the rest unstarted.
    pending: dict[Future[Any], Any] = {}
    queue = list(reversed(tasks))
    while queue or pending:
        while queue and len(pending) < 2 * workers and not runner.stopped:
            task = queue.pop()
            pending[pool.submit(fn, task)] = task
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            task = pending.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                raise WorkerDied([task, *pending.values()]) from None
            yield result
        if runner.stopped:
            queue.clear()


@contextlib.contextmanager
def _dask_client(spec: ExecutorSpec) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise GuardError("dask distributed is not installed", hint="pip install 'distributed'") from None
    if spec.kind == "dask":
        try:
            client = Client(spec.address, timeout=10)
        except OSError as exc:
            raise GuardError(f"cannot reach the Dask scheduler at {spec.address}: {exc}",
                             hint="check the address, or use --dask-local N / --workers N") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            yield client


def _dask_results(client: Any, fn: Callable[[Any], Any], tasks: Sequence[Any], runner: Runner) -> Iterator[Any]:
    from distributed import as_completed

    futures = client.map(fn, list(tasks), pure=False)
    for future in as_completed(futures):
        yield future.result()
        if runner.stopped:
            client.cancel(futures)
            return
