"""Checkpoint write time per epoch for the bundled model (issue 17.5), against a bare torch.save floor.

The resumable checkpoint holds the model, the AdamW state (two moments per parameter), the sampler generator,
torch's RNG state, the metrics so far and the run's identity, written atomically (temp file + fsync-free
os.replace, tusz_guard.atomic). The floor is `torch.save(model.state_dict())` to the same folder.

    .venv/bin/python bench/bench_checkpoint.py [--repeat 20]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from tusz_guard.train.loop import EpochMetrics, TrainState
from tusz_guard.train.model import SeizureCNN
from tusz_guard.train.outputs import write_checkpoint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--segments", type=int, default=60, help="targets per window (60 s windows, 1 s segments)")
    args = parser.parse_args()
    model = SeizureCNN(args.segments)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(4, 19, args.segments * 256)
    model(x).sum().backward()
    optimizer.step()                      # the optimizer now holds its two moments per parameter
    state = TrainState(model, optimizer, torch.Generator().manual_seed(0))
    history = [EpochMetrics(1, 0.5, 0.5, 0.9, 0.8, 0.9, 10.0)]
    params = sum(p.numel() for p in model.parameters())
    ours, floor = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(args.repeat):      # paired: ours then the floor, each round
            t0 = time.perf_counter()
            write_checkpoint(out, state, history, {"fingerprint": "0" * 16}, {})
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            torch.save(model.state_dict(), out / "floor.pt")
            floor.append(time.perf_counter() - t0)
        size = (out / "checkpoint.pt").stat().st_size
        floor_size = (out / "floor.pt").stat().st_size
    a, b = statistics.median(ours), statistics.median(floor)
    print(f"model parameters: {params:,}")
    print(f"resumable checkpoint: {a * 1000:.2f} ms median of {args.repeat} ({size:,} bytes)")
    print(f"floor torch.save(state_dict): {b * 1000:.2f} ms ({floor_size:,} bytes)")
    print(f"ratio: {a / b:.2f}x the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
