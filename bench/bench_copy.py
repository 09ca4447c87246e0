"""verify-copy throughput on a local S3 server vs downloading the same objects and hashing them.

    .venv/bin/python bench/bench_copy.py [--corpus DIR] [--repeat 3] [--workers 8] [--json PATH]

Generates the demo corpus (unless --corpus is given), builds its cache for every role, starts moto's S3 server
as a separate process on 127.0.0.1, uploads the cache with s3fs, then times (best of --repeat):
  - the baseline: s3fs `get` of the whole prefix into a temp folder (concurrent, s3fs's default batch), then the
    sha256 of every downloaded file, then removing the folder (what "download and check" costs), timed in this
    process and, like the CLI, as its own process (interpreter start-up and imports included);
  - `tusz-guard verify-copy CONFIG s3://...` (the whole command: start-up, listing, every object streamed through
    sha256 on --workers threads), with the command's peak RSS (GNU time) to show its memory does not grow with
    the data (the bound is workers x 8 MiB read buffers on top of the interpreter);
  - the verification alone, in-process (tusz_guard.app.copy.verify).
Throughput is MB/s of cache bytes (the same objects for all three). Needs the dev extra (moto[server], s3fs).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_scan import compile_trees
from demo_project import built_project, demo_corpus

BIN = Path(sys.executable).parent
TG = str(BIN / "tusz-guard")
ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}


def main() -> None:
    args = _args()
    compile_trees(Path(__file__).resolve().parents[1])      # the CLI's start-up without compiling every module
    work = Path(tempfile.mkdtemp(prefix="bench-copy-"))
    server = None
    try:
        corpus = Path(args.corpus) if args.corpus else demo_corpus(work / "corpus")
        config = built_project(work / "project", corpus)
        server, endpoint = _server()
        os.environ.update(ENV, AWS_ENDPOINT_URL=endpoint)
        results = _bench(config, work, args.repeat, args.workers)
        results.update(corpus=str(corpus), cpus=os.cpu_count(), repeat=args.repeat)
        _report(results)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", help="an existing synthetic corpus root (default: generate the demo profile)")
    p.add_argument("--repeat", type=int, default=3, help="runs per variant; the fastest is kept")
    p.add_argument("--workers", type=int, default=8, help="verify-copy --workers")
    p.add_argument("--json", help="also write the figures here")
    return p.parse_args()


def _sh(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _server() -> tuple[subprocess.Popen[bytes], str]:
    """moto_server on a free 127.0.0.1 port, in its own process (its GIL is not the client's)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("moto_server did not start")


def _best(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    fn()                                   # warm: imports, connections, the server's object store
    times, last = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - t0)
    return min(times), last


def _bench(config: Path, work: Path, repeat: int, workers: int) -> dict[str, object]:
    import s3fs

    from tusz_guard.app.copy import verify
    from tusz_guard.cache.store import CacheStore
    from tusz_guard.config import load_config
    from tusz_guard.storage.location import Location

    cache = load_config(config).cache_dir
    fs = s3fs.S3FileSystem(endpoint_url=os.environ["AWS_ENDPOINT_URL"], skip_instance_cache=True)
    fs.mkdir("bench")
    t0 = time.perf_counter()
    fs.put(str(cache) + "/", "bench/cache/tusz", recursive=True)
    upload_s = time.perf_counter() - t0
    url = "s3://bench/cache/tusz"
    total = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file() and p.name != ".lock")

    def baseline() -> None:
        dest = work / "download"
        fs.get("bench/cache/tusz/", str(dest), recursive=True)
        for path in sorted(p for p in dest.rglob("*") if p.is_file()):
            with open(path, "rb") as f:
                hashlib.file_digest(f, "sha256")
        shutil.rmtree(dest)

    def baseline_process() -> None:
        """The same download-then-hash as its own process (what `aws s3 cp` + `sha256sum` costs a shell): its
        interpreter start-up and s3fs import count, as the CLI's do."""
        subprocess.run([sys.executable, "-c", BASELINE_PROCESS, url.removeprefix("s3://") + "/", str(work / "dl")],
                       check=True)

    def cli() -> int:
        # GNU time reports the exec'd command's own peak RSS (a child forked from this big process would
        # count this process's pages until its exec)
        done = subprocess.run(["/usr/bin/time", "-f", "%M", TG, "verify-copy", str(config), url, "--workers",
                               str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert done.returncode == 0, done.stderr
        return int(done.stderr.strip().splitlines()[-1])        # KiB

    def in_process() -> None:
        result = verify(Location.parse(url), CacheStore(cache), workers=workers)
        assert all(f.status == "pass" for f in result.findings), result.findings

    base_s, _ = _best(repeat, baseline)
    base_proc_s, _ = _best(repeat, baseline_process)
    cli_s, rss_kib = _best(repeat, cli)
    pass_s, _ = _best(repeat, in_process)
    fast_s, _ = _best(repeat, lambda: _sh([TG, "verify-copy", str(config), url, "--fast"]))
    mb = total / 1e6
    return {"cache_mb": mb, "files": sum(1 for p in cache.rglob("*") if p.is_file() and p.name != ".lock"),
            "upload_s": upload_s, "workers": workers,
            "baseline": "s3fs get (recursive) + sha256 of every file + rm", "baseline_s": base_s,
            "baseline_mb_s": mb / base_s, "verify_cli_s": cli_s, "verify_cli_mb_s": mb / cli_s,
            "verify_cli_peak_rss_mb": int(rss_kib) / 1024, "verify_pass_s": pass_s, "verify_pass_mb_s": mb / pass_s,
            "fast_cli_s": fast_s, "ratio_cli_vs_baseline": base_s / cli_s, "ratio_pass_vs_baseline": base_s / pass_s,
            "baseline_process_s": base_proc_s, "ratio_cli_vs_baseline_process": base_proc_s / cli_s}


BASELINE_PROCESS = """
import hashlib, os, shutil, sys
from pathlib import Path
import s3fs
fs = s3fs.S3FileSystem(endpoint_url=os.environ["AWS_ENDPOINT_URL"])
src, dest = sys.argv[1], Path(sys.argv[2])
fs.get(src, str(dest), recursive=True)
for path in sorted(p for p in dest.rglob("*") if p.is_file()):
    with open(path, "rb") as f:
        hashlib.file_digest(f, "sha256")
shutil.rmtree(dest)
"""


def _report(r: dict) -> None:
    print(f"corpus {r['corpus']}, {r['cpus']} CPUs, best of {r['repeat']}; cache {r['cache_mb']:.1f} MB in "
          f"{r['files']} files (uploaded in {r['upload_s']:.1f} s)")
    print(f"baseline ({r['baseline']}): {r['baseline_s']:.2f} s, {r['baseline_mb_s']:.0f} MB/s")
    print(f"verify-copy --workers {r['workers']} (CLI): {r['verify_cli_s']:.2f} s, {r['verify_cli_mb_s']:.0f} MB/s, "
          f"peak RSS {r['verify_cli_peak_rss_mb']:.0f} MB -> {r['ratio_cli_vs_baseline']:.2f}x the baseline")
    print(f"baseline as its own process: {r['baseline_process_s']:.2f} s -> the CLI is "
          f"{r['ratio_cli_vs_baseline_process']:.2f}x it")
    print(f"verification pass in-process: {r['verify_pass_s']:.2f} s, {r['verify_pass_mb_s']:.0f} MB/s "
          f"({r['ratio_pass_vs_baseline']:.2f}x); --fast (listing only, CLI): {r['fast_cli_s']:.2f} s")


if __name__ == "__main__":
    main()
