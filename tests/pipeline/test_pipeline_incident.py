"""The incident, reproduced on an origin-style project: smoke built cache/train, the full config reads cache/tusz."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pipeline.conftest import Origin  # noqa: F401  (type of the fixtures)
from tusz_guard.cli import run


def check(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, dict[str, dict]]:
    out = config.parent.parent.parent / "report.json"
    code = run(["check", str(config), "--no-expectations", "--format", "json", "-o", str(out), *args])
    capsys.readouterr()
    return code, {f["id"]: f for f in json.loads(out.read_text())["checks"]}


def test_incident_blocks_and_names_both_cache_keys(incident: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, incident.root / "configs/local/train.yaml")
    assert code == 1
    paths = found["config.paths"]
    assert paths["status"] == "fail"
    assert ("configs/local/train.yaml: experiment.cache_dir = cache/full_training names a different cache than "
            "data.cache_dir = cache/tusz; brain-go-brr-v2 reads data.cache_dir (cache/tusz)") in paths["message"]
    consistency = found["config.consistency"]
    assert consistency["status"] == "fail"
    assert "read different caches: cache/tusz vs cache/train" in consistency["message"]
    assert "set data.cache_dir of configs/local/smoke.yaml to cache/tusz" in consistency["message"]


def test_incident_counts_live_recordings_and_names_the_smoke_cache(incident: Origin,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    train = incident.root / "configs/local/train.yaml"
    needed = len(incident.recordings(train, "train")) + len(incident.recordings(train, "val"))
    code, found = check(capsys, train)
    coverage = found["cache.coverage"]
    assert coverage["status"] == "fail"
    assert f"cache/tusz does not exist: {needed:,} recording(s) would be processed live" in coverage["message"]
    assert f"cache/train holds 4 of {needed:,} needed recordings; it is `data.cache_dir` of configs/local/smoke.yaml" \
        in coverage["message"]
    assert coverage["details"]["roles"]["train"]["missing"] == len(incident.recordings(train, "train"))


def test_after_the_fix_check_passes(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, fixed.root / "configs/local/train.yaml")
    assert code == 0, {k: f["message"] for k, f in found.items() if f["status"] not in ("pass", "warn")}
    assert found["cache.coverage"]["status"] == "pass"
    assert found["cache.index"]["status"] == "pass"
    assert found["cache.fingerprint"]["status"] == "warn"      # no stamp: the weaker test, said so
    assert "the weaker test" in found["cache.fingerprint"]["message"]


def test_after_the_fix_deep_reads_values_and_labels_agree(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, fixed.root / "configs/local/train.yaml", "--deep")
    assert code == 0
    assert "(--deep)" in found["cache.integrity"]["message"]
    assert "cache seizure time matches the annotations in all 17 current entries" in found["labels.seizures"]["message"]


def test_inventory_reads_the_pipeline_config(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["inventory", str(fixed.root / "configs/local/train.yaml"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["split_policy"] == "official"
    assert doc["totals"]["train"]["included"] == 11
