"""Every command's --help shows an example; shell completion works as docs/shell-completion.md says."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tusz_guard import hooks
from tusz_guard.cli import COMMANDS, run

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_shows_an_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run([name, "--help"])
    out = capsys.readouterr().out
    assert code == 0, f"tusz-guard {name} --help failed (is tusz_guard/commands/{name.replace('-', '_')}.py there?)"
    after = out.split("Example", 1)[1] if "Example" in out else ""
    examples = [line for line in after.splitlines() if line.strip().startswith(f"tusz-guard {name} ")]
    assert examples, f"tusz-guard {name} --help has no 'Examples:' section with a `tusz-guard {name} ...` line"


def test_hook_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert hooks.run(["--help"]) == 0
    assert "  tusz-guard-config configs/train.yaml\n" in capsys.readouterr().out


def _complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_TUSZ_GUARD_COMPLETE": "bash_complete"}
    done = subprocess.run([str(BIN / "tusz-guard")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_completion_lists_commands_and_options() -> None:
    assert _complete("tusz-guard ch", 1) == ["plain,check"]
    assert "plain,--select" in _complete("tusz-guard check configs/train.yaml --s", 3)


def test_completion_script_for_each_shell() -> None:
    for shell, marker in (("bash", "_tusz_guard_completion()"), ("zsh", "#compdef tusz-guard"),
                          ("fish", "function _tusz_guard_completion")):
        env = {**os.environ, "_TUSZ_GUARD_COMPLETE": f"{shell}_source"}
        done = subprocess.run([str(BIN / "tusz-guard")], env=env, capture_output=True, text=True)
        assert marker in done.stdout, (shell, done.stdout[:200])
