"""Bad input and faults around files (issue 12): outputs that are devices or links, FIFOs and damage in the cache,
deep JSON, full disks, locks, killed builders and workers, temp-file ownership.

CLI-level tests assert exit 1 or 2 (never 3), a one-line message naming the path, and no traceback.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from tusz_guard.cli import run

SMALL = {"preprocessing": {"sampling_rate": 64, "bandpass": [0.5, 30.0], "notch": None, "dtype": "float16"}}


@dataclass(frozen=True)
class Outcome:
    code: int
    text: str       # stdout + stderr
    out: str        # stdout alone
    err: str


def invoke(argv: list[object], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """Run the CLI in-process; never a traceback, an internal error or a bare 'aborted'."""
    capsys.readouterr()
    code = run([str(a) for a in argv])
    captured = capsys.readouterr()
    outcome = Outcome(code, captured.out + captured.err, captured.out, captured.err)
    assert "Traceback" not in outcome.text, outcome.text
    assert code != 3 and "internal error" not in outcome.text, outcome.text
    assert "aborted" not in outcome.text, outcome.text
    return outcome


def failed(outcome: Outcome, *needles: str, codes: frozenset[int] = frozenset({1, 2})) -> None:
    """Exit 1/2 and one error line naming every needle."""
    assert outcome.code in codes, outcome.text
    lines = [line for line in outcome.text.splitlines() if all(n in line for n in needles)]
    assert lines, f"no line names {needles}:\n{outcome.text}"


def write_config(project: Path, data_dir: str, **data: object) -> Path:
    (project / "configs").mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    doc = {"experiment": {"name": "tusz_train", "kind": "full", "output_dir": "results/train"},
           "data": {"data_dir": data_dir, "cache_dir": "cache/tusz", **data},
           "training": {"epochs": 1, "batch_size": 8}, **SMALL}
    path = project / "configs" / "train.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tiny_clean_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose cache/tusz covers train and val of the clean tiny corpus (read-only; copy it)."""
    cfg = write_config(tmp_path_factory.mktemp("built") / "project", str(tiny_clean_corpus / "edf"))
    assert run(["build-cache", str(cfg), "--workers", "1"]) == 0
    return cfg.parent.parent


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built project; returns its config."""
    shutil.copytree(built, tmp_path / "project", symlinks=True)
    return tmp_path / "project" / "configs" / "train.yaml"


def cache_of(cfg: Path) -> Path:
    return cfg.parent.parent / "cache" / "tusz"


def an_entry(cfg: Path) -> Path:
    return sorted((cache_of(cfg) / "entries").iterdir())[0]


def check(cfg: Path, *extra: object) -> list[object]:
    return ["check", cfg, "--no-expectations", *extra]


# ---- item 1: -o writes through devices and FIFOs, replaces a link's target, '-' is stdout ----------------------
def test_check_output_dev_null_stays_a_device(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(check(project, "--format", "json", "-o", "/dev/null"), capsys)
    assert outcome.code == 0, outcome.text
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_check_output_dash_is_stdout_alone(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(check(project, "--format", "json", "-o", "-"), capsys)
    assert outcome.code == 0, outcome.text
    assert json.loads(outcome.out)["schema"]                 # stdout is the report and nothing else
    assert not (Path.cwd() / "-").exists()
    assert "cache_dir" in outcome.err


def test_check_output_fifo_is_written_through(project: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import threading

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    outcome = invoke(check(project, "--format", "json", "-o", fifo), capsys)
    reader.join(timeout=30)
    assert outcome.code == 0, outcome.text
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(got[0])["schema"]


def test_check_output_symlink_replaces_the_target(project: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    outcome = invoke(check(project, "--format", "json", "-o", link), capsys)
    assert outcome.code == 0, outcome.text
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["schema"]


def test_check_output_dangling_symlink_creates_the_target(project: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    assert invoke(check(project, "--format", "json", "-o", link), capsys).code == 0
    assert link.is_symlink() and json.loads((tmp_path / "new.json").read_text())["schema"]


def test_check_output_socket_is_refused(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        outcome = invoke(check(project, "--format", "json", "-o", path), capsys)
        failed(outcome, str(path), "socket", codes=frozenset({2}))
    assert stat.S_ISSOCK(path.lstat().st_mode)


def test_report_dir_latest_symlink_keeps_the_link(project: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "latest.json").symlink_to(tmp_path / "kept.json")
    assert invoke(check(project, "--format", "json", "--report-dir", folder), capsys).code == 0
    assert (folder / "latest.json").is_symlink()
    assert json.loads((tmp_path / "kept.json").read_text())["schema"]


def test_pack_output_dev_null_and_dash(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(["pack", project, "--compression", "gz", "-o", "/dev/null"], capsys)
    assert outcome.code == 0, outcome.text
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    proc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "pack", str(project), "--compression", "gz",
                           "-o", "-"], capture_output=True, timeout=120, cwd=project.parent)
    assert proc.returncode == 0, proc.stderr
    assert b"packed" in proc.stderr and proc.stdout[:2] == b"\x1f\x8b"     # stdout is the gzip archive alone
    with tarfile.open(fileobj=io.BytesIO(proc.stdout), mode="r:gz") as tf:
        assert any(n.endswith("tusz-guard-archive.json") for n in tf.getnames())
    assert not (project.parent / "-").exists()


def test_pack_output_dangling_symlink_writes_the_target(project: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "a.tar.gz"
    link.symlink_to(tmp_path / "real.tar.gz")
    assert invoke(["pack", project, "--compression", "gz", "-o", link], capsys).code == 0
    assert link.is_symlink() and (tmp_path / "real.tar.gz").stat().st_size > 0


def test_write_output_unit_rules(tmp_path: Path) -> None:
    from tusz_guard.atomic import output_kind

    assert output_kind("-")[0] == "stdout"
    assert output_kind("/dev/null") == ("through", Path("/dev/null"))
    assert output_kind(tmp_path / "new.json") == ("file", tmp_path / "new.json")


# ---- item 14: output writes that cannot succeed: one line naming the path and the fix, for every writer -----------
WRITERS = {      # how each command is told to write to OUT (a file, or --report-dir's folder)
    "check-o": lambda cfg, out: check(cfg, "--format", "json", "-o", out),
    "inventory-o": lambda cfg, out: ["inventory", cfg, "--format", "json", "-o", out],
    "pack-o": lambda cfg, out: ["pack", cfg, "--compression", "gz", "-o", out],
    "report-dir": lambda cfg, out: check(cfg, "--format", "json", "--report-dir", out),
}
UNWRITABLE = {
    "under-a-file": (lambda t: (t / "afile").write_text("x") and t / "afile" / "r.json", "is a file, not a folder"),
    "name-301-chars": (lambda t: t / ("a" * 296 + ".json"), "longer than"),
    "proc": (lambda t: Path("/proc/tusz-guard-report.json"), "/proc"),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("case", sorted(UNWRITABLE))
def test_unwritable_output_is_one_line(case: str, writer: str, project: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    make, needle = UNWRITABLE[case]
    out = make(tmp_path)  # type: ignore[no-untyped-call]
    outcome = invoke(WRITERS[writer](project, out), capsys)
    failed(outcome, f"cannot write {out}", needle, codes=frozenset({2}))


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_output_on_a_read_only_filesystem_is_one_line(writer: str, small_tmpfs: Path, project: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    out = small_tmpfs / ("reports" if writer == "report-dir" else "out.json")
    outcome = invoke(WRITERS[writer](project, out), capsys)
    failed(outcome, f"cannot write {out}", "read-only", codes=frozenset({2}))
    assert os.listdir(small_tmpfs) == []


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_output_in_a_read_only_folder_is_one_line(writer: str, unprivileged: list[str], project: Path,
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    out = folder / ("reports" if writer == "report-dir" else "out.json")
    try:
        proc = subprocess.run([*unprivileged, sys.executable, "-m", "tusz_guard.cli",
                               *map(str, WRITERS[writer](project, out))], capture_output=True, text=True,
                              timeout=300)
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if str(folder) in line and "permissions" in line], proc.stderr
    assert os.listdir(folder) == []


def test_train_output_dir_is_a_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = project.parent.parent / "results" / "train"
    out.parent.mkdir(parents=True)
    out.write_text("not a folder")
    failed(invoke(["train", project, "--device", "cpu"], capsys), str(out))


# ---- item 4: FIFOs in the cache: a finding or a one-line error naming the file, never a hang ---------------------
@pytest.fixture
def alarm() -> object:
    """Fail (instead of hanging the suite) when a command blocks for minutes."""
    import signal

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the command hung (blocked on a FIFO?)")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(120)          # generous: a loaded CI host is slow, a hang never ends
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


FIFO_FILES = {"index": "index.json", "metadata": "tusz-guard-cache.json", "entry-meta": "{K}/meta.json",
              "signal": "{K}/signal.npy", "labels": "{K}/labels.npy"}
FIFO_COMMANDS = {"check": ["check", "{cfg}", "--no-expectations"],
                 "check-deep": ["check", "{cfg}", "--no-expectations", "--deep"],
                 "build-cache": ["build-cache", "{cfg}", "--workers", "1"],
                 "pack": ["pack", "{cfg}", "--compression", "gz", "-o", "{tmp}/a.tar.gz"],
                 "train": ["train", "{cfg}", "--device", "cpu", "--no-expectations"]}


FIFO_NOT_READ = {("build-cache", "index")}      # build-cache rewrites an unreadable index from the entries


def replace_with_fifo(cfg: Path, rel: str) -> Path:
    path = cache_of(cfg) / rel.format(K=f"entries/{an_entry(cfg).name}")
    path.unlink()
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", sorted(set(FIFO_COMMANDS) - {"check"}))     # --deep reads more than check
@pytest.mark.parametrize("which", sorted(FIFO_FILES))
def test_fifo_in_the_cache_never_hangs(command: str, which: str, project: Path, tmp_path: Path, alarm: object,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fifo = replace_with_fifo(project, FIFO_FILES[which])
    argv = [a.format(cfg=project, tmp=tmp_path) for a in FIFO_COMMANDS[command]]
    if command == "train":
        argv.remove("--no-expectations")
    outcome = invoke(argv, capsys)
    if command == "build-cache" and which in ("signal", "labels"):
        # one answer with check: a FIFO array is a damaged entry; build-cache lists it and rebuilds it
        failed(outcome, f"{an_entry(project).name}/{fifo.name} is not a regular file (FIFO)", codes=frozenset({0}))
        assert "replaced 1, skipped as current 16" in outcome.text, outcome.text
        assert fifo.is_file() and invoke(check(project, "--deep"), capsys).code == 0
        return
    if (command, which) in FIFO_NOT_READ:
        assert outcome.code == 0, outcome.text
        return
    failed(outcome, an_entry(project).name if which == "entry-meta" else fifo.name)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


# ---- items 10 and 13: a damaged entry or deep JSON is a finding or one line, never 'aborted' or exit 3 ----------
DEEP = "[" * 100_000


@pytest.mark.parametrize(("which", "content"), [
    ("index.json", DEEP), ("tusz-guard-cache.json", DEEP), ("{K}/meta.json", DEEP),
    ("{K}/labels.npy", ""), ("{K}/signal.npy", ""),
])
@pytest.mark.parametrize("command", ["check-deep", "build-cache", "train"])
def test_damaged_cache_file_is_named(which: str, content: str, command: str, project: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = cache_of(project) / which.format(K=f"entries/{an_entry(project).name}")
    path.write_text(content)
    argv = [a.format(cfg=project, tmp="") for a in FIFO_COMMANDS[command]]
    if command == "train":
        argv.remove("--no-expectations")
    outcome = invoke(argv, capsys)
    if outcome.code == 0:
        # build-cache rewrites a corrupt index and reads no array
        assert command == "build-cache" and ("K" in which or which == "index.json"), outcome.text
        return
    failed(outcome, path.name)


def test_bounded_json_reader_limits() -> None:
    from tusz_guard.jsonread import JsonLimitError, loads_bounded

    assert loads_bounded('{"a": [[1], "[[[["]}') == {"a": [[1], "[[[["]}
    for text in (DEEP, DEEP + "]" * 100_000, "[" * 65 + "]" * 65):
        with pytest.raises(JsonLimitError, match="nested deeper than 64 levels"):
            loads_bounded(text)
    with pytest.raises(JsonLimitError, match="larger than 10 bytes"):
        loads_bounded("[" + " " * 20 + "]", max_bytes=10)


def test_deep_archive_manifest_is_refused() -> None:
    from tusz_guard.archive.manifest import ManifestError, parse_manifest

    with pytest.raises(ManifestError, match="nested deeper"):
        parse_manifest(DEEP.encode())


def test_eof_error_is_not_reported_as_aborted(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import tusz_guard.commands.inventory as inventory

    def boom(*args: object, **kwargs: object) -> None:
        raise EOFError("truncated")

    monkeypatch.setattr(inventory, "load_any", boom)
    assert run(["inventory", "x.yaml"]) == 3
    assert "aborted" not in capsys.readouterr().err


# ---- item 9: damaged entries can be repaired with the command cache.integrity prints ----------------------------
def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


def nans(path: Path) -> None:
    arr = np.load(path, mmap_mode="r+")
    arr[0, :10] = np.nan
    arr.flush()


def flip_in_range(path: Path) -> None:
    """One value changed to another finite value inside the range: only the sha256 can see it."""
    arr = np.load(path, mmap_mode="r+")
    arr[0, 5] = arr[0, 6]
    arr.flush()


@pytest.mark.parametrize("damage", [truncate, nans, flip_in_range], ids=["truncated", "nan", "in-range"])
def test_rebuild_damaged_repairs_what_integrity_reports(damage: object, project: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    entry = an_entry(project)
    damage(entry / "signal.npy")  # type: ignore[operator]
    outcome = invoke(check(project, "--deep", "--select", "cache.integrity"), capsys)
    hint = "tusz-guard build-cache configs/train.yaml --rebuild-damaged"
    failed(outcome, entry.name, hint, codes=frozenset({1}))
    outcome = invoke(["build-cache", project, "--workers", "1", "--rebuild-damaged"], capsys)
    assert outcome.code == 0, outcome.text
    total = len(os.listdir(entry.parent))
    assert f"{entry.name}: " in outcome.text and f"replaced 1, skipped as current {total - 1}," in outcome.text
    assert invoke(check(project, "--deep", "--select", "cache.integrity"), capsys).code == 0


def test_an_entry_check_blocks_by_its_sizes_is_damaged_to_build_cache_too(project: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: check's size rule (the .npy header plus exactly the recorded shape) and build-cache's (the
    recorded size only) differed, so an entry check blocked stayed 'current' to build-cache; one rule now."""
    from tests.checks.conftest import edit_entry
    from tusz_guard.cache.store import CacheStore

    store = CacheStore(cache_of(project))
    key = sorted(store.read_index_file().entries)[0]                   # type: ignore[union-attr]
    meta = store.read_entry_meta(key)
    edit_entry(cache_of(project), key, n_samples=meta.n_samples - 8)   # the files keep their recorded sizes
    failed(invoke(check(project, "--select", "cache.integrity"), capsys), "labels.npy is",
           codes=frozenset({1}))
    outcome = invoke(["build-cache", project, "--workers", "1"], capsys)
    assert outcome.code == 0 and f"{key}: " in outcome.text and "replaced 1" in outcome.text, outcome.text
    assert invoke(check(project, "--select", "cache.integrity"), capsys).code == 0


def test_rebuild_key_replaces_an_entry_with_unreadable_meta(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = an_entry(project)
    (entry / "meta.json").write_text("{not json")
    outcome = invoke(["build-cache", project, "--workers", "1", "--rebuild", entry.name], capsys)
    assert outcome.code == 0 and "replaced 1" in outcome.text, outcome.text
    assert json.loads((entry / "meta.json").read_text())["key"] == entry.name


def test_rebuild_unknown_key_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failed(invoke(["build-cache", project, "--rebuild", "nosuch_s001_t000"], capsys), "nosuch_s001_t000",
           codes=frozenset({2}))


# ---- item 15: a full disk during a build stops it with the documented message ------------------------------------
def test_short_npy_write_is_no_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from tusz_guard.cache import store

    def short(self: object, data: object) -> int:
        raise OSError("8192 requested and 4096 written")       # what ndarray.tofile raises, without errno

    monkeypatch.setattr(store._HashingWriter, "write", short)   # the one place entry arrays are written
    with pytest.raises(OSError) as info:
        store._save_npy(tmp_path / "x.npy", np.zeros(3))
    assert info.value.errno == errno.ENOSPC


def test_full_disk_during_build_stops_cleanly(small_tmpfs: Path, tiny_clean_corpus: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(small_tmpfs.parent / "project", str(tiny_clean_corpus / "edf"),
                       cache_dir=str(small_tmpfs / "cache"))
    outcome = invoke(["build-cache", cfg, "--workers", "1"], capsys)
    failed(outcome, "disk full while writing", str(small_tmpfs / "cache"), codes=frozenset({1}))
    assert not [p for p in (small_tmpfs / "cache" / "entries").iterdir() if p.name.startswith(".tmp-")]


# ---- item 16: a held lock names its holder; --lock-timeout gives up ----------------------------------------------
@pytest.mark.parametrize("command", [["build-cache", "{cfg}", "--workers", "1"],
                                     ["pack", "{cfg}", "--compression", "gz", "-o", "{tmp}/a.tar.gz"]],
                         ids=["build-cache", "pack"])
def test_held_lock_is_named_and_times_out(command: list[str], project: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from tusz_guard.cache.store import CacheStore

    argv = [a.format(cfg=project, tmp=tmp_path) for a in command] + ["--lock-timeout", "0.5"]
    with CacheStore(cache_of(project)).lock():         # this process holds it, as another builder would
        outcome = invoke(argv, capsys)
    failed(outcome, "cache lock", f"pid {os.getpid()}", socket.gethostname(), "0.5 s", codes=frozenset({1}))
    assert "waiting for the cache lock" in outcome.err


def test_lock_without_a_record_still_times_out(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import fcntl

    lock = cache_of(project) / ".lock"
    with open(lock, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        outcome = invoke(["build-cache", project, "--workers", "1", "--lock-timeout", "0.3"], capsys)
    failed(outcome, str(lock), "left no record", codes=frozenset({1}))


# ---- item 17: kill -9 of the build process takes its pool workers with it ----------------------------------------
def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (children of children included)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            ppid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
            parents[int(entry.name)] = ppid
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_killed_build_takes_its_workers(tiny_clean_corpus: Path, tmp_path: Path) -> None:
    import signal
    import time

    cfg = slow_config(tiny_clean_corpus, tmp_path / "project")
    proc = subprocess.Popen([sys.executable, "-m", "tusz_guard.cli", "build-cache", str(cfg), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 3 and time.monotonic() < deadline:     # the forkserver and two workers
            time.sleep(0.05)
            workers = _descendants(proc.pid)
        assert len(workers) >= 3, "the pool never started"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while _running(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(workers), "pool workers outlived the killed build"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _running(workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def slow_config(tiny_clean_corpus: Path, project: Path) -> Path:
    """A config whose entries take long enough to kill something mid-build."""
    cfg = write_config(project, str(tiny_clean_corpus / "edf"))
    doc = yaml.safe_load(cfg.read_text())
    doc["preprocessing"] = {"sampling_rate": 256, "bandpass": [0.5, 60.0], "notch": 60.0}
    cfg.write_text(yaml.safe_dump(doc))
    return cfg


# ---- item 14: a worker killed by the out-of-memory killer ends the build with one line, exit 1 ---------------------
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_killed_worker_is_one_line(tiny_clean_corpus: Path, tmp_path: Path) -> None:
    import signal
    import time

    cfg = slow_config(tiny_clean_corpus, tmp_path / "project")
    proc = subprocess.Popen([sys.executable, "-m", "tusz_guard.cli", "build-cache", str(cfg), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while not workers and time.monotonic() < deadline:
            time.sleep(0.05)
            workers = _descendants(proc.pid) - set(_children(proc.pid))     # grandchildren: the workers
        assert workers, "the pool never started"
        # hold every worker first: a fast machine could otherwise finish the few entries before the kill lands
        held = [w for w in workers if _signal(w, signal.SIGSTOP)]
        assert held, "the workers exited before they could be held"
        os.kill(min(held), signal.SIGKILL)             # what the out-of-memory killer does
        for w in held:
            _signal(w, signal.SIGCONT)
        out, err = proc.communicate(timeout=300)       # generous: a loaded CI host is slow, a hang never ends
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out + err
    assert "Traceback" not in out + err and "internal error" not in err
    assert "a worker was killed while building" in err and "entries built" in err and "rerun build-cache" in err


def _signal(pid: int, sig: int) -> bool:
    """Send sig to pid; False when it has exited meanwhile."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def _children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == pid]


def _ppid(proc_dir: Path) -> int | None:
    try:
        return int(next(line.split()[1] for line in (proc_dir / "status").read_text().splitlines()
                        if line.startswith("PPid:")))
    except (OSError, StopIteration):
        return None


# ---- item 19: the builder deletes only its own leftovers ---------------------------------------------------------
def test_build_keeps_user_files_that_look_temporary(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    cache = cache_of(project)
    notes = cache / ".tmp-notes-99999-abcd"
    notes.write_text("my notes")
    mine = cache / "entries" / ".tmp-mine-99998-ffff"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    token = "0123456789abcdef"
    ours = cache / "entries" / f".tmp-{an_entry(project).name}-99999997-{token}.0"       # a killed build's
    ours.mkdir()
    (cache / f".tmp-builder-99999997-{token}").write_text(json.dumps(
        {"tool": "tusz-guard", "pid": 99999997, "host": socket.gethostname(), "token": token}))
    other_host = cache / "entries" / f".tmp-x-99999996-{'f' * 16}.0"
    other_host.mkdir()
    (cache / f".tmp-builder-99999996-{'f' * 16}").write_text(json.dumps(
        {"tool": "tusz-guard", "pid": 99999996, "host": "another-host", "token": "f" * 16}))
    outcome = invoke(["build-cache", project, "--workers", "1"], capsys)
    assert outcome.code == 0, outcome.text
    assert notes.read_text() == "my notes" and (mine / "keep.txt").read_text() == "mine"
    assert other_host.is_dir()                       # its builder may still run on that host
    assert not ours.exists() and "removed 1 temporary entry" in outcome.text


# ---- item 20: one answer for a cache without metadata, and for a symlinked entry -------------------------------
def test_cache_without_metadata_fails_check_and_train(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = cache_of(project) / "tusz-guard-cache.json"
    meta.unlink()
    outcome = invoke(check(project), capsys)
    failed(outcome, "cache.fingerprint", "tusz-guard-cache.json", codes=frozenset({1}))
    failed(invoke(["train", project, "--device", "cpu"], capsys), "cache.fingerprint", codes=frozenset({1}))
    outcome = invoke(["build-cache", project, "--workers", "1"], capsys)
    failed(outcome, "tusz-guard-cache.json", codes=frozenset({1}))


def test_symlinked_entry_is_named_foreign_by_check_and_build(project: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    entry = an_entry(project)
    moved = tmp_path / "elsewhere"
    shutil.move(entry, moved)
    entry.symlink_to(moved, target_is_directory=True)
    failed(invoke(check(project), capsys), f"entries/{entry.name} (symlink)")
    outcome = invoke(["build-cache", project, "--workers", "1"], capsys)
    failed(outcome, f"entries/{entry.name}", "symlink (foreign)")
    assert "built meanwhile by another builder 0" in outcome.text
    assert entry.is_symlink() and (moved / "meta.json").is_file()


# ---- item 14: ordinary errors that used to end in exit 3 ---------------------------------------------------------
def test_signal_of_strings_is_a_damaged_entry(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = an_entry(project) / "signal.npy"
    np.save(path, np.array([["a", "b"]] * 19))
    failed(invoke(check(project, "--deep"), capsys), "signal.npy", "not numeric", codes=frozenset({1}))
    failed(invoke(["train", project, "--device", "cpu"], capsys), "signal.npy")


BAD_CACHE_DIRS = {
    "name-over-255": ("cache/" + "a" * 256, "(255 bytes)"),
    "symlink-loop": ("loop", "symlink loop"),
}


@pytest.mark.parametrize("command", ["check", "build-cache", "pack", "train"])
@pytest.mark.parametrize("case", sorted(BAD_CACHE_DIRS))
def test_bad_cache_dir_is_one_line(case: str, command: str, tiny_clean_corpus: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    cache_dir, needle = BAD_CACHE_DIRS[case]
    cfg = write_config(tmp_path / "project", str(tiny_clean_corpus / "edf"), cache_dir=cache_dir)
    (tmp_path / "project" / "loop").symlink_to("loop")
    (tmp_path / "project" / "cache").mkdir()     # with its parent missing, the long name reads as 'does not exist'
    argv = [a.format(cfg=cfg, tmp=tmp_path) for a in FIFO_COMMANDS[command]]
    if command == "train":
        argv.remove("--no-expectations")
    failed(invoke(argv, capsys), needle)


@pytest.mark.parametrize("command", ["check-deep", "build-cache", "pack", "train"])
def test_mode_000_entry_is_one_line(command: str, unprivileged: list[str], project: Path, tmp_path: Path) -> None:
    entry = an_entry(project)
    (entry / "signal.npy").chmod(0)
    entry.chmod(0)
    try:
        argv = [a.format(cfg=project, tmp=tmp_path) for a in FIFO_COMMANDS[command]]
        if command == "train":
            argv.remove("--no-expectations")
        # as root (CI) through `unprivileged`: root itself reads mode-000 folders anyway
        proc = subprocess.run([*unprivileged, sys.executable, "-m", "tusz_guard.cli", *argv], capture_output=True,
                              text=True, timeout=300)
    finally:
        entry.chmod(0o755)
        (entry / "signal.npy").chmod(0o644)
    text = proc.stdout + proc.stderr
    assert proc.returncode in {1, 2}, text          # an entry nobody can read never passes as sound
    assert "Traceback" not in text and "internal error" not in text and "aborted" not in text, text
    assert [line for line in text.splitlines() if entry.name in line], text


def test_inventory_output_follows_the_same_rules(project: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "inv.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert invoke(["inventory", project, "--format", "json", "-o", link], capsys).code == 0
    assert link.is_symlink() and json.loads(target.read_text())["schema"] == "tusz-guard/inventory/v1"
    outcome = invoke(["inventory", project, "--format", "json", "-o", "-"], capsys)
    assert json.loads(outcome.out)["schema"] == "tusz-guard/inventory/v1" and "data_dir" in outcome.err
    assert invoke(["inventory", project, "-o", "/dev/null"], capsys).code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    failed(invoke(["inventory", project, "-o", tmp_path / "inv.json" / "x"], capsys), "inv.json", "not a folder")


def test_report_to_a_full_disk_is_one_line(small_tmpfs: Path, project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with open(small_tmpfs / "filler", "wb") as f:       # fill the 1 MiB disk
        with contextlib.suppress(OSError):
            f.write(b"\0" * (2 << 20))
    outcome = invoke(check(project, "--format", "html", "--report-dir", small_tmpfs / "reports"), capsys)
    failed(outcome, f"cannot write {small_tmpfs / 'reports'}", "No space left", codes=frozenset({1}))
    assert not [p for p in (small_tmpfs / "reports").rglob("*") if p.is_file()]     # no half-written report


def test_dev_stdout_reaches_a_redirected_file(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "redirected.json"
    with open(out, "wb") as f:
        proc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "check", str(project), "--no-expectations",
                               "--format", "json", "-o", "/dev/stdout"], stdout=f, stderr=subprocess.PIPE,
                              timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["schema"]       # the report alone reached the shell's file
    assert b"cache_dir" in proc.stderr


def test_a_finished_build_leaves_no_marker(tiny_clean_corpus: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path / "project", str(tiny_clean_corpus / "edf"))
    assert invoke(["build-cache", cfg, "--workers", "2"], capsys).code == 0
    cache = cache_of(cfg)
    assert [n for n in os.listdir(cache) + os.listdir(cache / "entries") if n.startswith(".tmp-")] == []
