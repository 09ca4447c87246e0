"""Injected latency for benchmarks (issue 15.6): every metadata operation under $TG_LATENCY_ROOT sleeps first.

Put this folder on PYTHONPATH with TG_LATENCY_MS set and Python imports it at start-up. Each stat, lstat,
scandir, listdir and open of a path under the root waits TG_LATENCY_MS, as a network or bucket mount would
(time.sleep releases the GIL, so threads overlap the waits the way concurrent round trips do). Reads of an
open file and DirEntry's cached types are free, as on a mount with read-ahead and d_type.
"""
from __future__ import annotations

import builtins
import io
import os
import time

_MS = float(os.environ.get("TG_LATENCY_MS", "0") or 0)
_ROOT = os.environ.get("TG_LATENCY_ROOT", "")


def _slow(fn):  # type: ignore[no-untyped-def]
    def wrapper(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(_ROOT):
            time.sleep(_MS / 1000)
        return fn(path, *args, **kwargs)

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


if _MS > 0 and _ROOT:
    for _name in ("stat", "lstat", "scandir", "listdir", "open"):
        setattr(os, _name, _slow(getattr(os, _name)))
    builtins.open = io.open = _slow(io.open)
