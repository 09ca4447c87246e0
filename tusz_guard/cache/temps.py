"""Temporary names in a cache, and which leftovers the builder may delete.

A name that merely looks temporary (`.tmp-notes-99999-abcd`) may be a user's file. The builder deletes a leftover
only when it carries this tool's marker: its name ends in `-<pid>-<token>` where <token> is a random per-process
token, and `<root>/.tmp-builder-<pid>-<token>` (written by that process before its first temp) records the same
pid and token on this host; and only when that process is gone.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import socket
from pathlib import Path

TEMP_PREFIX = ".tmp-"
MARKER_STEM = "builder"
TOOL = "tusz-guard"

_NAME = re.compile(r"^\.tmp-(?P<stem>.+)-(?P<pid>\d+)-(?P<token>[0-9a-f]{16})(?:\.\d+)?(?:-old)?$")
_tokens: dict[int, str] = {}           # pid -> token: a forked worker must not reuse its parent's
_marked: set[tuple[str, int]] = set()  # (cache root, pid) whose marker this process wrote
_counter = itertools.count()


def _token() -> str:
    pid = os.getpid()
    if pid not in _tokens:
        _tokens[pid] = secrets.token_hex(8)
    return _tokens[pid]


def marker_name(pid: int, token: str) -> str:
    return f"{TEMP_PREFIX}{MARKER_STEM}-{pid}-{token}"


def temp_name(root: Path, stem: str, suffix: str = "") -> str:
    """A fresh temp name for `stem` (written under `root`), after making sure this process's marker exists."""
    _ensure_marker(root)
    return f"{TEMP_PREFIX}{stem}-{os.getpid()}-{_token()}.{next(_counter)}{suffix}"


def _ensure_marker(root: Path) -> None:
    pid = os.getpid()
    if (str(root), pid) in _marked:
        return
    root.mkdir(parents=True, exist_ok=True)
    doc = {"tool": TOOL, "pid": pid, "host": socket.gethostname(), "token": _token()}
    path = root / marker_name(pid, _token())
    try:
        with open(path, "x", encoding="utf-8") as f:
            f.write(json.dumps(doc) + "\n")
    except FileExistsError:           # the same pid and token: written by this very process before
        pass
    _marked.add((str(root), pid))


def release_marker(root: Path) -> None:
    """Remove this process's marker once it has no temps left in `root` (end of a build)."""
    pid, token = os.getpid(), _token()
    if (str(root), pid) not in _marked:
        return
    suffix = f"-{pid}-{token}"
    left = [n for folder in (root, root / "entries") for n in _listdir(folder)
            if n.startswith(TEMP_PREFIX) and suffix in n and not is_marker(n)]
    if not left:
        with contextlib.suppress(OSError):
            (root / marker_name(pid, token)).unlink()
        _marked.discard((str(root), pid))


def _listdir(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def owner(name: str) -> tuple[int, str] | None:
    """(pid, token) of a temp name of this tool's grammar, None for any other name."""
    m = _NAME.match(name.rsplit("/", 1)[-1])
    return (int(m.group("pid")), m.group("token")) if m else None


def is_marker(name: str) -> bool:
    m = _NAME.match(name.rsplit("/", 1)[-1])
    return bool(m) and m.group("stem") == MARKER_STEM  # type: ignore[union-attr]


def builder_gone(root: Path, pid: int, token: str) -> bool:
    """True only when `root` holds this tool's marker for (pid, token) on this host and that process is gone."""
    from tusz_guard.corpus.files import open_regular
    from tusz_guard.jsonread import loads_bounded

    try:
        with open_regular(str(root / marker_name(pid, token))) as f:
            doc = loads_bounded(f.read(4096), max_bytes=4096)
    except (OSError, ValueError):
        return False
    if not isinstance(doc, dict) or (doc.get("tool"), doc.get("pid"), doc.get("token")) != (TOOL, pid, token):
        return False
    return doc.get("host") == socket.gethostname() and not pid_alive(pid)


def pid_alive(pid: int) -> bool:
    """Whether a process of this host runs under that pid (another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
