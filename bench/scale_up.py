"""A corpus N times the `scale` corpus (N=10: 73,640 recordings, the size of the whole TUH EEG corpus).

Copy k of every patient gets a new id (its first letter moved k places: aaaoveis -> baaoveis); EDFs are hard
links (no extra space; each is its own path, so the scan treats it as its own recording), annotation files
are rewritten with the new `# bname`. The project config sits beside it, as bench/bench_check.py's does.

    .venv/bin/python bench/scale_up.py --workdir /tmp/tg-bench --times 10     # -> WORKDIR/x10/...
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def renamed(name: str, k: int) -> str:
    """The patient id with its first letter moved k places (wrapping within a-z)."""
    return chr((ord(name[0]) - 97 + k) % 26 + 97) + name[1:]


def copy_corpus(src: Path, dest: Path, times: int) -> int:
    n = 0
    for split in sorted(p for p in src.iterdir() if p.is_dir()):
        for patient in sorted(p for p in split.iterdir() if p.is_dir()):
            for k in range(times):
                new = renamed(patient.name, k)
                for root, _, files in os.walk(patient):
                    out = dest / split.name / new / Path(root).relative_to(patient)
                    out.mkdir(parents=True, exist_ok=True)
                    for f in files:
                        target = out / f.replace(patient.name, new)
                        if target.exists():
                            continue
                        if f.endswith(".edf"):
                            os.link(Path(root) / f, target)
                            n += 1
                        else:
                            text = (Path(root) / f).read_text()
                            target.write_text(text.replace(patient.name, new))
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tg-bench"))
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from bench_check import project

    project(args.workdir)              # the scale corpus, generated once
    big = args.workdir / f"x{args.times}"
    n = copy_corpus(args.workdir / "scale_corpus" / "edf", big / "scale_corpus" / "edf", args.times)
    (big / "scale_corpus" / "ground_truth.json").write_text("{}\n")
    project(big)                       # its configs/train.yaml (ground_truth.json present: nothing generated)
    print(f"{n} new EDF links under {big / 'scale_corpus'}")


if __name__ == "__main__":
    main()
