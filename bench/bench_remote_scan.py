"""Issue 16.5: `inventory` of the scale corpus (7,364 recordings) on an S3 server with injected latency, against a
sequential reader of the same objects.

The server is moto's standalone S3 (the one the tests use) behind a WSGI wrapper that sleeps --latency-ms before
every request (moto cannot inject latency itself); it counts the requests too. Moto keeps objects in memory, and
the scale corpus's EDFs are sparse files of ~82 GB apparent size, so each EDF is uploaded *shortened*: its header
unchanged except "number of data records" set to 1, followed by one data record (so the header still agrees with
the object's size). A header that does not parse is uploaded as its first 64 KiB. Annotation files are uploaded
whole. The requests per recording are those of the real corpus (one ranged GET for the header, one GET for the
annotation file); only the decisions differ (every recording is 1 s long, so too short).

Servers (--server):
  moto    moto's standalone server, objects uploaded with s3fs. Each request costs it ~7 ms of Python CPU, so on
          a small shared machine it saturates near 130 requests/s whatever the client does: the run measures
          the server, not latency hiding.
  light   the same objects served from memory by a minimal S3 responder (ListObjectsV2, GET with Range, HEAD;
          ~0.3 ms CPU per request), standing in for a store whose capacity is not the limit (S3 itself).

Variants, each a fresh process against the same objects at the same latency:
  concurrent   tusz-guard inventory (data.data_dir: s3://...), default pool (32 requests in flight)
  sequential   the same requests one at a time with s3fs, no parsing (a floor for any sequential reader);
               --sample K times every K-th recording and scales the time by K (documented as extrapolated)

    .venv/bin/python bench/bench_remote_scan.py --workdir /tmp/tg-remote [--server light] [--latency-ms 20] [--sample 1]
"""
from __future__ import annotations

import argparse
import bisect
import html
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BUCKET = "bench"
PREFIX = "scale/edf"
HEAD = 256
KEEP_UNPARSED = 64 << 10


class Delayed:
    """A WSGI app that waits before each request and counts them (latency a real object store adds)."""

    def __init__(self, app: Any) -> None:
        self.app, self.delay, self.requests, self.lock = app, 0.0, 0, threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            self.requests += 1
        if self.delay:
            time.sleep(self.delay)
        return self.app(environ, start_response)


def start_server() -> tuple[str, Delayed]:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)      # one log line per request costs the server CPU
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    app = Delayed(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", app


class Light(BaseHTTPRequestHandler):
    """Just enough of S3 for s3fs's find and ranged cat_file, from a dict {key: bytes} (one bucket)."""

    objects: dict[str, bytes] = {}
    keys: list[str] = []
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True     # headers and body go out as two writes: no 40 ms delayed-ACK stall

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(code)
        for k, v in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.lstrip("/").split("/", 1)
        if len(parts) == 1 or not parts[1]:
            return self._list(urllib.parse.parse_qs(url.query))
        key = urllib.parse.unquote(parts[1])
        data = self.objects.get(key)
        if data is None:
            return self._send(404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"})
        meta = {"ETag": '"0"', "Last-Modified": "Mon, 01 Dec 2026 00:00:00 GMT", "Accept-Ranges": "bytes"}
        rng = self.headers.get("Range")
        if rng:
            a, b = rng.removeprefix("bytes=").split("-")
            start, end = int(a), min(int(b) if b else len(data) - 1, len(data) - 1)
            return self._send(206, data[start:end + 1], {**meta, "Content-Range": f"bytes {start}-{end}/{len(data)}"})
        return self._send(200, data, meta)

    def _list(self, q: dict[str, list[str]]) -> None:
        prefix = q.get("prefix", [""])[0]
        start = q.get("continuation-token", [""])[0] or q.get("start-after", [""])[0]
        i = bisect.bisect_right(self.keys, start) if start else bisect.bisect_left(self.keys, prefix)
        page = [k for k in self.keys[i:i + 1000] if k.startswith(prefix)]
        more = len(page) == 1000 and i + 1000 < len(self.keys) and self.keys[i + 1000].startswith(prefix)
        items = "".join(f"<Contents><Key>{html.escape(k)}</Key><Size>{len(self.objects[k])}</Size><ETag>\"0\"</ETag>"
                        "<LastModified>2026-12-01T00:00:00.000Z</LastModified><StorageClass>STANDARD</StorageClass>"
                        "</Contents>" for k in page)
        token = f"<NextContinuationToken>{html.escape(page[-1])}</NextContinuationToken>" if more else ""
        body = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<Name>{BUCKET}</Name><Prefix>{html.escape(prefix)}</Prefix><KeyCount>{len(page)}</KeyCount>"
                f"<MaxKeys>1000</MaxKeys><IsTruncated>{'true' if more else 'false'}</IsTruncated>{token}{items}"
                "</ListBucketResult>").encode()
        self._send(200, body, {"Content-Type": "application/xml"})


def start_light(objects: dict[str, bytes]) -> tuple[str, Delayed]:
    """The light responder behind the same latency wrapper (a WSGI-less twin of Delayed)."""
    Light.objects, Light.keys = objects, sorted(objects)
    counter = Delayed(None)

    class Handler(Light):
        def handle_one_request(self) -> None:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            with counter.lock:
                counter.requests += 1
            if counter.delay:
                time.sleep(counter.delay)
            getattr(self, f"do_{self.command}")()
            self.wfile.flush()

    ThreadingHTTPServer.request_queue_size = 256      # socketserver's default backlog of 5 resets a pool's connects
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", counter


def shortened(path: Path) -> bytes:
    """The EDF as one data record (header kept, record count 1), or its first 64 KiB when the header is bad."""
    from tusz_guard.corpus.edf import EdfError, read_header

    try:
        h = read_header(path)
    except EdfError:
        with open(path, "rb") as f:
            return f.read(KEEP_UNPARSED)
    with open(path, "rb") as f:
        head = bytearray(f.read(h.header_bytes))
        record = f.read(2 * sum(h.samples_per_record))
    head[236:244] = b"1".ljust(8)
    return bytes(head) + record


def objects_of(corpus: Path) -> dict[str, bytes]:
    """Every file below corpus/edf as the object under s3://bench/scale/edf it becomes (EDFs shortened)."""
    root = corpus / "edf"
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {f"{PREFIX}/{p.relative_to(root).as_posix()}": shortened(p) if p.suffix.lower() == ".edf" else p.read_bytes()
            for p in files}


def upload(fs: Any, objects: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda item: fs.pipe_file(f"{BUCKET}/{item[0]}", item[1]), objects.items()))


SEQUENTIAL = """
import json, sys, time
import s3fs
endpoint, sample = sys.argv[1], int(sys.argv[2])
fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True, use_listings_cache=False)
start = time.perf_counter()
found = fs.find("bench/scale/edf", detail=True)
edfs = sorted(k for k in found if k.lower().endswith(".edf"))[::sample]
for key in edfs:
    size = int(found[key]["size"])
    if size:
        fs.cat_file(key, start=0, end=min(size, 10496))
    ann = key[:-4] + ".csv_bi"
    if ann in found and found[ann]["size"]:
        fs.cat_file(ann, start=0, end=int(found[ann]["size"]))     # as inventory reads it: no HEAD
print(json.dumps({"seconds": time.perf_counter() - start, "recordings": len(edfs)}))
"""


def config(workdir: Path) -> Path:
    project = workdir / "project"
    (project / "configs").mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    path = project / "configs" / "train.yaml"
    path.write_text(f"experiment: {{name: bench, kind: full, output_dir: results}}\n"
                    f"data: {{data_dir: 's3://{BUCKET}/{PREFIX}', cache_dir: cache/tusz}}\n")
    return path


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--sample", type=int, default=1, help="sequential: time every K-th recording, scale by K")
    parser.add_argument("--server", choices=("moto", "light"), default="light")
    args = parser.parse_args()
    corpus = args.workdir / "scale_corpus"
    if not (corpus / "ground_truth.json").is_file():
        from tusz_guard.synth import generate
        generate(corpus, "scale", seed=0)
    objects = objects_of(corpus)
    endpoint, app = start_server() if args.server == "moto" else start_light(objects)
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(args.workdir / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(args.workdir / "none"), "TUSZ_GUARD_MEMO_DIR": str(args.workdir / "memo")}
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")})
    if args.server == "moto":
        import s3fs
        fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True, use_listings_cache=False)
        fs.mkdir(BUCKET)
        t0 = time.perf_counter()
        upload(fs, objects)
        print(f"uploaded {len(objects):,} objects in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    app.delay = args.latency_ms / 1000
    result: dict[str, Any] = {"server": args.server, "latency_ms": args.latency_ms, "objects": len(objects)}
    before = app.requests
    seconds, done = timed([sys.executable, "-m", "tusz_guard.cli", "inventory", str(config(args.workdir)),
                           "--format", "json"], env)
    if done.returncode != 0:
        raise SystemExit(f"inventory failed: {done.stderr[-2000:]}")
    n = len(json.loads(done.stdout)["recordings"])
    result["concurrent"] = {"seconds": round(seconds, 2), "recordings": n, "requests": app.requests - before}
    print(json.dumps(result), file=sys.stderr)
    before = app.requests
    seconds, done = timed([sys.executable, "-c", SEQUENTIAL, endpoint, str(args.sample)], env)
    if done.returncode != 0:
        raise SystemExit(f"sequential reader failed: {done.stderr[-2000:]}")
    seq = json.loads(done.stdout)
    result["sequential"] = {"seconds": round(seconds, 2), "read_seconds": round(seq["seconds"], 2),
                            "recordings": seq["recordings"], "requests": app.requests - before, "sample": args.sample,
                            "extrapolated_seconds": round(seconds + seq["seconds"] * (args.sample - 1), 1)}
    result["ratio"] = round(result["sequential"]["extrapolated_seconds"] / result["concurrent"]["seconds"], 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
