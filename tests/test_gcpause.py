"""The garbage collector is paused while a scan or a preflight builds its data, and restored after (gcpause.py)."""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Callable

import pytest

from tusz_guard.config import load_config
from tusz_guard.gcpause import paused


def test_paused_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()                   # an inner block does not end the outer pause
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()                   # a caller's own disable is kept
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("boom")
    assert gc.isenabled()                           # restored when the block raises too


def test_the_scan_and_the_checks_run_paused_the_suites_not(tiny_corpus: Path, make_project: Callable[..., Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tusz_guard.app import preflight as pf
    from tusz_guard.corpus import ledger as ledger_mod
    from tusz_guard.corpus import memo

    memo.SETTINGS.memo = False
    seen: dict[str, bool] = {}

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            seen[name] = gc.isenabled()
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(ledger_mod, "_decide", spy("parse", ledger_mod._decide))
    monkeypatch.setattr(pf, "build_report", spy("report", pf.build_report))
    monkeypatch.setattr(pf, "with_suites", spy("suites", pf.with_suites))
    cfg = load_config(make_project(tiny_corpus))
    ledger_mod.build_ledger(cfg)
    assert seen == {"parse": False} and gc.isenabled()
    pf.preflight(cfg)                               # with the bundled suites: Great Expectations' frames make cycles
    assert seen == {"parse": False, "report": False, "suites": True} and gc.isenabled()


def test_survivors_move_to_the_oldest_generation_unwalked_and_cycles_are_still_collected() -> None:
    import weakref

    class Node:
        other: object = None

    started: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(watch)
    try:
        with paused():
            kept = [[i] for i in range(20_000)]                 # what a scan leaves alive
            a, b = Node(), Node()
            a.other, b.other = b, a                             # a cycle made during the pause
            ref = weakref.ref(a)
            del a, b
        more = [[i] for i in range(100)]    # re-enabled, the next allocations would walk the 20,000 survivors
    finally:
        gc.callbacks.remove(watch)
    assert started == []
    assert len(kept) == 20_000 and len(more) == 100
    gc.collect()
    assert ref() is None                    # the cycle was not leaked by the freeze


def test_a_host_processs_own_freeze_is_kept() -> None:
    gc.freeze()                         # a host (a forking server, say) froze its start-up objects
    try:
        frozen = gc.get_freeze_count()
        with paused():
            _ = [[i] for i in range(1_000)]
        # not thawed into the oldest generation (that would leave 0); a frozen object freed meanwhile by
        # reference counting leaves the count too, so allow for a few
        assert frozen - 1_000 <= gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
