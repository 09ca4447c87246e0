"""The scan memo returns exactly what a cold scan returns, and is never required."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tusz_guard.config import load_config
from tusz_guard.corpus import ledger as ledger_mod
from tusz_guard.corpus import memo
from tusz_guard.corpus.ledger import Ledger, build_ledger

DEFAULT_MARGIN_S = memo.RACY_MARGIN_NS / 1e9
TICK_S = 0.03        # longer than the test margin below, so every change lands in an earlier timestamp tick


@pytest.fixture(autouse=True)
def _short_racy_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old at most: a 10 ms margin lets the memo keep them."""
    monkeypatch.setattr(memo, "RACY_MARGIN_NS", 10_000_000)


def scan(cfg_path: Path, use_memo: bool = True) -> Ledger:
    memo.SETTINGS.memo = use_memo
    try:
        return build_ledger(load_config(cfg_path))
    finally:
        memo.SETTINGS.memo = True


def project(tmp: Path, corpus: Path) -> Path:
    (tmp / "configs").mkdir(parents=True, exist_ok=True)
    (tmp / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    cfg = tmp / "configs" / "train.yaml"
    cfg.write_text(yaml.safe_dump({"data": {"data_dir": str(corpus / "edf")}, "training": {"epochs": 1}}))
    return cfg


@pytest.fixture
def cfg_path(corpus_copy: Path, tmp_path: Path) -> Path:
    return project(tmp_path / "proj", corpus_copy)


def edfs(corpus: Path) -> list[Path]:
    return sorted((corpus / "edf").rglob("*.edf"))


def test_second_scan_reads_no_file(cfg_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    time.sleep(TICK_S)
    first = scan(cfg_path)
    calls: list[str] = []
    monkeypatch.setattr(ledger_mod, "_decide", lambda path, rec, cfg, *_: calls.append(path))
    assert scan(cfg_path) == first
    assert calls == []


def test_racy_files_are_not_memoised(cfg_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "RACY_MARGIN_NS", 3600 * 10**9)     # every file is "just written"
    first = scan(cfg_path)
    assert not list(Path(os.environ[memo.ENV_DIR]).glob("*.memo"))   # nothing trustworthy: nothing written
    assert scan(cfg_path) == first


def test_same_size_same_mtime_rewrite_is_seen(cfg_path: Path, corpus_copy: Path) -> None:
    time.sleep(TICK_S)
    before = scan(cfg_path)
    rec = next(r for r in before.recordings if r.included and r.seizure_seconds > 0)
    ann = (corpus_copy / "edf" / rec.path).with_suffix(".csv_bi")
    st = ann.stat()
    text = ann.read_text()
    changed = text.replace("seiz", "bckg")       # same length: size unchanged
    assert changed != text and len(changed) == len(text)
    ann.write_text(changed)
    os.utime(ann, ns=(st.st_atime_ns, st.st_mtime_ns))        # mtime restored: only ctime tells
    assert ann.stat().st_mtime_ns == st.st_mtime_ns and ann.stat().st_size == st.st_size
    time.sleep(TICK_S)
    after = scan(cfg_path)
    assert after == scan(cfg_path, use_memo=False)
    assert after.get(rec.path).seizure_seconds == 0.0        # type: ignore[union-attr]


# ---- random changes between two scans ---------------------------------------------------------------
def _edit(path: Path, same_size: bool, restore_mtime: bool) -> None:
    if not path.exists() or path.is_dir():
        return
    st = path.stat()
    data = bytearray(path.read_bytes())
    if same_size and data:
        i = len(data) // 3 if path.suffix == ".edf" else len(data) - 2
        data[i] = ord("7") if data[i] != ord("7") else ord("3")
    else:
        data += b"x\n" if path.suffix != ".edf" else b"\0\0"
    path.write_bytes(bytes(data))
    if restore_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _apply(corpus: Path, op: tuple[str, int, bool]) -> None:
    kind, index, flag = op
    files = edfs(corpus)
    if not files:
        return
    edf = files[index % len(files)]
    companions = [edf.with_suffix(s) for s in (".csv_bi", ".csv")]
    if kind == "edit_edf":
        _edit(edf, same_size=flag, restore_mtime=flag)
    elif kind == "edit_ann":
        _edit(companions[0], same_size=flag, restore_mtime=flag)
    elif kind == "touch":
        target = edf if flag else companions[0]
        if target.exists():
            os.utime(target)
    elif kind == "delete":
        (edf if flag else companions[0]).unlink(missing_ok=True)
    elif kind == "rename":      # another stem in the same folder: a new path, the same inode
        stem = edf.stem[:-1] + str((int(edf.stem[-1]) + 1) % 10)
        for src in [edf, *companions]:
            if src.exists():
                src.rename(src.with_name(stem + src.suffix))
    elif kind == "swap":        # two recordings trade annotation files (sizes and mtimes travel along)
        other = files[(index + 1) % len(files)]
        a, b = companions[0], other.with_suffix(".csv_bi")
        if a.exists() and b.exists() and a != b:
            tmp = a.with_name("swap.tmp")
            a.rename(tmp), b.rename(a), tmp.rename(b)


OPS = st.lists(st.tuples(st.sampled_from(["edit_edf", "edit_ann", "touch", "delete", "rename", "swap"]),
                         st.integers(0, 200), st.booleans()), min_size=1, max_size=6)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("memo-prop")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, rounds=st.integers(1, 2))
def test_memo_scan_equals_cold_scan(ops: list[tuple[str, int, bool]], rounds: int, tiny_corpus: Path,
                                    workdir: Path) -> None:
    corpus = workdir / "corpus"         # one path for every example: the memo of the last one is reused
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(tiny_corpus, corpus)
    cfg = project(workdir / "proj", corpus)
    time.sleep(TICK_S)
    scan(cfg)
    for r in range(rounds):
        done = ops[r::rounds]
        for op in done:
            _apply(corpus, op)
        time.sleep(TICK_S)
        parsed: list[str] = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ledger_mod, "_decide", lambda path, rec, c, *more, real=ledger_mod._decide, parsed=parsed:
                       parsed.append(path) or real(path, rec, c, *more))
            warm = scan(cfg)
        assert warm == scan(cfg, use_memo=False)
        assert len(parsed) <= 2 * len(done)         # an operation changes at most two recordings


# ---- never required ---------------------------------------------------------------------------------
def test_corrupt_memo_falls_back_with_one_note(cfg_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    time.sleep(TICK_S)
    cold = scan(cfg_path)
    (path,) = Path(os.environ[memo.ENV_DIR]).glob("*.memo")
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0xFF
    path.write_bytes(bytes(blob))
    capsys.readouterr()
    assert scan(cfg_path) == cold
    err = capsys.readouterr().err.splitlines()
    assert err == [f"note: scan memo {path} is corrupt or foreign; scanning cold (it is rewritten)"]
    assert scan(cfg_path) == cold and capsys.readouterr().err == ""      # rewritten: quiet again


def test_a_memo_of_another_user_is_not_read(cfg_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A memo in a shared folder written by someone else is ignored (marshal is not hardened against crafted data)."""
    time.sleep(TICK_S)
    cold = scan(cfg_path)
    (path,) = Path(os.environ[memo.ENV_DIR]).glob("*.memo")
    monkeypatch.setattr(memo.os, "getuid", lambda: os.stat(path).st_uid + 1)
    capsys.readouterr()
    assert scan(cfg_path) == cold
    assert "belongs to another user" in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"", b"not a memo", memo.MAGIC + b"\0" * 10])
def test_foreign_memo_falls_back(cfg_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    time.sleep(TICK_S)
    cold = scan(cfg_path)
    (path,) = Path(os.environ[memo.ENV_DIR]).glob("*.memo")
    path.write_bytes(content)
    assert scan(cfg_path) == cold
    assert "is corrupt or foreign; scanning cold" in capsys.readouterr().err


def test_memo_of_another_root_is_foreign(cfg_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    time.sleep(TICK_S)
    cold = scan(cfg_path)
    (path,) = Path(os.environ[memo.ENV_DIR]).glob("*.memo")
    other = memo.ScanMemo(path, "another root", {})
    other._new = {"x": (1,)}
    other.save()
    assert scan(cfg_path) == cold
    assert "corrupt or foreign" in capsys.readouterr().err


def test_unwritable_memo_folder_is_a_note(cfg_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(memo.ENV_DIR, str(blocker / "memo"))      # a folder under a file: ENOTDIR, even as root
    time.sleep(TICK_S)
    first = scan(cfg_path)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"note: scan memo not saved ({blocker / 'memo'}")
    assert err[0].endswith("the next scan is cold too")
    assert first == scan(cfg_path, use_memo=False)


def test_read_only_memo_is_read_and_not_rewritten(cfg_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    time.sleep(TICK_S)
    first = scan(cfg_path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(memo.tempfile, "mkstemp", refuse)
    assert scan(cfg_path) == first and capsys.readouterr().err == ""      # unchanged: nothing to write
    victim = next(p for p in edfs(Path(first.data_dir).parent) if p.with_suffix(".csv_bi").exists())
    victim.with_suffix(".csv_bi").unlink()
    time.sleep(TICK_S)
    assert scan(cfg_path) == scan(cfg_path, use_memo=False)
    assert "note: scan memo not saved" in capsys.readouterr().err


def test_unreadable_memo_falls_back(cfg_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    time.sleep(TICK_S)
    cold = scan(cfg_path)
    (path,) = Path(os.environ[memo.ENV_DIR]).glob("*.memo")
    path.unlink()
    path.mkdir()            # reading a folder fails with EISDIR, even as root
    assert scan(cfg_path) == cold
    assert capsys.readouterr().err.startswith(f"note: scan memo {path} unreadable (")


def test_no_memo_flag_neither_reads_nor_writes(cfg_path: Path) -> None:
    from tusz_guard.cli import run

    time.sleep(TICK_S)
    assert run(["inventory", str(cfg_path), "--no-memo", "--format", "json", "-o", str(cfg_path.parent / "a.json")]) == 0
    assert not list(Path(os.environ[memo.ENV_DIR]).glob("*.memo"))
    assert run(["inventory", str(cfg_path), "--format", "json", "-o", str(cfg_path.parent / "b.json")]) == 0
    assert len(list(Path(os.environ[memo.ENV_DIR]).glob("*.memo"))) == 1
    assert (cfg_path.parent / "a.json").read_text() == (cfg_path.parent / "b.json").read_text()


def test_memo_lives_outside_the_corpus_and_project(cfg_path: Path, corpus_copy: Path) -> None:
    time.sleep(TICK_S)
    before = {p for p in corpus_copy.rglob("*")} | {p for p in cfg_path.parent.parent.rglob("*")}
    scan(cfg_path)
    after = {p for p in corpus_copy.rglob("*")} | {p for p in cfg_path.parent.parent.rglob("*")}
    assert after == before
    assert len(list(Path(os.environ[memo.ENV_DIR]).glob("*.memo"))) == 1


def test_concurrent_checks_share_a_memo(cfg_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four inventories at once, twice over: every output identical, the memo complete and valid afterwards."""
    time.sleep(DEFAULT_MARGIN_S + 0.05)             # the subprocesses keep the default margin
    monkeypatch.setattr(memo, "RACY_MARGIN_NS", int(DEFAULT_MARGIN_S * 1e9))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for round_ in range(2):
        outs = [cfg_path.parent / f"inv{round_}-{i}.json" for i in range(4)]
        procs = [subprocess.Popen([sys.executable, "-m", "tusz_guard.cli", "inventory", str(cfg_path), "--format",
                                   "json", "-o", str(out)], env=env, stderr=subprocess.PIPE) for out in outs]
        errs = [p.communicate()[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, errs
        assert not any("note:" in e for e in errs), errs
        assert len({out.read_text() for out in outs}) == 1
    assert len(list(Path(os.environ[memo.ENV_DIR]).glob("*.memo"))) == 1
    cold = scan(cfg_path, use_memo=False)
    monkeypatch.setattr(ledger_mod, "_decide", lambda path, rec, cfg, *_: pytest.fail(f"parsed {path} again"))
    assert scan(cfg_path) == cold


def test_a_memo_folder_inside_the_corpus_is_refused(cfg_path: Path, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    inside = corpus_copy / "edf" / ".memo"
    monkeypatch.setenv(memo.ENV_DIR, str(inside))
    time.sleep(TICK_S)
    assert scan(cfg_path) == scan(cfg_path, use_memo=False)
    assert not inside.exists()
    assert capsys.readouterr().err == (f"note: scan memo folder {inside} lies inside the corpus; scanning cold "
                                       f"(set {memo.ENV_DIR} elsewhere)\n")


def test_editing_a_parser_starts_a_new_memo(cfg_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tusz_guard.corpus import edf

    cfg = load_config(cfg_path)
    before = ledger_mod.memo_digest(cfg)
    edited = tmp_path / "edf.py"
    original = edf.__file__
    edited.write_bytes(Path(original).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(edf, "__file__", str(edited))
    ledger_mod._code_digest.cache_clear()
    try:
        assert ledger_mod.memo_digest(cfg) != before
    finally:
        monkeypatch.setattr(edf, "__file__", original)
        ledger_mod._code_digest.cache_clear()
    assert ledger_mod.memo_digest(cfg) == before
