"""`tusz-guard run -- COMMAND`: the command starts only when the check passes; its exit code is returned."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pipeline.conftest import Origin
from tusz_guard.cli import run

# A tiny "trainer": writes a marker file and exits with the code given.
TRAINER = "import pathlib, sys; pathlib.Path(sys.argv[2]).write_text('ran'); sys.exit(int(sys.argv[3]))"


def trainer(config: Path, marker: Path, code: int = 0) -> list[str]:
    return [sys.executable, "-c", TRAINER, str(config), str(marker), str(code)]


def test_run_blocks_the_incident_and_never_starts_the_command(incident: Origin, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "marker"
    config = incident.root / "configs/local/train.yaml"
    assert run(["run", "--no-expectations", "--", *trainer(config, marker)]) == 1
    assert not marker.exists()
    err = capsys.readouterr().err
    assert "blocked: config.paths, config.consistency, cache.coverage;" in err
    report = json.loads((incident.root / "reports/latest.json").read_text())
    assert report["sections"]["run"]["command"] == trainer(config, marker)
    assert report["sections"]["run"]["started"] is False


def test_run_starts_the_command_when_the_check_passes(fixed: Origin, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "marker"
    config = fixed.root / "configs/local/train.yaml"
    assert run(["run", "--no-expectations", "--", *trainer(config, marker, 7)]) == 7    # the command's exit code
    assert marker.read_text() == "ran"
    assert json.loads((fixed.root / "reports/latest.json").read_text())["sections"]["run"]["started"] is True


def test_run_judges_the_environment_the_command_gets(fixed: Origin, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BGB_LIMIT_FILES", "50")
    marker = tmp_path / "marker"
    config = fixed.root / "configs/local/train.yaml"
    assert run(["run", "--no-expectations", "--", *trainer(config, marker)]) == 1
    assert not marker.exists()
    assert "blocked: config.paths;" in capsys.readouterr().err


def test_run_finds_the_config_given_with_an_option(fixed: Origin, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "marker"
    config = fixed.root / "configs/local/train.yaml"
    cmd = [sys.executable, "-c", TRAINER, f"--config={config}", str(marker), "0"]
    assert run(["run", "--no-expectations", "--", *cmd]) == 0
    assert marker.exists()


def test_run_with_a_tusz_guard_config(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "marker"
    config = project / "configs/train.yaml"
    assert run(["run", "--no-expectations", "--config", str(config), "--", *trainer(config, marker)]) == 0
    assert marker.exists()


def test_a_missing_command_is_exit_127(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["run", "--", "no-such-trainer-xyz", str(fixed.root / "configs/local/train.yaml")]) == 127
    assert capsys.readouterr().err.strip() == "error: command not found: no-such-trainer-xyz"


def test_a_file_that_is_not_executable_is_exit_126(fixed: Origin, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "train.sh"
    script.write_text("#!/bin/sh\necho started > started\n")          # no chmod +x
    assert run(["run", "--", str(script), str(fixed.root / "configs/local/train.yaml")]) == 126
    assert capsys.readouterr().err.strip() == f"error: cannot run {script}: it is not executable (chmod +x {script})"


def test_stdin_reaches_the_command(fixed: Origin, tmp_path: Path) -> None:
    """stdin, stdout and stderr are the command's own (a trainer that reads a prompt or a pipe still works)."""
    body = "import sys; data = sys.stdin.read(); print('got', data.strip()); sys.exit(7 if data else 3)"
    proc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "run", "--", sys.executable, "-c", body,
                           str(fixed.root / "configs/local/train.yaml")], input="hello from the pipe\n",
                          capture_output=True, text=True, cwd=fixed.root, timeout=300)
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout.strip() == "got hello from the pipe"


def test_no_config_in_the_command_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["run", "--", sys.executable, "-c", "pass"]) == 2
    assert "no config found among the arguments" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_sigterm_is_forwarded_to_the_command(fixed: Origin, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    body = ("import pathlib, signal, sys, time\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
            f"pathlib.Path({str(ready)!r}).write_text('x')\n"
            "time.sleep(60)\n")
    config = fixed.root / "configs/local/train.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "tusz_guard.cli", "run", "--no-expectations", "--",
                             sys.executable, "-c", body, str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert ready.exists()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 42
