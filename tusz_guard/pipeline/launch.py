"""`run`'s pieces: find the config in a command line, and execute the command with signals forwarded."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tusz_guard.errors import GuardError
from tusz_guard.pipeline.profile import profile_for

CONFIG_SUFFIXES = (".yaml", ".yml")
FORWARDED = (signal.SIGINT, signal.SIGTERM)


def _candidates(args: Sequence[str], cwd: Path) -> list[Path]:
    """Every argument (and the value of --key=value) that names an existing file, resolved against cwd."""
    out = []
    for arg in args:
        for text in (arg, arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else None):
            if text and not text.startswith("-"):
                path = Path(os.path.normpath(cwd / Path(text).expanduser()))
                if path.is_file():
                    out.append(path)
    return out


def find_config(args: Sequence[str], cwd: Path) -> Path:
    """The first argument that is one of the profile's configs, else the first that is a tusz-guard config."""
    files = _candidates(args[1:], cwd)
    for path in files:
        if profile_for(path) is not None:
            return path
    from tusz_guard.config import load_config

    for path in files:
        if path.suffix in CONFIG_SUFFIXES:
            try:
                load_config(path)
                return path
            except GuardError:
                continue
    raise GuardError(f"no config found among the arguments of `{' '.join(args)}`",
                     hint="name it with `tusz-guard run --config CONFIG -- ...`")


EXIT_NOT_FOUND = 127          # the shell's codes for a command it cannot find or cannot execute
EXIT_NOT_EXECUTABLE = 126


def resolve_program(program: str, env: Mapping[str, str]) -> str | None:
    """The executable a command line would start (PATH from the command's own environment), or None."""
    return shutil.which(program, path=env.get("PATH", os.defpath))


def execute(args: Sequence[str], env: Mapping[str, str]) -> int:
    """Run the command with inherited stdin/stdout/stderr, SIGINT/SIGTERM forwarded; its exit code (128+N on signal N)."""
    try:
        child = subprocess.Popen(list(args), env=dict(env))
    except OSError as exc:
        raise GuardError(f"cannot start {args[0]}: {exc.strerror}", exit_code=EXIT_NOT_EXECUTABLE) from None
    previous = {sig: signal.signal(sig, lambda signum, _frame: child.send_signal(signum)) for sig in FORWARDED}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code
