"""How errors reach the user (after pre-commit's error_handler): one line per expected error, and for a bug
one line plus a crash log with what a bug report needs. Used by the CLI and the pre-commit hook."""
from __future__ import annotations

import os
import platform
import shlex
import sys
import tempfile
import time
import traceback
from pathlib import Path

import click

from tusz_guard import __version__
from tusz_guard.errors import GuardError
from tusz_guard.results import ExitCode
from tusz_guard.textsafe import safe

LOG_DIR_ENV = "TUSZ_GUARD_LOG_DIR"   # where crash logs go (default: the system temp folder); tests point it at tmp


def print_error(exc: GuardError) -> None:
    """One line per problem (a config error may list several), each prefixed `error:`, foreign text escaped."""
    for line in str(exc).splitlines() or [""]:
        click.echo(f"error: {safe(line)}", err=True)


def internal_error(exc: BaseException) -> ExitCode:
    """A bug: one line on stderr, the traceback in a crash log; exit 3."""
    folder = Path(os.environ.get(LOG_DIR_ENV) or tempfile.gettempdir())
    log = folder / f"tusz-guard-crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log.write_text(crash_log(exc), encoding="utf-8")
        where = f"; traceback written to {log}"
    except OSError:
        where = ""
    click.echo(safe(f"internal error: {exc.__class__.__name__}: {exc}{where} (this is a bug in tusz-guard)"),
               err=True)
    return ExitCode.INTERNAL


def crash_log(exc: BaseException) -> str:
    """What a bug report needs, after pre-commit's error log: version, python, platform, command line, traceback."""
    return "\n".join([
        "### version information", "",
        f"tusz-guard version: {__version__}",
        f"python: {sys.version.splitlines()[0]} ({sys.executable})",
        f"platform: {platform.platform()}",
        f"command line: {shlex.join(sys.argv)}",
        f"working directory: {os.getcwd()}", "",
        "### traceback", "",
        "".join(traceback.format_exception(exc)),
    ])
