"""Issue 15.5: `verify-archive` on a zst archive against `zstd -dc ARCHIVE > /dev/null`, paired in one session.

Each round runs, in turn: the floor (`zstd -dc`, or with --floor python the zstandard decompress-only loop), the
whole command of this tree, and with --base DIR the whole command of an older tree, then the verification pass
alone (scan_archive, timed inside a fresh interpreter) of each tree. Medians of wall time over --rounds; the
ratio is floor / variant (1.0: as fast as plain decompression), taken round by round, then the median.

    .venv/bin/python bench/bench_verify.py --archive A.tar.zst --rounds 7 [--base OLD] [--json out.json]
    (without --archive: the demo corpus is generated, its cache built and packed with zst; removed afterwards)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import FROM_TREE  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASS = ("import sys, time; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
        "sys.path.insert(0, sys.argv[1]); from pathlib import Path; from tusz_guard.archive.scan import scan_archive; "
        "t = time.perf_counter(); s = scan_archive(Path(sys.argv[2])); w = time.perf_counter() - t; "
        "assert s.read_error is None, s.read_error; print(w)")
FLOOR_PY = ("import sys, zstandard; d = zstandard.ZstdDecompressor().decompressobj(); f = open(sys.argv[1], 'rb')\n"
            "while c := f.read(1 << 20): d.decompress(c)")


def timed(argv: list[str]) -> float:
    """Wall seconds of one child (output discarded); a PASS child reports its own pass time."""
    start = time.perf_counter()
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"{argv[:3]} exited {out.returncode}")
    return float(out.stdout) if argv[2:3] == [PASS] else wall


def variants(archive: Path, base: Path | None, floor: str) -> dict[str, list[str]]:
    py = sys.executable
    runs = {"floor": ["zstd", "-dc", str(archive), "-o", os.devnull, "-f"] if floor == "zstd"
            else [py, "-c", FLOOR_PY, str(archive)],
            "verify-archive": [py, "-c", FROM_TREE, str(ROOT), "verify-archive", str(archive)],
            "pass": [py, "-c", PASS, str(ROOT), str(archive)]}
    if base is not None:
        runs["base verify-archive"] = [py, "-c", FROM_TREE, str(base), "verify-archive", str(archive)]
        runs["base pass"] = [py, "-c", PASS, str(base), str(archive)]
    return runs


def measure(archive: Path, base: Path | None, rounds: int, floor: str) -> dict[str, object]:
    runs = variants(archive, base, floor)
    for argv in runs.values():
        timed(argv)                                  # warm-up: page cache, bytecode
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(rounds):
        for name, argv in runs.items():
            times[name].append(timed(argv))
    mb = _tar_bytes(archive) / 1e6
    out: dict[str, object] = {"archive": str(archive), "tar_mb": round(mb, 1), "rounds": rounds,
                              "floor": "zstd -dc > /dev/null" if floor == "zstd" else "python zstandard loop",
                              "load": os.getloadavg()[0]}
    for name, values in times.items():
        ratio = statistics.median(f / v for f, v in zip(times["floor"], values, strict=True))
        out[name] = {"median_s": round(statistics.median(values), 3), "mb_s": round(mb / statistics.median(values)),
                     "floor_over_this": round(ratio, 2)}
    return out


def _tar_bytes(archive: Path) -> int:
    from tusz_guard.archive.scan import scan_archive

    return scan_archive(archive).decoded_bytes


def _demo_archive(work: Path) -> Path:
    from demo_project import built_project, demo_corpus

    from tusz_guard.archive.pack import pack
    from tusz_guard.config import load_config

    config = built_project(work / "project", demo_corpus(work / "corpus"))
    return pack(load_config(config), work, "zst", progress=False).path  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--base", type=Path, default=None, help="an older tree (holding tusz_guard/) to pair with")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--floor", choices=("zstd", "python"), default="zstd" if shutil.which("zstd") else "python")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tg-bench-verify-"))
    try:
        archive = args.archive or _demo_archive(work)
        result = measure(archive, args.base, args.rounds, args.floor)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
