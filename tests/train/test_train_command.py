from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tusz_guard.cli import run


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_blocked_run_exits_1_without_training_output(tiny_corpus: Path, make_project: Callable[..., Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(tiny_corpus)
    code, out = _run(["train", str(config)], capsys)
    assert code == 1
    assert "blocked: 1 check(s) block training: cache.coverage" in out
    assert "FAIL  cache.coverage: cache/tusz does not exist: 9 recording(s) would be processed live" in out
    assert "no training output written" in out
    assert "build the cache first (`tusz-guard build-cache configs/train.yaml`), or pass --allow-live" in out
    project = config.parent.parent
    assert not (project / "results").exists()           # a blocked run creates no training output at all
    assert not (project / "cache").exists()
    assert json.loads((project / "reports" / "latest.json").read_text())["status"] == "fail"


def test_allow_live_does_not_override_other_blocks(tiny_corpus: Path, make_project: Callable[..., Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(tiny_corpus, windows={"length_s": 3600.0, "stride_s": 10.0})
    code, out = _run(["train", str(config), "--allow-live"], capsys)
    assert code == 1
    assert "--allow-live only builds missing cache entries; fix the other checks first" in out
    assert "windows.count" in out.split("blocked:")[1].splitlines()[0]
    assert not (config.parent.parent / "cache").exists()
    assert not (config.parent.parent / "results" / "train" / "checkpoint.pt").exists()


def test_allow_live_builds_then_a_cached_run_hits_everything(tiny_corpus: Path, make_project: Callable[..., Path],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = make_project(tiny_corpus, windows={"length_s": 10.0, "stride_s": 10.0})     # little compute
    code, out = _run(["train", str(config), "--allow-live", "--epochs", "1"], capsys)
    assert code == 0, out
    assert "WARNING --allow-live: building 10 missing cache entries" in out
    # regression: the live build printed past the trainer's log (train imported the build-cache command)
    assert "build-cache: plan for role(s) train, val" in out and "build-cache: built 10, replaced 0" in out
    assert "cache hits:  0/10 recordings (0.0%)" in out
    results = config.parent.parent / "results" / "train"
    live_run = json.loads((results / "run.json").read_text())
    assert live_run["allow_live"]["allowed"] is True and len(live_run["allow_live"]["built"]) == 10
    assert live_run["cache_hits"]["percent"] == 0.0

    code, out = _run(["train", str(config), "--epochs", "1"], capsys)
    assert code == 0, out
    assert "cache hits:  10/10 recordings (100.0%)" in out
    cached_run = json.loads((results / "run.json").read_text())
    assert cached_run["allow_live"] == {"allowed": False, "built": [], "seconds": 0.0}
    assert cached_run["windows"] == {"train": 59, "val": 48}
    assert cached_run["status"] == "finished" and cached_run["device"] == "cpu"
    assert cached_run["cache_dir"] == str(config.parent.parent / "cache" / "tusz")
    epochs = json.loads((results / "metrics.json").read_text())["epochs"]
    assert [e["epoch"] for e in epochs] == [1]
    assert {p.name for p in results.iterdir()} >= {"checkpoint.pt", "config.resolved.yaml", "metrics.json", "run.json"}


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_device_is_a_usage_error(tiny_corpus: Path, make_project: Callable[..., Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(["train", str(make_project(tiny_corpus)), "--device", "cuda"], capsys)
    assert code == 2
    assert "error: --device cuda: no CUDA device is available to torch" in out


def test_importing_the_command_does_not_import_torch() -> None:
    probe = "import sys, tusz_guard.commands.train, tusz_guard.train.gated; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


@pytest.mark.slow
def test_demo_corpus_model_learns_the_seizures(tmp_path: Path, make_project: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from tusz_guard.synth import generate

    generate(tmp_path / "demo", "demo", seed=0)
    config = make_project(tmp_path / "demo", training={"epochs": 2, "batch_size": 16})
    assert _run(["build-cache", str(config)], capsys)[0] == 0
    code, out = _run(["train", str(config)], capsys)
    assert code == 0, out
    epochs = json.loads((config.parent.parent / "results" / "train" / "metrics.json").read_text())["epochs"]
    assert max(e["val_auroc"] for e in epochs) > 0.8
