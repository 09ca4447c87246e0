"""The CLI's contract: exit codes, one-line errors, machine-readable inventory, a light fast path."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tusz_guard.cli import run


def test_inventory_json_shape(tiny_corpus: Path, make_project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["inventory", str(make_project(tiny_corpus)), "--format", "json"]) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["schema"] == "tusz-guard/inventory/v1"
    assert set(data["recordings"][0]) == {"path", "role", "patient", "session", "montage", "sfreq", "duration_s",
                                          "n_signals", "status", "reason", "windows", "seizure_events", "seizure_s",
                                          "notes"}
    assert set(data["totals"]) == {"train", "val", "test"}
    assert set(data["totals"]["train"]) == {"found", "included", "excluded", "patients", "hours",
                                            "windows_expected", "seizure_seconds"}
    truth = json.loads((tiny_corpus / "ground_truth.json").read_text())
    assert len(data["recordings"]) == len(truth["recordings"])
    assert "cache_dir: " in out.err          # resolved paths are printed, on stderr for JSON


def test_inventory_table_prints_resolved_paths_and_funnel(tiny_corpus: Path, make_project,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cfg = make_project(tiny_corpus)
    assert run(["inventory", str(cfg)]) == 0
    out = capsys.readouterr().out
    project = cfg.parent.parent
    assert out.splitlines()[2] == f"cache_dir: {project / 'cache' / 'tusz'}"
    assert "train/: " in out and " -> " in out


def test_inventory_csv_has_every_recording(tiny_corpus: Path, make_project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["inventory", str(make_project(tiny_corpus)), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    truth = json.loads((tiny_corpus / "ground_truth.json").read_text())
    assert sorted(r["path"] for r in rows) == sorted(r["path"] for r in truth["recordings"])


@pytest.mark.parametrize(("name", "fmt"), [("i.csv", "csv"), ("i.JSON", "json"), ("i.txt", "table")])
def test_the_output_suffix_picks_the_format(tiny_corpus: Path, make_project, tmp_path: Path, name: str,
                                            fmt: str) -> None:
    """`inventory -o i.csv` used to write the table (issue 13.11): the suffix names the format, like check -o."""
    out = tmp_path / name
    assert run(["inventory", str(make_project(tiny_corpus)), "-o", str(out)]) == 0
    text = out.read_text()
    if fmt == "csv":
        assert text.startswith("path,")
    elif fmt == "json":
        assert json.loads(text)["schema"] == "tusz-guard/inventory/v1"
    else:
        assert not text.startswith(("path,", "{"))
    assert run(["inventory", str(make_project(tiny_corpus)), "--format", "json", "-o", str(out)]) == 0
    assert json.loads(out.read_text())            # an explicit --format wins over the suffix


@pytest.mark.parametrize(("args", "code", "fragment"), [
    (["inventory", "nope.yaml"], 2, "config file not found"),
    (["inventory"], 2, "Missing argument"),
    (["no-such-command"], 2, "No such command"),
])
def test_usage_errors_exit_2_with_one_line(args: list[str], code: int, fragment: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run(args) == code
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err


def test_typo_in_config_is_exit_2_with_did_you_mean(tiny_corpus: Path, make_project,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cfg = make_project(tiny_corpus, data={"cahce_dir": "cache/x"})
    assert run(["inventory", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("==> At key: data.cahce_dir unknown key 'cahce_dir'; did you mean 'data.cache_dir'?")
    assert len(err.splitlines()) == 1


def test_internal_error_is_exit_3_with_log(monkeypatch: pytest.MonkeyPatch, tiny_corpus: Path, make_project,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import tusz_guard.commands.inventory as inv

    def boom(*_: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(inv, "build_ledger", boom)
    assert run(["inventory", str(make_project(tiny_corpus))]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom; traceback written to " in err
    log = Path(err.split("traceback written to ")[1].split(" (this is a bug")[0])
    assert "RuntimeError: kaboom" in log.read_text()


@pytest.mark.parametrize("command", ["inventory", "check"])
def test_fast_path_imports_no_heavy_modules(command: str, tiny_corpus: Path, make_project) -> None:
    cfg = make_project(tiny_corpus)
    code = (
        "import sys\nfrom tusz_guard.cli import run\n"
        f"rc = run([{command!r}, {str(cfg)!r}, '--format', 'json'] + ({command!r} == 'check') * ['--no-expectations'])\n"
        "heavy = sorted(m for m in ('torch', 'great_expectations', 'mne', 'scipy.signal', 'dask', 'distributed', 'pandas')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy, rc, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    line = [text for text in proc.stderr.splitlines() if text.startswith("HEAVY")]
    assert line, proc.stderr[-2000:]
    assert line[0].startswith("HEAVY [] ")
