"""The machine a run will execute on, gathered once (I/O adapter): CPUs and their cgroup quota, /dev/shm,
available memory, CUDA (probed only when the run asks for it) and the last run's epoch times.

The run.* checks (checks/run_checks.py) judge these facts; nothing here decides anything.
"""
from __future__ import annotations

import importlib.util
import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from tusz_guard.cache.space import free_space
from tusz_guard.config import LoadedConfig
from tusz_guard.jsonread import JsonLimitError, loads_bounded

SHM = Path("/dev/shm")
MEMINFO = Path("/proc/meminfo")
CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1 = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


@dataclass(frozen=True)
class RunSettings:
    """What the command line says about the run (check/train/run): its limit, resume, epochs and device."""

    time_limit_s: float | None = None
    resume: bool = False
    epochs: int | None = None
    device: str | None = None


@dataclass(frozen=True)
class MachineFacts:
    cpus: int                          # CPUs this process may run on (affinity)
    cpu_quota: float | None            # the cgroup's CPU limit in CPUs (0.125 = an eighth of one), None: none
    shm_free: int | None               # bytes free on /dev/shm; None: no /dev/shm
    mem_available: int | None          # MemAvailable in bytes; None: unknown on this platform
    torch_installed: bool
    cuda: bool | None                  # torch.cuda.is_available(); None: not probed (the run uses the CPU)
    epoch_seconds: tuple[float, ...]   # the last run's epoch times (output_dir/metrics.json)
    metrics_file: str | None           # where they came from

    @property
    def usable_cpus(self) -> float:
        return min(float(self.cpus), self.cpu_quota) if self.cpu_quota is not None else float(self.cpus)

    @property
    def epoch_s(self) -> float | None:
        return statistics.median(self.epoch_seconds) if self.epoch_seconds else None


def gather_machine(cfg: LoadedConfig, run: RunSettings) -> MachineFacts:
    device = run.device or cfg.config.training.device
    torch_installed = _installed("torch")
    seconds, source = _epoch_seconds(cfg.output_dir / "metrics.json")
    return MachineFacts(cpus=_cpus(), cpu_quota=_cpu_quota(), shm_free=_free(SHM), mem_available=_mem_available(),
                        torch_installed=torch_installed,
                        cuda=_cuda() if torch_installed and device in ("cuda", "auto") else None,
                        epoch_seconds=seconds, metrics_file=source)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):      # a broken or blocked install counts as absent
        return False


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace")[:4096]
    except OSError:
        return None


def _cpu_quota() -> float | None:
    """cgroup v2 cpu.max ('12500 100000' -> 0.125; 'max ...' -> None), else v1's quota/period."""
    text = _read(CGROUP_V2)
    try:
        if text is not None:
            quota, _, period = text.strip().partition(" ")
            return None if quota == "max" else int(quota) / int(period or 100000)
        q, p = (_read(f) for f in CGROUP_V1)
        if q is not None and p is not None and int(q) > 0:
            return int(q) / int(p)
    except (ValueError, ZeroDivisionError):
        return None
    return None


def _free(path: Path) -> int | None:
    """Free bytes of a folder that must exist itself (free_space would report its parent's filesystem)."""
    try:
        if not path.is_dir():
            return None
    except OSError:
        return None
    disk = free_space(path)
    return disk.free if disk is not None else None


def _mem_available() -> int | None:
    text = _read(MEMINFO)
    for line in (text or "").splitlines():
        if line.startswith("MemAvailable:"):
            try:
                return int(line.split()[1]) * 1024
            except (IndexError, ValueError):
                return None
    return None


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _epoch_seconds(path: Path) -> tuple[tuple[float, ...], str | None]:
    """Epoch times of the last run in output_dir; nothing when absent or unreadable (never an error)."""
    try:
        doc = loads_bounded(path.read_bytes())
    except (OSError, ValueError, JsonLimitError):
        return (), None
    rows = doc.get("epochs") if isinstance(doc, dict) else None
    out = tuple(float(r["seconds"]) for r in rows or () if isinstance(r, dict)
                and isinstance(r.get("seconds"), (int, float)) and r["seconds"] > 0)
    return out, (str(path) if out else None)
