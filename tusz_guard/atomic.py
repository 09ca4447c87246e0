"""Writing output files: the one helper every command that writes uses (reports, -o, trainer outputs, pack).

A regular file (or a new path) is replaced atomically: temp file beside it + os.replace, so a reader never sees
half a file. A symlink is resolved first so that its target is replaced, not the link. Character devices and FIFOs
(/dev/null, /dev/stdout, a named pipe) are written through: replacing /dev/full with a JSON file as root would
break the machine. '-' is stdout. Anything else (a directory, a socket, a block device) is refused.
"""
from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, Literal

from tusz_guard.errors import GuardError

STDOUT = "-"
_STDOUT_NAMES = frozenset({STDOUT, "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})
Kind = Literal["stdout", "through", "file"]

# errno -> the fix printed after the reason
_FIXES = {
    errno.ENOSPC: "free space on that disk or write elsewhere",
    errno.EDQUOT: "free space (disk quota exceeded) or write elsewhere",
    errno.EROFS: "that filesystem is read-only; write elsewhere",
    errno.EACCES: "fix the folder's permissions or write elsewhere",
    errno.EPERM: "fix the folder's permissions or write elsewhere",
    errno.ENOTDIR: "a component of the path is a file, not a folder; choose another path",
    errno.EEXIST: "a component of the path is a file, not a folder; choose another path",
    errno.ENAMETOOLONG: "a file or folder name is longer than the filesystem allows (255 bytes); shorten it",
    errno.ELOOP: "the path runs into a symlink loop; fix the link or choose another path",
    errno.EISDIR: "the path is a folder; name a file inside it",
    errno.ENOENT: "that folder does not take new files (a virtual filesystem such as /proc?); write elsewhere",
}
_BLOCKED_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO}      # the path is fine, the disk is not: exit 1


def fix_for(exc: OSError, default: str = "choose another path") -> str:
    """The fix printed after a write error (errno -> advice)."""
    return _FIXES.get(exc.errno or 0, default)


def write_error(path: str | Path, exc: OSError) -> GuardError:
    """An OSError while writing `path` as the one-line GuardError naming the path and the fix."""
    reason = exc.strerror or exc.__class__.__name__
    name = Path(str(exc.filename or "")).name
    temp = name.startswith(f".{Path(str(path)).name}.")      # our own temp file: noise to the user
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(path) and not temp else ""
    return GuardError(f"cannot write {path}: {reason}{where}", hint=fix_for(exc),
                      exit_code=1 if exc.errno in _BLOCKED_ERRNOS else 2)


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written into `folder` (created if missing), or None: the nearest existing component is
    a file, or a folder this user cannot write into. A probe (stats only): `check` says it before `train` finds out."""
    probe = folder
    while True:
        try:
            st = probe.stat()
        except (FileNotFoundError, NotADirectoryError):     # missing, or under a file: look further up
            if probe == probe.parent:
                return None
            probe = probe.parent
            continue
        except OSError as exc:
            return f"{probe}: {exc.strerror or exc}; {fix_for(exc)}"
        if not stat.S_ISDIR(st.st_mode):
            return f"{probe} is a file, not a folder; choose another path"
        if not os.access(probe, os.W_OK | os.X_OK):
            return f"{probe} is not writable by this user; {fix_for(OSError(errno.EACCES, ''))}"
        return None


def is_stdout(path: str | Path | None) -> bool:
    """'-' and the names of this process's stdout: written through sys.stdout, every other line goes to stderr."""
    return path is not None and str(path) in _STDOUT_NAMES


def output_kind(path: str | Path) -> tuple[Kind, Path]:
    """How `path` is written ('stdout', 'through' a device/FIFO, or an atomic 'file') and the path to use."""
    if is_stdout(path):      # one stream and one offset: a second descriptor would overwrite what stdout wrote
        return "stdout", Path(STDOUT)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "file", Path(os.path.realpath(path))      # a dangling symlink: its target is created
    except OSError as exc:
        raise write_error(path, exc) from None
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or (stat.S_ISREG(mode) and _is_fd_link(path)):
        # opened by the given name: /dev/stdout must reach the pipe or the file the shell redirected to
        return "through", Path(path)
    if stat.S_ISREG(mode):
        return "file", Path(os.path.realpath(path))      # a symlink's target is what gets replaced
    kind = "a folder" if stat.S_ISDIR(mode) else "a socket" if stat.S_ISSOCK(mode) else "a block device" \
        if stat.S_ISBLK(mode) else "not a regular file"
    raise GuardError(f"cannot write {path}: it is {kind}", hint="name a regular file, a new path or '-' (stdout)")


def _is_fd_link(path: str | Path) -> bool:
    """/dev/stdout, /dev/fd/N, /proc/<pid>/fd/N: a descriptor of a running process, never replaced by a new file."""
    parts = Path(os.path.abspath(path)).parts
    return str(path) in ("/dev/stdout", "/dev/stderr") or parts[:3] == ("/", "dev", "fd") \
        or (len(parts) >= 4 and parts[1] == "proc" and parts[3] == "fd")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """A path to write (by name) that becomes `path`: a temp file renamed over a regular file, or the device itself.

    The file gets the usual mode (0666 minus the umask): mkstemp's 0600 would hide reports from CI artifact
    uploaders and other users. Write errors become GuardError naming the path.
    """
    kind, real = output_kind(path)
    if kind == "stdout":
        raise GuardError(f"cannot write {path}: this output cannot go to stdout", hint="name a file")
    if kind == "through":
        with _as_write_error(path):
            yield real
        return
    with _as_write_error(path):
        real.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        os.close(fd)
        try:
            yield Path(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, real)
        except BaseException:
            with suppress(OSError):       # a failing unlink (read-only, EIO) must not hide the write's own error
                os.unlink(tmp)
            raise


@contextmanager
def _as_write_error(path: str | Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise write_error(path, exc) from None


def write_output(path: str | Path, data: str | bytes) -> None:
    """Write `data` to `path` ('-' is stdout) by the rules above."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    kind, _ = output_kind(path)
    if kind == "stdout":
        _write_stdout(raw)
        return
    with atomic_target(path) as target:
        # append when writing through: /dev/stderr redirected to a file must not truncate what is already there
        if kind == "through":
            sys.stdout.flush()
            sys.stderr.flush()
        with _as_write_error(path), open(target, "ab" if kind == "through" else "wb") as f:
            _write_all(f, raw)


def _write_stdout(raw: bytes) -> None:
    stream = sys.stdout
    try:
        stream.flush()
        buffer: BinaryIO | None = getattr(stream, "buffer", None)
        if buffer is not None:
            _write_all(buffer, raw)
            buffer.flush()
        else:                     # a text-only stream (pytest's capture): write text
            stream.write(raw.decode("utf-8"))
            stream.flush()
    except OSError as exc:
        raise write_error(STDOUT, exc) from None


def _write_all(f: BinaryIO, raw: bytes) -> None:
    """Write every byte; a short write is a full disk (a device such as /dev/full may report fewer bytes)."""
    written = f.write(raw)
    if written is not None and written < len(raw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
