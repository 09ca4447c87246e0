"""A build killed with SIGKILL resumes; two builders share a cache; a Dask LocalCluster builds the same bytes."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from tusz_guard.cache.store import CacheStore, verify_index
from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.corpus.ledger import build_ledger


def _cli(config: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tusz_guard.cli", "build-cache", str(config), *extra]


def _expected(config: Path) -> list[str]:
    ledger = build_ledger(load_config(config))
    return sorted(r.stem for role in ("train", "val") for r in ledger.included(role))


def _entry_bytes(store: CacheStore) -> dict[str, tuple[bytes, bytes]]:
    return {k: (store.signal_path(k).read_bytes(), store.labels_path(k).read_bytes()) for k in store.list_entries()}


def _fresh_build_bytes(config: Path) -> dict[str, tuple[bytes, bytes]]:
    """Rebuild the cache from nothing, in-process, and return its bytes (the reference)."""
    cache_dir = load_config(config).cache_dir
    shutil.rmtree(cache_dir)
    assert run(["build-cache", str(config), "--workers", "1"]) == 0
    return _entry_bytes(CacheStore(cache_dir))


def _assert_consistent(store: CacheStore) -> None:
    for key in store.list_entries():
        meta = store.read_entry_meta(key)
        assert store.load_signal(key).shape == (19, meta.n_samples)
        assert store.load_labels(key).shape == (meta.n_samples,)


@pytest.fixture
def project(corpus_copy: Path, make_project: Callable[..., Path]) -> Path:
    return make_project(corpus_copy)


def test_sigkill_mid_build_then_rerun_finishes(project: Path) -> None:
    expected = _expected(project)
    store = CacheStore(load_config(project).cache_dir)
    proc = subprocess.Popen(_cli(project, "--workers", "1"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(store.list_entries()) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = store.list_entries()
    assert 2 <= len(done) < len(expected)           # killed mid-build, not after it
    _assert_consistent(store)                       # whatever counts as an entry is whole
    assert run(["build-cache", str(project), "--workers", "1"]) == 0
    assert store.list_entries() == expected and store.list_temp() == []
    assert verify_index(store, deep=True) == []
    resumed = _entry_bytes(store)
    assert resumed == _fresh_build_bytes(project)


def test_two_concurrent_builders_share_one_cache(project: Path) -> None:
    expected = _expected(project)
    procs = [subprocess.Popen(_cli(project, "--workers", "1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    built = [int(out.split("\nbuilt ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(built) == len(expected)              # every entry written exactly once
    store = CacheStore(load_config(project).cache_dir)
    assert store.list_entries() == expected and store.list_temp() == [] and store.list_foreign() == []
    assert verify_index(store, deep=True) == []
    _assert_consistent(store)
    assert _entry_bytes(store) == _fresh_build_bytes(project)


@pytest.mark.slow
def test_dask_local_cluster_build_equals_pool_build(project: Path) -> None:
    assert run(["build-cache", str(project), "--dask-local", "2"]) == 0
    store = CacheStore(load_config(project).cache_dir)
    dask_bytes = _entry_bytes(store)
    assert store.read_meta().throughput["executor"] == "dask-local"
    assert sorted(dask_bytes) == _expected(project) and verify_index(store, deep=True) == []
    shutil.rmtree(store.root)
    assert run(["build-cache", str(project), "--workers", "2"]) == 0
    assert _entry_bytes(store) == dask_bytes


@pytest.mark.slow
def test_scheduler_address_of_an_existing_cluster(project: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert run(["build-cache", str(project), "--scheduler", cluster.scheduler_address]) == 0
    store = CacheStore(load_config(project).cache_dir)
    assert store.read_meta().throughput["executor"] == "dask"
    assert store.list_entries() == _expected(project) and verify_index(store, deep=True) == []
    _assert_consistent(store)


def test_unreachable_scheduler_is_a_clear_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["build-cache", str(project), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "error: cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
