"""Archive verification benchmark: tusz-guard verify-archive vs plain decompression, same file, same run.

    .venv/bin/python bench/bench_archive.py [--corpus DIR] [--repeat 3] [--json PATH]

Generates the demo corpus (unless --corpus is given), builds its cache for every role, packs it with gz and
with zst, then for each archive times (best of --repeat, page cache warm):
  - the baseline: `gzip -dc ARCHIVE > /dev/null` or `zstd -dc ARCHIVE > /dev/null`;
  - `tusz-guard verify-archive ARCHIVE` (the whole command: start-up, one pass, sha256 of every member);
  - the verification pass alone, in-process (tusz_guard.archive.scan.scan_archive).
Throughput is MB/s of decompressed tar data (the same bytes for all three).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from demo_project import built_project, demo_corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TG = str(Path(sys.executable).parent / "tusz-guard")


def main() -> None:
    args = _args()
    work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        corpus = Path(args.corpus) if args.corpus else demo_corpus(work / "corpus")
        config = built_project(work / "project", corpus)
        results = {"corpus": str(corpus), "repeat": args.repeat, "cpus": os.cpu_count(), "archives": {},
                   "load_before": os.getloadavg()[0]}
        for kind in ("gz", "zst"):
            results["archives"][kind] = _bench_one(config, work, kind, args.repeat)
        results["load_after"] = os.getloadavg()[0]
        _report(results)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", help="an existing synthetic corpus root (default: generate the demo profile)")
    p.add_argument("--repeat", type=int, default=3, help="runs per variant; the fastest is kept")
    p.add_argument("--json", help="also write the figures here")
    return p.parse_args()


def _sh(cmd: list[str], **kw: object) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)  # type: ignore[call-overload]


def _best(repeat: int, fn: Callable[[], None]) -> float:
    fn()                                  # warm the page cache (and the interpreter's imports)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _bench_one(config: Path, work: Path, kind: str, repeat: int) -> dict[str, object]:
    from tusz_guard.archive.pack import pack
    from tusz_guard.archive.scan import scan_archive
    from tusz_guard.config import load_config

    t0 = time.perf_counter()
    archive = pack(load_config(config), work, kind, progress=False).path   # type: ignore[arg-type]
    pack_s = time.perf_counter() - t0
    scan = scan_archive(archive)
    assert scan.read_error is None and scan.manifest is not None, scan.read_error
    tar_mb = scan.decoded_bytes / 1e6
    tool = "gzip" if kind == "gz" else "zstd"

    def baseline() -> None:
        with open(archive, "rb") as src:
            _sh([tool, "-dc"], stdin=src)

    base_s = _best(repeat, baseline)
    cli_s = _best(repeat, lambda: _sh([TG, "verify-archive", str(archive)]))
    pass_s = _best(repeat, lambda: scan_archive(archive))
    return {"archive": archive.name, "archive_mb": archive.stat().st_size / 1e6, "tar_mb": tar_mb,
            "members": len(scan.members), "pack_s": pack_s, "pack_mb_s": tar_mb / pack_s,
            "baseline": f"{tool} -dc > /dev/null", "baseline_s": base_s, "baseline_mb_s": tar_mb / base_s,
            "verify_cli_s": cli_s, "verify_cli_mb_s": tar_mb / cli_s, "verify_pass_s": pass_s,
            "verify_pass_mb_s": tar_mb / pass_s,
            "ratio_cli_vs_baseline": base_s / cli_s, "ratio_pass_vs_baseline": base_s / pass_s}


def _report(r: dict) -> None:
    a = r["archives"]
    print(f"corpus {r['corpus']}, {r['cpus']} CPUs, best of {r['repeat']}, "
          f"load average {r['load_before']:.1f} before, {r['load_after']:.1f} after")
    print(f"{'':4} {'archive MB':>10} {'tar MB':>8} {'pack MB/s':>9} {'baseline MB/s':>13} {'verify MB/s':>11} "
          f"{'(pass only)':>11} {'verify/baseline':>15}")
    for kind, x in a.items():
        print(f"{kind:4} {x['archive_mb']:>10.1f} {x['tar_mb']:>8.1f} {x['pack_mb_s']:>9.0f} {x['baseline_mb_s']:>13.0f} "
              f"{x['verify_cli_mb_s']:>11.0f} {x['verify_pass_mb_s']:>11.0f} {x['ratio_cli_vs_baseline']:>14.2f}x")
    speedup = a["zst"]["verify_cli_mb_s"] / a["gz"]["verify_cli_mb_s"]
    print(f"zst verify vs gz verify: {speedup:.2f}x (pass only: "
          f"{a['zst']['verify_pass_mb_s'] / a['gz']['verify_pass_mb_s']:.2f}x)")
    r["zst_vs_gz_verify"] = speedup


if __name__ == "__main__":
    main()
