"""A light start: `--help`, `--version` and `check --help` import neither numpy nor pydantic."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from tusz_guard.cli import COMMANDS, summary

PROBE = """
import contextlib, io, json, sys
from tusz_guard.cli import run
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = run(sys.argv[1:])
heavy = sorted(m for m in ("numpy", "pydantic", "yaml", "rich", "torch") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue()}))
"""


def probe(*args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("check", "--help"), ("-h",)])
def test_help_and_version_import_neither_numpy_nor_pydantic(args: tuple[str, ...]) -> None:
    result = probe(*args)
    assert result["code"] == 0
    assert result["heavy"] == []
    assert result["out"]


def test_the_full_check_still_loads_its_machinery() -> None:     # the probe can tell: this one imports pydantic
    assert "pydantic" in probe("check", "--list")["heavy"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_summaries_are_the_commands_docstrings(name: str) -> None:
    command = importlib.import_module(COMMANDS[name]).command
    for limit in (40, 60, 300):
        assert summary(name, limit) == command.get_short_help_str(limit)


def test_help_lists_every_command() -> None:
    text = str(probe("--help")["out"])
    assert [line.split()[0] for line in text.split("Commands:\n")[1].splitlines()] == sorted(COMMANDS)


def test_verify_archive_without_a_config_imports_no_config_machinery(tmp_path) -> None:   # noqa: ANN001
    # Issue 15.5: start-up is part of verify-archive's time against `zstd -dc`; only --config needs pydantic.
    import io
    import tarfile

    from tusz_guard.archive.streams import Compressor

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("cache/tusz/index.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    archive = tmp_path / "a.tar.zst"
    with archive.open("wb") as fh:
        c = Compressor(fh, "zst")
        c.write(buf.getvalue())
        c.close()
    result = probe("verify-archive", str(archive))
    assert result["code"] in (0, 1) and "archive:" in str(result["out"])
    assert "pydantic" not in result["heavy"] and "yaml" not in result["heavy"] and "numpy" not in result["heavy"]


@pytest.mark.parametrize("family", ["archive", "windows", "labels", "config"])
def test_registered_by_family_is_the_registry_filtered(family: str) -> None:
    # A fresh interpreter: in this one another test may have loaded every check module already.
    code = ("import sys; from tusz_guard.checks.engine import registered; first = [c.id for c in registered(sys.argv[1])]; "
            "print(first == [c.id for c in registered() if c.family == sys.argv[1]] and len(first))")
    out = subprocess.run([sys.executable, "-c", code, family], capture_output=True, text=True, check=True)
    assert int(out.stdout) > 0, out.stdout
