"""Issues 13.11, 13.12, 13.14: output streams, -o suffix formats, subcommand did-you-mean, crash-log content."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tusz_guard import __version__
from tusz_guard.cli import run


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "configs" / "train.yaml"
    path.parent.mkdir()
    path.write_text("experiment: {name: t}\n")
    return path


@pytest.mark.parametrize(("typo", "meant"), [
    ("chek", "check"), ("verify-arch", "verify-archive"), ("inventroy", "inventory")])
def test_unknown_subcommand_suggests_the_nearest(typo: str, meant: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([typo]) == 2
    assert f"Error: No such command '{typo}'; did you mean '{meant}'?" in capsys.readouterr().err


def test_unknown_subcommand_without_a_near_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["zzzz"]) == 2
    assert "Error: No such command 'zzzz'." in capsys.readouterr().err


@pytest.mark.parametrize(("suffix", "probe"), [
    ("json", '"checks"'), ("xml", "<testsuites"), ("html", "<!DOCTYPE html"), ("txt", "PASS  config.schema"),
    ("md", "### tusz-guard check: PASS"),
])
def test_output_suffix_picks_the_format(config: Path, tmp_path: Path, suffix: str, probe: str) -> None:
    out = tmp_path / f"report.{suffix}"
    assert run(["check", str(config), "--select", "config.*", "-o", str(out)]) == 0
    assert probe in out.read_text()


def test_machine_output_leaves_stdout_alone(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", str(config), "--select", "config.*", "--format", "json", "-o", str(tmp_path / "r.json")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[0].startswith("cache_dir: ")
    assert captured.err.splitlines()[-1] == f"report: {tmp_path / 'r.json'}"


def test_crash_log_goes_to_the_log_dir_with_versions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import tusz_guard.commands.inventory as inv

    def boom(*_: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(inv, "build_ledger", boom)
    monkeypatch.setenv("TUSZ_GUARD_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(sys, "argv", ["tusz-guard", "inventory", str(config)])
    assert run(["inventory", str(config)]) == 3
    (log,) = (tmp_path / "logs").glob("tusz-guard-crash-*.log")
    assert f"traceback written to {log} " in capsys.readouterr().err
    text = log.read_text()
    assert f"tusz-guard version: {__version__}\n" in text
    assert f"python: {sys.version.splitlines()[0]}" in text
    assert f"command line: tusz-guard inventory {config}\n" in text
    assert text.rstrip().endswith("RuntimeError: kaboom")


def test_dash_output_leaves_stdout_to_the_report(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    assert run(["check", str(config), "--select", "config.*", "--format", "json", "-o", "-"]) == 0
    captured = capsys.readouterr()
    if captured.out:            # `-o -` writing to stdout is atomic.py's (helper "io"); here: nothing else is there
        assert json.loads(captured.out)["status"] == "pass"
    assert "cache_dir: " in captured.err and "PASS: " in captured.err
    assert "report: -" not in captured.err
