"""Parallel scans give the serial scan's ledger, in the same order; the worker count is chosen or given."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

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
    monkeypatch.setattr(ledger_mod, "_stat_latency", lambda root: 0.02)
    assert scan_workers(data) == ledger_mod.THREADS_ON_SLOW_MOUNTS
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
