"""run.*: the run as it will execute on this machine — its time budget and whether it fits the machine.

Pure functions of the snapshot's RunSettings (the command line) and MachineFacts (checks/machine.py).
"""
from __future__ import annotations

import math
from pathlib import Path

from tusz_guard.cache.plan import DEFAULT_HOURS_PER_MINUTE_PER_WORKER
from tusz_guard.cache.space import human
from tusz_guard.checks.base import check
from tusz_guard.checks.coverage import cache_plan, role_counts, throughput
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.corpus.channels import CHANNELS_10_20
from tusz_guard.corpus.ledger import TRAINING_ROLES
from tusz_guard.durations import show_duration
from tusz_guard.results import Outcome, Status, worst

PREFETCH = 2           # torch DataLoader's default prefetch_factor: batches in flight per worker
BATCH_DTYPE_BYTES = 4  # the loader hands float32 windows to the model


def _build_seconds(s: Snapshot) -> tuple[float, str]:
    hours = sum(role_counts(cache_plan(s), role)["live_hours"] for role in TRAINING_ROLES)   # cache.coverage's figure
    rate, where = throughput(s)
    if rate is None:
        rate, where = DEFAULT_HOURS_PER_MINUTE_PER_WORKER, "the builder's default rate (no build measured yet)"
    return hours / rate * 60.0, f"{hours:,.2f} recording-hours at {rate:,.1f} h/min ({where})"


@check("run.time_budget", "The build and the remaining epochs finish within --time-limit, or the run resumes",
       needs=("ledger",))
def run_time_budget(s: Snapshot) -> Outcome:
    limit = s.run.time_limit_s
    if limit is None:
        return Outcome("skip", "no --time-limit given (e.g. --time-limit 24h for a platform that stops jobs)")
    m = s.machine
    assert m is not None
    build_s, build_how = _build_seconds(s)
    epochs = s.run.epochs or s.cfg.config.training.epochs
    done = min(len(m.epoch_seconds), epochs) if s.run.resume else 0
    details: dict[str, object] = {"limit_s": limit, "build_s": round(build_s, 1), "epochs": epochs, "epochs_done": done,
                                  "epoch_s": m.epoch_s, "epoch_times_from": m.metrics_file, "resume": s.run.resume}
    head = f"limit {show_duration(limit)}: build {show_duration(build_s)} ({build_how})"
    if m.epoch_s is None:
        if build_s > limit:
            return Outcome("fail", f"{head} alone exceeds the limit; build the cache in jobs of its own first "
                                   "(a killed build resumes)", details)
        return Outcome("warn", f"{head}; no epoch time measured yet (no metrics.json in "
                               f"{s.show(s.cfg.output_dir)}): train one epoch (`--epochs 1`) to measure it", details)
    train_s = (epochs - done) * m.epoch_s
    total = build_s + train_s
    jobs = max(1, math.ceil(total / limit))
    details.update(total_s=round(total, 1), jobs=jobs)
    plan = (f"{head} + {epochs - done:,} epoch(s) x {show_duration(m.epoch_s)} (median of the last run, "
            f"{s.show(Path(m.metrics_file)) if m.metrics_file else '?'}) = {show_duration(total)}")
    if total <= limit:
        return Outcome("pass", f"{plan}: fits", details)
    if m.epoch_s > limit or build_s > limit:
        return Outcome("fail", f"{plan}: one epoch or the build alone is longer than the limit, so no resume can "
                               "finish it; shorten the epoch (fewer windows, a larger batch) or ask for a longer limit",
                       details)
    if s.run.resume:
        return Outcome("warn", f"{plan}: about {jobs} jobs of the limit, each resuming from the last epoch's "
                               "checkpoint (--resume latest)", details)
    return Outcome("fail", f"{plan}: {jobs} jobs of the limit are needed and this run does not resume; launch "
                           "`tusz-guard train CONFIG --resume latest` (it starts fresh when there is no checkpoint "
                           "yet), or lower training.epochs", details)


@check("run.resources", "Loader workers, shared memory, RAM and the device fit this machine")
def run_resources(s: Snapshot) -> Outcome:
    m = s.machine
    if m is None:
        return Outcome("skip", "the machine was not probed (config checks only)")
    t = s.cfg.config.training
    device = s.run.device or t.device
    window = int(round(s.cfg.config.windows.length_s * s.cfg.config.preprocessing.sampling_rate))
    batch = t.batch_size * len(CHANNELS_10_20) * window * BATCH_DTYPE_BYTES
    in_flight = 1 + t.num_workers * PREFETCH
    found: list[tuple[Status, str]] = []
    if device == "cuda" and not m.torch_installed:
        found.append(("fail", "training.device cuda, but torch is not installed (pip install 'tusz-guard[train]')"))
    elif device == "cuda" and m.cuda is False:
        found.append(("fail", "device cuda, but torch sees no CUDA device here; use --device cpu or auto"))
    if t.num_workers and t.num_workers > m.usable_cpus:
        quota = f" (cgroup quota {m.cpu_quota:g} CPU)" if m.cpu_quota is not None else ""
        found.append(("warn", f"training.num_workers {t.num_workers} on {m.usable_cpus:g} usable CPU(s){quota}: "
                              f"set training.num_workers to at most {max(0, math.floor(m.usable_cpus))}"))
    if t.num_workers:
        need = t.num_workers * PREFETCH * batch
        if m.shm_free is None:
            found.append(("warn", "no /dev/shm here, and DataLoader workers pass batches through it: set "
                                  "training.num_workers: 0, or give the container a /dev/shm"))
        elif need > m.shm_free:
            found.append(("warn", f"{t.num_workers} workers x {PREFETCH} batches in flight need {human(need)} of "
                                  f"/dev/shm, {human(m.shm_free)} free: enlarge it (docker --shm-size) or use fewer "
                                  "workers"))
    if m.mem_available is not None and in_flight * batch > m.mem_available:
        found.append(("warn", f"{in_flight} batches in flight x {human(batch)} exceed the {human(m.mem_available)} "
                              "of available memory: lower training.batch_size or training.num_workers"))
    details = {"device": device, "cuda": m.cuda, "cpus": m.cpus, "cpu_quota": m.cpu_quota,
               "num_workers": t.num_workers, "batch_bytes": batch, "in_flight": in_flight, "shm_free": m.shm_free,
               "mem_available": m.mem_available, "problems": [msg for _, msg in found]}
    if found:
        return Outcome(worst(st for st, _ in found), "; ".join(msg for _, msg in found), details)
    shm = human(m.shm_free) if m.shm_free is not None else "none"
    mem = human(m.mem_available) if m.mem_available is not None else "unknown"
    return Outcome("pass", f"device {device}; {t.num_workers} loader worker(s) on {m.usable_cpus:g} CPU(s); batch "
                           f"{human(batch)} x {in_flight} in flight; /dev/shm {shm} free; {mem} memory available",
                   details)
