"""Parallel scans give the serial scan's ledger, in the same order; the worker count is chosen or given."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from tusz_guard.config import load_config
from tusz_guard.corpus import ledger as ledger_mod
from tusz_guard.corpus import memo
from tusz_guard.corpus.ledger import build_ledger, scan_edf_files, scan_workers


@pytest.mark.parametrize("workers", [2, 4, 32])
def test_parallel_scan_equals_serial_scan(tiny_corpus: Path, make_project: Callable[..., Path], workers: int) -> None:
    cfg = load_config(make_project(tiny_corpus, data={"split_policy": "holdout"}))
    memo.SETTINGS.memo = False
    memo.SETTINGS.workers = 1
    serial = build_ledger(cfg)
    memo.SETTINGS.workers = workers
    parallel = build_ledger(cfg)
    assert parallel == serial
    assert [r.path for r in parallel.recordings] == [r.path for r in serial.recordings]
    assert scan_edf_files(cfg.data_dir, workers) == scan_edf_files(cfg.data_dir, 1)


def test_progress_counts_up_in_order_with_workers(tiny_corpus: Path, make_project: Callable[..., Path]) -> None:
    memo.SETTINGS.workers = 8
    ticks: list[tuple[int, int]] = []
    ledger = build_ledger(load_config(make_project(tiny_corpus)), lambda done, total: ticks.append((done, total)))
    assert ticks[-1] == (len(ledger.recordings), len(ledger.recordings))
    assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)


def test_workers_from_the_probe(tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tiny_corpus / "edf"
    assert scan_workers(data) == 1                          # a local disk answers in microseconds
    for latency, threads in ((0.002, 32), (0.01, 67), (0.02, 128), (0.7, 128)):   # enough to hide the wait
        monkeypatch.setattr(ledger_mod, "_stat_latency", lambda root, s=latency: s)
        assert scan_workers(data) == threads
    assert scan_workers(None) == 32                           # object storage: its clients' own pool
    memo.SETTINGS.workers = 0                                # --scan-workers 0: one at a time, whatever the probe
    assert scan_workers(data) == 1
    memo.SETTINGS.workers = 5
    assert scan_workers(data) == 5


def test_scan_workers_option(tiny_corpus: Path, make_project: Callable[..., Path], tmp_path: Path) -> None:
    from tusz_guard.cli import run

    cfg = make_project(tiny_corpus)
    outs = []
    for n in ("0", "1", "6"):
        out = tmp_path / f"inv-{n}.json"
        assert run(["inventory", str(cfg), "--scan-workers", n, "--no-memo", "--format", "json", "-o", str(out)]) == 0
        outs.append(json.loads(out.read_text()))
    assert outs[0] == outs[1] == outs[2]
    assert run(["inventory", str(cfg), "--scan-workers", "-1"]) == 2


def test_parallel_scans_fill_and_use_the_memo(corpus_copy: Path, make_project: Callable[..., Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(memo, "RACY_MARGIN_NS", 10_000_000)
    cfg = load_config(make_project(corpus_copy))
    time.sleep(0.03)
    memo.SETTINGS.workers = 8
    first = build_ledger(cfg)                                   # threads store rows into one memo
    real = ledger_mod._decide
    monkeypatch.setattr(ledger_mod, "_decide", lambda *a: pytest.fail("parsed again"))
    assert build_ledger(cfg) == first                           # threads read them back: nothing parsed
    monkeypatch.setattr(ledger_mod, "_decide", real)
    memo.SETTINGS.memo, memo.SETTINGS.workers = False, 1
    assert build_ledger(cfg) == first


# ---- cold local scans parse in a process pool (corpus/parse_pool.py) ----------------------------------------
@pytest.mark.parametrize("fork", [True, False], ids=["fork", "forkserver"])
def test_process_pool_scan_equals_serial_scan(tiny_corpus: Path, make_project: Callable[..., Path],
                                              monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    from tusz_guard.corpus import parse_pool

    cfg = load_config(make_project(tiny_corpus, data={"split_policy": "holdout"}))
    memo.SETTINGS.memo = False
    memo.SETTINGS.workers = 1
    serial = build_ledger(cfg)
    memo.SETTINGS.workers = None                        # auto: a local disk, so processes for many misses
    monkeypatch.setattr(parse_pool, "CHUNK", 3)         # several chunks, finishing in any order
    monkeypatch.setattr(parse_pool, "_can_fork", lambda: fork)
    used: list[int] = []
    real = parse_pool.judge_in_processes

    def counted(m: Any, c: Any, n: int, j: Any = None) -> Any:
        used.append(n)
        return real(m, c, n, j)

    monkeypatch.setattr(parse_pool, "judge_in_processes", counted)
    monkeypatch.setattr(parse_pool, "processes_for", lambda misses: 2 if misses else 1)   # whatever the CPU count
    ticks: list[tuple[int, int]] = []
    pooled = build_ledger(cfg, lambda done, total: ticks.append((done, total)))
    assert used == [2]                                  # the pool really ran, with two processes
    assert pooled == serial
    assert [r.path for r in pooled.recordings] == [r.path for r in serial.recordings]
    assert ticks[-1] == (len(serial.recordings), len(serial.recordings))
    assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)


def test_process_pool_fills_the_memo(corpus_copy: Path, make_project: Callable[..., Path],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from tusz_guard.corpus import parse_pool

    monkeypatch.setattr(memo, "RACY_MARGIN_NS", 10_000_000)
    monkeypatch.setattr(parse_pool, "processes_for", lambda misses: 2 if misses else 1)
    monkeypatch.setattr(parse_pool, "CHUNK", 3)
    used: list[int] = []
    real = parse_pool.judge_in_processes

    def counted(m: Any, c: Any, n: int, j: Any = None) -> Any:
        used.append(len(m))
        return real(m, c, n, j)

    monkeypatch.setattr(parse_pool, "judge_in_processes", counted)
    cfg = load_config(make_project(corpus_copy))
    time.sleep(0.03)
    first = build_ledger(cfg)                                   # rows judged by workers, stored by this process
    assert used == [len(first.recordings)]                      # every file went through the pool
    monkeypatch.setattr(ledger_mod, "_decide", lambda *a: pytest.fail("parsed again"))
    monkeypatch.setattr(parse_pool, "judge_in_processes", lambda *a: pytest.fail("a pool for a warm scan"))
    assert build_ledger(cfg) == first


def test_a_dead_scan_worker_costs_speed_not_the_scan(tiny_corpus: Path, make_project: Callable[..., Path],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from tusz_guard.corpus import parse_pool

    cfg = load_config(make_project(tiny_corpus))
    memo.SETTINGS.memo = False
    memo.SETTINGS.workers = 1
    serial = build_ledger(cfg)
    memo.SETTINGS.workers = None
    monkeypatch.setattr(parse_pool, "processes_for", lambda misses: 2 if misses else 1)   # even on one CPU
    monkeypatch.setattr(parse_pool, "CHUNK", 2)
    monkeypatch.setattr(parse_pool, "_can_fork", lambda: True)  # the forked workers inherit the patch below
    parent, real = os.getpid(), ledger_mod.judge_row
    victim = serial.recordings[len(serial.recordings) // 2].path

    def judge_row(miss: object, c: object) -> object:
        if os.getpid() != parent and miss[1] == victim:         # type: ignore[index]
            os._exit(9)                                         # as the out-of-memory killer would
        return real(miss, c)                                    # type: ignore[arg-type]

    monkeypatch.setattr(ledger_mod, "judge_row", judge_row)
    assert build_ledger(cfg) == serial
    assert "a scan worker process died" in capsys.readouterr().err


def test_the_pool_forks_only_a_single_threaded_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import threading

    from tusz_guard.corpus import parse_pool

    assert parse_pool._can_fork() == (sys.platform.startswith("linux") and threading.active_count() == 1
                                      and "torch" not in sys.modules)
    release = threading.Event()
    bar = threading.Thread(target=release.wait, name="a progress bar's refresh thread")
    bar.start()
    try:
        assert not parse_pool._can_fork()          # its locks could be held in a forked child: the fork server instead
    finally:
        release.set()
        bar.join()
    monkeypatch.setattr(parse_pool.threading, "active_count", lambda: 1)
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch") or object())   # type: ignore[arg-type]
    assert not parse_pool._can_fork()              # torch's native thread pools: the fork server too


def test_processes_for_the_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    from tusz_guard.corpus import parse_pool

    monkeypatch.setattr(parse_pool.os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert parse_pool.processes_for(0) == 1
    assert parse_pool.processes_for(parse_pool.MIN_MISSES - 1) == 1       # a pool's start would cost more
    assert parse_pool.processes_for(parse_pool.MIN_MISSES) == 7                # at least half a chunk each
    assert parse_pool.processes_for(50_000) == parse_pool.MAX_PROCESSES
    monkeypatch.setattr(parse_pool.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert parse_pool.processes_for(50_000) == 1                           # one CPU: parse here


@pytest.mark.parametrize("failure", [NotImplementedError("no sem_open here"), BlockingIOError(11, "fork")])
def test_a_pool_that_cannot_start_costs_speed_not_the_scan(tiny_corpus: Path, make_project: Callable[..., Path],
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str],
                                                            failure: Exception) -> None:
    import concurrent.futures

    from tusz_guard.corpus import parse_pool

    cfg = load_config(make_project(tiny_corpus))
    memo.SETTINGS.memo = False
    memo.SETTINGS.workers = 1
    serial = build_ledger(cfg)
    memo.SETTINGS.workers = None
    monkeypatch.setattr(parse_pool, "processes_for", lambda misses: 2 if misses else 1)

    def no_pool(*args: Any, **kwargs: Any) -> Any:
        raise failure                     # as ProcessPoolExecutor raises without named semaphores or processes

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    assert build_ledger(cfg) == serial
    assert "no scan worker processes" in capsys.readouterr().err
    assert parse_pool._CFG is None and parse_pool._MISSES == ()


def test_a_warm_scan_reports_progress_as_it_goes(corpus_copy: Path, make_project: Callable[..., Path],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(memo, "RACY_MARGIN_NS", 10_000_000)
    monkeypatch.setattr(ledger_mod, "_PROGRESS_EVERY", 2)
    cfg = load_config(make_project(corpus_copy))
    time.sleep(0.03)
    first = build_ledger(cfg)
    ticks: list[tuple[int, int]] = []
    monkeypatch.setattr(ledger_mod, "_decide", lambda *a: pytest.fail("parsed again"))
    build_ledger(cfg, lambda done, total: ticks.append((done, total)))      # every row from the memo
    total = len(first.recordings)
    assert ticks[-1] == (total, total) and [d for d, _ in ticks] == sorted(d for d, _ in ticks)
    assert len(ticks) > 1                 # not one tick at the very end: the bar moves while the memo answers
