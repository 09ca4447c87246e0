"""Wall time of `check` with and without the Great Expectations suites, on the demo corpus with a full cache.

Each variant runs in a fresh process (cold imports, as a user sees it), `--repeat` times; the median is kept.
- with `tusz-guard check --no-expectations` available, both variants are the CLI (--format json into a temp folder);
- before that option exists, both are the same Python path the CLI takes (snapshot -> checks), the second
  followed by `tusz_guard.expect.run_expectations` over the same snapshot: the cost the suites add.
Also timed: `import great_expectations` alone, and the suites with --data-docs.

    .venv/bin/python bench/bench_expectations.py [--profile demo] [--repeat 3] [--work DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "expectations"

PROXY = """
import sys
from pathlib import Path
from tusz_guard.checks.engine import choose, registered, run_checks
from tusz_guard.checks.snapshot import gather_snapshot
from tusz_guard.config import load_config
cfg = load_config(sys.argv[1])
snap = gather_snapshot(cfg)
findings = run_checks(snap, choose(registered(), skip=['archive.*']))
if sys.argv[2] != "none":
    from tusz_guard.cache.store import CacheStore
    from tusz_guard.expect import run_expectations
    from tusz_guard.expect.suites import read_suites
    docs = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    index = snap.cache.index if snap.cache is not None else None
    suites = read_suites(Path(sys.argv[2]), sys.argv[2])
    findings += run_expectations(snap.ledger, CacheStore(cfg.cache_dir), cfg, suites, docs, index=index)
print(len(findings), sorted({f.status for f in findings}))
"""


BREAKDOWN = """
import json, sys, time
from pathlib import Path
from tusz_guard.cache.store import CacheStore
from tusz_guard.config import load_config
from tusz_guard.corpus.ledger import build_ledger
from tusz_guard.expect import run_expectations
from tusz_guard.expect.suites import read_suites
cfg = load_config(sys.argv[1])
ledger = build_ledger(cfg)
t0 = time.perf_counter()
import great_expectations
t1 = time.perf_counter()
findings = run_expectations(ledger, CacheStore(cfg.cache_dir), cfg, read_suites(Path(sys.argv[2]), sys.argv[2]))
t2 = time.perf_counter()
print(json.dumps({"gx import": t1 - t0, "tables + validation": t2 - t1,
                  "rows": {f.id: f.details.get("rows") for f in findings}}))
"""


def breakdown(config: Path) -> dict[str, object]:
    """In one process: GX import, then building the tables and validating every suite."""
    out = subprocess.run([sys.executable, "-c", BREAKDOWN, str(config), str(SUITES)], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def make_project(work: Path, profile: str) -> Path:
    """Generate the corpus, write a config, build the cache for every role; return the config path."""
    from tusz_guard.app.build import build_cache
    from tusz_guard.cache.executors import ExecutorSpec
    from tusz_guard.config import load_config
    from tusz_guard.synth import generate

    (work / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    generate(work / "corpus", profile, seed=0)
    config = work / "configs" / "train.yaml"
    config.parent.mkdir()
    config.write_text(yaml.safe_dump({"data": {"data_dir": str(work / "corpus" / "edf"), "cache_dir": "cache/tusz"}}))
    workers = min(8, os.cpu_count() or 1)
    build_cache(load_config(config), roles=("train", "val", "test"), spec=ExecutorSpec("pool", workers),
                dry_run=False, rebuild_stale=False, force=True)
    return config


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=False, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def median_of(cmd: list[str], repeat: int) -> float:
    return statistics.median(timed(cmd) for _ in range(repeat))


def cli_has_option() -> bool:
    out = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "check", "--help"], capture_output=True,
                         text=True, cwd=ROOT).stdout
    return "--no-expectations" in out


def variants(config: Path, work: Path) -> tuple[str, dict[str, list[str]]]:
    py = sys.executable
    if cli_has_option():
        base = [py, "-m", "tusz_guard.cli", "check", str(config), "--format", "json", "--report-dir", str(work / "r")]
        return "cli", {"without suites": base + ["--no-expectations"], "with suites": base,
                       "with suites + data docs": base + ["--data-docs", str(work / "docs")]}
    return "python", {"without suites": [py, "-c", PROXY, str(config), "none"],
                      "with suites": [py, "-c", PROXY, str(config), str(SUITES)],
                      "with suites + data docs": [py, "-c", PROXY, str(config), str(SUITES), str(work / "docs")]}


def rounded(value: object) -> object:
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return round(value, 3) if isinstance(value, float) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="demo", choices=("tiny", "demo"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None, help="keep the project here (default: a temp folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-expect-"))
    try:
        config = make_project(work, args.profile)
        mode, cmds = variants(config, work)
        result = {"profile": args.profile, "mode": mode, "repeat": args.repeat, "cpus": os.cpu_count(),
                  "python": platform.python_version(),
                  "import great_expectations": median_of([sys.executable, "-c", "import great_expectations"],
                                                         args.repeat)}
        result.update({name: median_of(cmd, args.repeat) for name, cmd in cmds.items()})
        result["in-process breakdown"] = breakdown(config)
        result["suites add (s)"] = result["with suites"] - result["without suites"]
        result["ratio with/without"] = result["with suites"] / result["without suites"]
        print(json.dumps(rounded(result), indent=1))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
