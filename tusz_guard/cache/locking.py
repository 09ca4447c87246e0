"""The cache lock (fcntl.flock on <root>/.lock) with a record of who holds it, a visible wait and a timeout.

flock itself cannot say who holds a lock, so every holder writes <root>/.lock-info (pid, host, since, command);
a waiter prints it once on stderr and, past --lock-timeout, gives up naming the holder.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tusz_guard.cache.store import LOCK_INFO_NAME
from tusz_guard.cache.temps import pid_alive
from tusz_guard.errors import GuardError

POLL_SECONDS = 0.2


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def held(lock_path: Path, *, shared: bool, timeout: float | None = None,
         on_wait: Callable[[str], None] = _stderr) -> Iterator[None]:
    """Hold the lock (shared or exclusive) for the block; wait visibly, GuardError (exit 1) past `timeout` seconds."""
    fd = _open(lock_path, create=not shared)
    try:
        _acquire(fd, lock_path, shared, timeout, on_wait)
        _record_holder(lock_path)
        try:
            yield
        finally:
            _forget_holder(lock_path)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _open(lock_path: Path, create: bool) -> int:
    """The lock file's descriptor; O_NONBLOCK so that a FIFO put there cannot hang the open."""
    flags = (os.O_RDWR | os.O_CREAT if create else os.O_RDONLY) | os.O_NONBLOCK
    try:
        fd = os.open(lock_path, flags, 0o666)
    except OSError as exc:
        raise GuardError(f"cannot open the cache lock {lock_path}: {exc.strerror}",
                         hint="fix the cache folder's permissions", exit_code=1) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise GuardError(f"the cache lock {lock_path} is not a regular file",
                         hint="remove it (tusz-guard recreates it)", exit_code=1)
    return fd


def _acquire(fd: int, lock_path: Path, shared: bool, timeout: float | None, on_wait: Callable[[str], None]) -> None:
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    deadline = None if timeout is None else time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
        holder = describe_holder(lock_path)
        if deadline is not None and time.monotonic() >= deadline:
            raise GuardError(f"the cache lock {lock_path} is still held after {timeout:g} s: {holder}",
                             hint="wait for that process to finish, or stop it if it hangs", exit_code=1)
        if not told:
            limit = "" if timeout is None else f" (giving up after {timeout:g} s)"
            on_wait(f"waiting for the cache lock {lock_path}: {holder}{limit}; --lock-timeout SECONDS gives up")
            told = True
        time.sleep(POLL_SECONDS)


def _record_holder(lock_path: Path) -> None:
    """Write the holder record beside the lock (best effort: a read-only cache can still be packed)."""
    info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": " ".join(sys.argv[:3])}
    path = lock_path.with_name(LOCK_INFO_NAME)
    tmp = path.with_name(f"{LOCK_INFO_NAME}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(info) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _forget_holder(lock_path: Path) -> None:
    """Remove the record if it is still ours: a stale record would blame the next (foreign) holder on us."""
    path = lock_path.with_name(LOCK_INFO_NAME)
    if _read_holder(path).get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            path.unlink()


def _read_holder(path: Path) -> dict[str, object]:
    from tusz_guard.corpus.files import open_regular
    from tusz_guard.jsonread import loads_bounded

    try:
        with open_regular(str(path)) as f:
            info = loads_bounded(f.read(65536), max_bytes=65536)
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def describe_holder(lock_path: Path) -> str:
    """'held by pid 123 on host h since ... (tusz-guard pack ...)', from the last holder's record."""
    info = _read_holder(lock_path.with_name(LOCK_INFO_NAME))
    try:
        pid, host, since = int(str(info["pid"])), str(info["host"]), str(info["since"])
        command = str(info.get("command", ""))
    except (ValueError, KeyError, TypeError):
        return "held by a process that left no record (not tusz-guard, or an older version)"
    gone = host == socket.gethostname() and not pid_alive(pid)
    state = " (that process has exited: the lock is held by another process)" if gone else ""
    return f"held by pid {pid} on host {host} since {since} ({command}){state}"
    return True
