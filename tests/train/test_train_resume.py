"""train --resume: a killed or time-limited run goes on exactly, and only from its own checkpoint (issue 17.5)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch
import yaml
from cachefixture import FINGERPRINT, labels_with, make_plan

from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.config.overrides import collect
from tusz_guard.errors import GuardError
from tusz_guard.train.checkpoint import SCHEMA, for_run
from tusz_guard.train.data import cache_hits
from tusz_guard.train.run import LiveRecord, RunRequest, run_training

RATE = 256
SHORT = {"windows": {"length_s": 4.0, "stride_s": 2.0}}


def _spec() -> dict[str, tuple[str, np.ndarray]]:
    spec = {}
    for i in range(6):
        start = (5 + 3 * i) * RATE
        spec[f"aaaaaaa{chr(97 + i)}_s001_t000"] = ("train" if i < 4 else "val",
                                                   labels_with(40 * RATE, [(start, start + 12 * RATE)]))
    return spec


def _train(cfg, plan, epochs: int, resume=None, every: float | None = None) -> list[dict]:
    req = RunRequest(fingerprint=FINGERPRINT, plan=plan, hits=cache_hits(plan), live=LiveRecord(False),
                     epochs=epochs, device="cpu", resume=resume, checkpoint_every_s=every)
    run_training(cfg, req, lambda _line: None)
    return json.loads((cfg.output_dir / "metrics.json").read_text())["epochs"]


def _without_time(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_a_resumed_run_reproduces_the_uninterrupted_metrics(make_project: Callable[..., Path], tmp_path: Path) -> None:
    _, plan = make_plan(tmp_path / "cache", _spec())
    straight = load_config(make_project(tmp_path, name="a", cache_dir=str(tmp_path / "cache"), **SHORT))
    whole = _train(straight, plan, 3)
    split = load_config(make_project(tmp_path, name="b", cache_dir=str(tmp_path / "cache"), **SHORT))
    _train(split, plan, 1)                                  # "killed" after epoch 1: the checkpoint is all there is
    resumed = _train(split, plan, 3, for_run("latest", split, FINGERPRINT))
    assert [r["epoch"] for r in resumed] == [1, 2, 3]
    assert _without_time(resumed) == _without_time(whole)
    a = torch.load(straight.output_dir / "checkpoint.pt", weights_only=True)
    b = torch.load(split.output_dir / "checkpoint.pt", weights_only=True)
    assert a["schema"] == SCHEMA and all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    record = json.loads((split.output_dir / "run.json").read_text())
    assert record["resumed_from"]["epoch"] == 1 and record["overrides"] == []


class _Killed(BaseException):
    pass


def test_a_run_killed_inside_an_epoch_resumes_from_its_batch(make_project: Callable[..., Path], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """--checkpoint-every: killed after the 13th mid-epoch checkpoint (inside epoch 2), the resumed run skips the
    batches it had done, goes on with the running loss, and ends exactly where an uninterrupted run ends."""
    from tusz_guard.train import outputs

    _, plan = make_plan(tmp_path / "cache", _spec())
    straight = load_config(make_project(tmp_path, name="a", cache_dir=str(tmp_path / "cache"), **SHORT))
    whole = _train(straight, plan, 3)
    split = load_config(make_project(tmp_path, name="b", cache_dir=str(tmp_path / "cache"), **SHORT))
    real = outputs.write_checkpoint
    partials = []

    def kill_after_13(*args, **kwargs):
        real(*args, **kwargs)
        if kwargs.get("partial") is not None:
            partials.append(kwargs["partial"])
            if len(partials) == 13:
                raise _Killed()

    monkeypatch.setattr(outputs, "write_checkpoint", kill_after_13)
    with pytest.raises(_Killed):
        _train(split, plan, 3, every=0.0)
    monkeypatch.setattr(outputs, "write_checkpoint", real)
    saved = torch.load(split.output_dir / "checkpoint.pt", weights_only=True)
    assert saved["epoch"] == 1 and saved["partial"]["epoch"] == 2 and 0 < saved["partial"]["batches"] < 10
    resumed = _train(split, plan, 3, for_run("latest", split, FINGERPRINT))
    assert _without_time(resumed) == _without_time(whole)
    a = torch.load(straight.output_dir / "checkpoint.pt", weights_only=True)["model"]
    b = torch.load(split.output_dir / "checkpoint.pt", weights_only=True)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("change, words", [
    ("windows.stride_s=1.0", "windows.stride_s: checkpoint 2.0, now 1.0"),
    ("labels.seizure=[gnsz]", "labels.seizure: checkpoint ["),
    ("training.batch_size=3", "training.batch_size: checkpoint 8, now 3"),
    ("data.cache_dir=elsewhere", "cache_dir: checkpoint"),
])
def test_a_checkpoint_of_another_run_is_refused_naming_the_difference(make_project: Callable[..., Path],
                                                                      tmp_path: Path, change: str, words: str) -> None:
    _, plan = make_plan(tmp_path / "cache", _spec())
    path = make_project(tmp_path, cache_dir=str(tmp_path / "cache"), **SHORT)
    _train(load_config(path), plan, 1)
    with pytest.raises(GuardError) as err:
        for_run("latest", load_config(path, collect((change,), {})), FINGERPRINT)
    assert err.value.exit_code == 1 and words in str(err.value)


def test_another_fingerprint_is_refused(make_project: Callable[..., Path], tmp_path: Path) -> None:
    _, plan = make_plan(tmp_path / "cache", _spec())
    cfg = load_config(make_project(tmp_path, cache_dir=str(tmp_path / "cache"), **SHORT))
    _train(cfg, plan, 1)
    with pytest.raises(GuardError, match=f"fingerprint: checkpoint {FINGERPRINT}, now 0000"):
        for_run("latest", cfg, "0000111122223333")


class _NotOurs:
    pass


@pytest.mark.parametrize("kind, words", [
    ("pickled", "refused: it holds objects other than tensors"),
    ("truncated", "not a readable checkpoint"),
    ("text", "not a readable checkpoint"),
    ("foreign", "not a resumable tusz-guard checkpoint"),
    ("absent", "checkpoint not found"),
])
def test_a_checkpoint_that_is_not_ours_is_one_line(make_project: Callable[..., Path], tmp_path: Path,
                                                   kind: str, words: str) -> None:
    _, plan = make_plan(tmp_path / "cache", _spec())
    cfg = load_config(make_project(tmp_path, cache_dir=str(tmp_path / "cache"), **SHORT))
    _train(cfg, plan, 1)
    bad = tmp_path / "bad.pt"
    good = (cfg.output_dir / "checkpoint.pt").read_bytes()
    if kind == "pickled":
        torch.save({"schema": SCHEMA, "payload": _NotOurs()}, bad)
    elif kind == "truncated":
        bad.write_bytes(good[: len(good) // 2])
    elif kind == "text":
        bad.write_text("not a checkpoint\n")
    elif kind == "foreign":
        torch.save({"epoch": 3, "model": {}}, bad)
    with pytest.raises(GuardError) as err:
        for_run(str(bad), cfg, FINGERPRINT)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_resume_latest_without_a_checkpoint_starts_fresh(make_project: Callable[..., Path], tmp_path: Path) -> None:
    """A launcher passes --resume latest to every job: the first one has nothing to resume and starts at epoch 1."""
    cfg = load_config(make_project(tmp_path, cache_dir=str(tmp_path / "cache"), **SHORT))
    assert for_run("latest", cfg, FINGERPRINT) is None


@pytest.mark.slow
def test_kill_9_then_resume_latest_finishes_with_the_same_metrics(tiny_clean_corpus: Path, tmp_path: Path) -> None:
    """The real command, the real corpus: SIGKILL after the first checkpoint, then --resume latest."""
    project = tmp_path / "p"
    (project / "configs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    doc = {"experiment": {"name": "k", "seed": 7, "output_dir": "results/k"},
           "data": {"data_dir": str(tiny_clean_corpus / "edf"), "cache_dir": "cache/tusz"},
           "preprocessing": {"sampling_rate": 64, "bandpass": [0.5, 30.0], "notch": None},
           "training": {"epochs": 6, "batch_size": 8}}
    cfg = project / "configs" / "k.yaml"
    cfg.write_text(yaml.safe_dump(doc))
    assert run(["build-cache", str(cfg), "--workers", "1"]) == 0
    ckpt = project / "results" / "k" / "checkpoint.pt"
    proc = subprocess.Popen([sys.executable, "-m", "tusz_guard.cli", "train", str(cfg)], cwd=project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = torch.load(ckpt, weights_only=True)["epoch"]
    assert run(["train", str(cfg), "--resume", "latest"]) == 0
    resumed = json.loads((project / "results" / "k" / "metrics.json").read_text())["epochs"]
    doc["experiment"]["output_dir"] = "results/straight"
    cfg.write_text(yaml.safe_dump(doc))
    assert run(["train", str(cfg)]) == 0
    straight = json.loads((project / "results" / "straight" / "metrics.json").read_text())["epochs"]
    assert killed_at < 6
    assert _without_time(resumed) == _without_time(straight)
