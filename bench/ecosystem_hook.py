"""Wall time of the pre-commit hook (`python -m tusz_guard.hooks`) against bare interpreter start-up.

Run: .venv/bin/python bench/ecosystem_hook.py [--repeat 15] [--siblings 20]
Prints a markdown table: wall (median, max) and CPU (median) seconds per command, measured in the same run.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(cmd: list[str], cwd: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (user + sys; less sensitive to a busy machine) per run."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), _cpu()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        wall.append(time.perf_counter() - start)
        cpu.append(_cpu() - start_cpu)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{cmd} exited {done.returncode}: {done.stderr}")
    return wall, cpu


def _project(root: Path, siblings: int) -> None:
    subprocess.run([sys.executable, "-m", "tusz_guard.cli", "init", "--data-dir", str(root / "no-corpus"),
                    "--project-dir", str(root)], check=True, capture_output=True)
    for i in range(siblings):
        # Each sibling gets its own cache and its own preprocessing, so it stays consistent with the pair.
        (root / "configs" / f"exp{i:02d}.yaml").write_text(
            f"data:\n  cache_dir: cache/exp{i:02d}\npreprocessing:\n  clip: {i + 1}.5\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--siblings", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "pair", Path(tmp) / "many"
        _project(small, 0)
        _project(large, args.siblings)
        rows = [
            ("python -c pass (interpreter start-up)", [sys.executable, "-c", "pass"], small),
            ("python -m tusz_guard.hooks configs/train.yaml (2 configs)",
             [sys.executable, "-m", "tusz_guard.hooks", "configs/train.yaml"], small),
            (f"python -m tusz_guard.hooks configs/train.yaml ({args.siblings + 2} configs in the folder)",
             [sys.executable, "-m", "tusz_guard.hooks", "configs/train.yaml"], large),
        ]
        print(f"| command | wall median s | wall max s | CPU median s |  (n={args.repeat})")
        print("|---|---|---|---|")
        for label, cmd, cwd in rows:
            wall, cpu = _time(cmd, cwd, args.repeat)
            print(f"| {label} | {statistics.median(wall):.3f} | {max(wall):.3f} | {statistics.median(cpu):.3f} |")


if __name__ == "__main__":
    main()
