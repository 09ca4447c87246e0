from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch
from cachefixture import FINGERPRINT, labels_with, make_plan

from tusz_guard.config import load_config
from tusz_guard.errors import GuardError
from tusz_guard.train.data import cache_hits
from tusz_guard.train.loop import NonFiniteLoss
from tusz_guard.train.run import LiveRecord, RunRequest, run_training

RATE = 256
SHORT = {"windows": {"length_s": 4.0, "stride_s": 2.0}}


def _spec(n_train: int = 4, n_val: int = 2) -> dict[str, tuple[str, np.ndarray]]:
    spec = {}
    for i in range(n_train + n_val):
        role = "train" if i < n_train else "val"
        start = (5 + 3 * i) * RATE
        spec[f"aaaaaaa{chr(97 + i)}_s001_t000"] = (role, labels_with(40 * RATE, [(start, start + 12 * RATE)]))
    return spec


def _request(plan, expected: dict[str, int] | None = None, epochs: int = 2) -> RunRequest:
    return RunRequest(fingerprint=FINGERPRINT, plan=plan, hits=cache_hits(plan), live=LiveRecord(False),
                      epochs=epochs, device="cpu", expected_windows=expected)


def _project(make_project: Callable[..., Path], tmp_path: Path, name: str = "train", **extra: dict) -> Path:
    return make_project(tmp_path, name=name, cache_dir=str(tmp_path / "cache"), **SHORT, **extra)


def test_run_writes_every_output(make_project: Callable[..., Path], tmp_path: Path) -> None:
    cfg = load_config(_project(make_project, tmp_path))
    _, plan = make_plan(tmp_path / "cache", _spec())
    lines: list[str] = []
    history = run_training(cfg, _request(plan, {"train": 76, "val": 38}), lines.append)
    out = cfg.output_dir
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "config.resolved.yaml", "metrics.json", "run.json"]
    metrics = json.loads((out / "metrics.json").read_text())["epochs"]
    assert [m["epoch"] for m in metrics] == [1, 2] and len(history) == 2
    assert set(metrics[0]) == {"epoch", "train_loss", "val_loss", "val_auroc", "val_sensitivity",
                               "val_specificity", "seconds"}
    run = json.loads((out / "run.json").read_text())
    assert (run["status"], run["fingerprint"], run["cache_dir"]) == ("finished", FINGERPRINT, str(tmp_path / "cache"))
    assert run["windows"] == {"train": 76, "val": 38}
    assert run["cache_hits"]["percent"] == 100.0 and run["allow_live"]["allowed"] is False
    assert run["seizure_ratio"] == pytest.approx(run["targets"]["positive"] / run["targets"]["total"])
    assert lines[0] == f"cache:       {tmp_path / 'cache'} (fingerprint {FINGERPRINT})"
    assert lines[1] == "cache hits:  6/6 recordings (100.0%)"
    assert torch.load(out / "checkpoint.pt", weights_only=True)["epoch"] == 2


def test_same_seed_same_metrics(make_project: Callable[..., Path], tmp_path: Path) -> None:
    _, plan = make_plan(tmp_path / "cache", _spec())
    runs = []
    for name in ("a", "b"):
        cfg = load_config(_project(make_project, tmp_path, name=name))
        runs.append([{k: v for k, v in vars(m).items() if k != "seconds"}
                     for m in run_training(cfg, _request(plan), lambda _: None)])
    assert runs[0] == runs[1]
    weights = [torch.load(tmp_path / "project" / "results" / n / "checkpoint.pt", weights_only=True)["model"]
               for n in ("a", "b")]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_window_count_mismatch_stops_before_any_output(make_project: Callable[..., Path], tmp_path: Path) -> None:
    cfg = load_config(_project(make_project, tmp_path))
    _, plan = make_plan(tmp_path / "cache", _spec())
    with pytest.raises(GuardError, match=r"^window counts differ from the preflight's windows.count "
                                         r"\(train: dataset 76, preflight 80\)") as info:
        run_training(cfg, _request(plan, {"train": 80, "val": 38}), lambda _: None)
    assert info.value.exit_code == 1
    assert not cfg.output_dir.exists()


def test_non_finite_loss_names_the_batch(make_project: Callable[..., Path], tmp_path: Path) -> None:
    cfg = load_config(_project(make_project, tmp_path, training={"epochs": 1, "batch_size": 200}))
    store, plan = make_plan(tmp_path / "cache", _spec())
    signal = np.array(store.load_signal("aaaaaaaa_s001_t000", mmap=False))
    signal[3, 100] = np.nan
    np.save(store.signal_path("aaaaaaaa_s001_t000"), signal)
    with pytest.raises(NonFiniteLoss, match=r"^non-finite loss \(nan\) at epoch 1 batch 0 \(59 windows; "
                                            r"non-finite input in aaaaaaaa_s001_t000@0\) ") as info:
        run_training(cfg, _request(plan, epochs=1), lambda _: None)
    assert info.value.exit_code == 1
    assert not (cfg.output_dir / "checkpoint.pt").exists()
    assert json.loads((cfg.output_dir / "run.json").read_text())["status"] == "stopped"


def test_model_learns_the_fixture_rhythm(make_project: Callable[..., Path], tmp_path: Path) -> None:
    cfg = load_config(_project(make_project, tmp_path, training={"batch_size": 16, "learning_rate": 0.003}))
    _, plan = make_plan(tmp_path / "cache", _spec(6, 2))
    history = run_training(cfg, _request(plan, epochs=4), lambda _: None)
    assert history[-1].val_auroc > 0.9
