"""`tusz-guard synth`: summary line, flags, refusals with exit code 2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tusz_guard.commands.synth import command

TINY = ("tiny corpus (seed 0): 20 EDF files (train 11, dev 6, eval 3), 9 patients, 0.7 h, "
        "11 defects (8 recordings expected excluded)")


def test_tiny_prints_one_summary_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, [str(tmp_path / "c"), "--profile", "tiny"])
    assert result.exit_code == 0, result.output
    assert result.output == f"synth: wrote {tmp_path / 'c' / 'edf'}: {TINY}\n"


def test_no_defects_and_seed(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, [str(tmp_path / "c"), "--profile", "tiny", "--seed", "0", "--no-defects"])
    assert result.exit_code == 0
    assert result.output.endswith(", 0 defects (0 recordings expected excluded)\n")
    truth = json.loads((tmp_path / "c" / "ground_truth.json").read_text())
    assert truth["defects"] is False and not any(r["defects"] for r in truth["recordings"])


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0 and "tusz-guard synth demo --profile demo" in result.output


def test_refusal_is_one_line_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tusz_guard.cli import run

    (tmp_path / "keep.txt").write_text("x")
    assert run(["synth", str(tmp_path), "--profile", "tiny"]) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path} is not empty and holds no tusz-guard synthetic corpus; "
                                       "nothing was written (choose a new or empty directory)\n")


def test_bad_profile_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, [str(tmp_path / "c"), "--profile", "huge"])
    assert result.exit_code == 2 and "'huge' is not one of 'tiny', 'demo', 'scale'" in result.output
