"""Pool workers exit when the build process dies (kill -9 included): no orphan keeps writing entries.

Linux delivers SIGKILL to a worker whose parent dies (prctl PR_SET_PDEATHSIG). The parent of a forkserver worker
is the forkserver, which exits when the build process dies; a watchdog thread covers other platforms and the
window before prctl takes effect, by checking that the build process is still there.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

from tusz_guard.cache.temps import pid_alive

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with_parent(build_pid: int) -> None:
    """Pool initializer: arrange for this worker to exit as soon as the build process `build_pid` is gone."""
    _set_pdeathsig()
    ppid = os.getppid()
    threading.Thread(target=_watch, args=(build_pid, ppid), name="tusz-guard-orphan-watch", daemon=True).start()


def _set_pdeathsig() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):      # no libc prctl (musl oddities): the watchdog still covers it
        pass


def _watch(build_pid: int, ppid: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != ppid or not pid_alive(build_pid):
            os._exit(1)       # no cleanup: the build's temp folders are removed by the next build-cache
    return True
