"""run.time_budget and run.resources: the run as it will execute on this machine (issue 17.4 and 17.6)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tusz_guard.app.preflight import preflight_with_snapshot
from tusz_guard.checks.machine import MachineFacts, RunSettings, gather_machine
from tusz_guard.checks.run_checks import run_resources, run_time_budget
from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.config.overrides import collect
from tusz_guard.durations import parse_duration

HOUR = 3600.0


def _metrics(project: Path, seconds: float, epochs: int = 3) -> None:
    out = project / "results" / "train"
    out.mkdir(parents=True, exist_ok=True)
    rows = [{"epoch": i + 1, "train_loss": 0.5, "seconds": seconds} for i in range(epochs)]
    (out / "metrics.json").write_text(json.dumps({"schema": "tusz-guard/metrics/v1", "epochs": rows}))


def _budget(project: Path, limit: str | None, resume: bool = False, epochs: int = 10, *sets: str):
    cfg = load_config(project / "configs" / "train.yaml", collect((f"training.epochs={epochs}", *sets), {}))
    settings = RunSettings(time_limit_s=parse_duration(limit) if limit else None, resume=resume)
    _, snap = preflight_with_snapshot(cfg, select=["run.time_budget"], expectations=False, run=settings)
    return run_time_budget(snap)


@pytest.mark.parametrize("text, seconds", [("24h", 86400), ("90m", 5400), ("1h30m", 5400), ("2d", 172800),
                                           ("3600", 3600), ("45s", 45), ("0.5h", 1800)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "-5m", "5x", "", "h", "1e400", "400d", "nan"])
def test_a_bad_duration_is_a_usage_error(text: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", str(project / "configs" / "train.yaml"), "--time-limit", text]) == 2
    err = capsys.readouterr().err
    assert "Invalid value for '--time-limit'" in err and "Traceback" not in err


def test_no_limit_is_a_skip(project: Path) -> None:
    assert _budget(project, None).status == "skip"


def test_a_run_that_fits_passes(project: Path) -> None:
    _metrics(project, HOUR)
    f = _budget(project, "24h")
    assert f.status == "pass" and "10 epoch(s) x 1 h 00 min" in f.message and f.details["jobs"] == 1


def test_a_run_longer_than_the_limit_fails_unless_it_resumes(project: Path) -> None:
    """The origin project's 100 h run on a 24 h platform: it fails, and passes with a warning when resumed."""
    _metrics(project, 10 * HOUR)
    f = _budget(project, "24h")
    assert f.status == "fail" and "5 jobs of the limit are needed and this run does not resume" in f.message
    assert "--resume latest" in f.message
    resumed = _budget(project, "24h", resume=True)
    assert resumed.status == "warn"
    assert resumed.details["epochs_done"] == 3 and "7 epoch(s)" in resumed.message   # 3 already in metrics.json


def test_an_epoch_longer_than_the_limit_fails_even_when_resumed(project: Path) -> None:
    _metrics(project, 30 * HOUR)
    f = _budget(project, "24h", resume=True)
    assert f.status == "fail" and "no resume can finish it" in f.message


def test_without_a_measured_epoch_it_says_so(project: Path) -> None:
    f = _budget(project, "24h")
    assert f.status == "warn" and "no epoch time measured yet" in f.message


def test_epoch_times_come_from_the_last_run_and_a_bad_file_is_ignored(project: Path) -> None:
    cfg = load_config(project / "configs" / "train.yaml")
    _metrics(project, 7.0)
    assert gather_machine(cfg, RunSettings()).epoch_s == 7.0
    (project / "results" / "train" / "metrics.json").write_text("{not json")
    assert gather_machine(cfg, RunSettings()).epoch_seconds == ()


def _machine(**changes: object) -> MachineFacts:
    base = MachineFacts(cpus=8, cpu_quota=None, shm_free=8 << 30, mem_available=64 << 30, torch_installed=True,
                        cuda=None, epoch_seconds=(), metrics_file=None)
    return dataclasses.replace(base, **changes)   # type: ignore[arg-type]


def _resources(project: Path, machine: MachineFacts, *sets: str, device: str | None = None):
    cfg = load_config(project / "configs" / "train.yaml", collect(sets, {}))
    _, snap = preflight_with_snapshot(cfg, select=["run.resources"], expectations=False)
    return run_resources(dataclasses.replace(snap, machine=machine, run=RunSettings(device=device)))


def test_resources_pass_on_a_machine_that_fits(project: Path) -> None:
    f = _resources(project, _machine(), "training.num_workers=2")
    assert f.status == "pass" and "2 loader worker(s) on 8 CPU(s)" in f.message


def test_cuda_without_cuda_fails(project: Path) -> None:
    f = _resources(project, _machine(cuda=False), device="cuda")
    assert f.status == "fail" and "torch sees no CUDA device" in f.message
    g = _resources(project, _machine(torch_installed=False), "training.device=cuda")
    assert g.status == "fail" and "torch is not installed" in g.message


def test_workers_beyond_the_cgroup_quota_warn(project: Path) -> None:
    """The origin platform: 8 loader workers on 0.125 CPU."""
    f = _resources(project, _machine(cpu_quota=0.125), "training.num_workers=8")
    assert f.status == "warn" and "8 on 0.125 usable CPU(s) (cgroup quota 0.125 CPU)" in f.message.replace(
        "training.num_workers 8", "8")


def test_workers_without_dev_shm_or_too_little_warn(project: Path) -> None:
    f = _resources(project, _machine(shm_free=None), "training.num_workers=2")
    assert f.status == "warn" and "no /dev/shm" in f.message
    g = _resources(project, _machine(shm_free=1 << 20), "training.num_workers=2")
    assert g.status == "warn" and "of /dev/shm, 1.0 MiB free" in g.message


def test_batches_beyond_available_memory_warn(project: Path) -> None:
    f = _resources(project, _machine(mem_available=1 << 20), "training.batch_size=512")
    assert f.status == "warn" and "exceed the 1.0 MiB of available memory" in f.message


def test_strict_blocks_a_resource_warning(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tusz_guard.checks.machine.os.sched_getaffinity", lambda _pid: {0})
    argv = ["check", str(project / "configs" / "train.yaml"), "--select", "run.resources", "--no-expectations",
            "--set", "training.num_workers=2"]
    assert run(argv) == 0
    assert run([*argv, "--strict"]) == 1
