"""Issue 13.16: counts read as English; inventory rows carry per-file windows, seizure events and seconds."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tusz_guard.checks.corpus_checks import interpolation_text
from tusz_guard.checks.label_checks import _labels_seen
from tusz_guard.cli import run


@pytest.mark.parametrize(("files", "channels", "text"), [
    (0, [], "no file needs an interpolated channel"),
    (1, ["Fz"], "1 file interpolates Fz"),
    (3, ["Fz", "Pz"], "3 files interpolate Fz, Pz"),
])
def test_interpolation_text(files: int, channels: list[str], text: str) -> None:
    assert interpolation_text(files, channels) == text


@pytest.mark.parametrize(("count", "text"), [
    (0, "no label seen; nothing to check"), (1, "the one label seen is"), (2, "all 2 labels seen are")])
def test_labels_seen(count: int, text: str) -> None:
    assert _labels_seen(count) == text


def test_inventory_rows_carry_windows_and_seizures(tiny_corpus: Path, make_project,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cfg = make_project(tiny_corpus)
    assert run(["inventory", str(cfg), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    truth = {r["path"]: r for r in json.loads((tiny_corpus / "ground_truth.json").read_text())["recordings"]}
    included = [r for r in data["recordings"] if r["status"] == "included"]
    assert included
    for row in included:
        seizures = truth[row["path"]]["seizures"]
        assert row["seizure_events"] == len(seizures), row["path"]
        assert row["seizure_s"] == pytest.approx(sum(end - start for start, end, _ in seizures), abs=0.01)
    for role, totals in data["totals"].items():
        assert sum(r["windows"] for r in included if r["role"] == role) == totals["windows_expected"]
    assert run(["inventory", str(cfg), "--format", "csv"]) == 0
    header = next(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert {"windows", "seizure_events", "seizure_s"} <= set(header)


def test_coverage_names_only_sibling_caches_that_hold_something(project: Path, tiny_clean_corpus: Path, write_cfg,
                                                                 run_check) -> None:
    from tusz_guard.cache.store import META_NAME

    empty = project / "cache" / "empty"
    empty.mkdir()
    meta = json.loads((project / "cache" / "tusz" / META_NAME).read_text())
    (empty / META_NAME).write_text(json.dumps({**meta, "throughput": None}))    # same fingerprint, no entries
    cfg = write_cfg(project, "train", tiny_clean_corpus / "edf", cache_dir="cache/new")
    f = run_check(cfg, "cache.coverage")
    assert f.status == "fail"
    assert "cache/tusz holds 17 of 17 needed recordings" in f.message
    assert "cache/empty" not in f.message
