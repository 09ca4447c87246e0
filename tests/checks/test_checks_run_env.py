"""config.environment and cache.disk_space: the environment and the volume the run really has (issue 17.2-3)."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tusz_guard import envvars
from tusz_guard.cache.space import entry_bytes, npy_bytes, verdict
from tusz_guard.cache.store import CacheStore
from tusz_guard.cli import run

PACKAGE = Path(__file__).parents[2] / "tusz_guard"


def test_every_tusz_guard_variable_the_code_names_is_in_the_table() -> None:
    """A variable read somewhere but missing from envvars.KNOWN would be reported as 'read by nothing'."""
    named = set()
    files = [*PACKAGE.rglob("*.py"), *(p for p in (PACKAGE.parent / "ci").rglob("*") if p.is_file()),
             *(PACKAGE.parent / "scripts").rglob("*.sh")]
    for path in files:
        named |= set(re.findall(r"TUSZ_GUARD_[A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")))
    known = {v.name for v in envvars.KNOWN}
    assert named <= known, sorted(named - known)


def test_environment_lists_what_changes_the_run_and_hides_secrets(project: Path, run_check,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5555")
    f = run_check(project / "configs" / "train.yaml", "config.environment")
    assert f.status == "pass"
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:5555" in f.message and "AWS_SECRET_ACCESS_KEY=***" in f.message
    assert "s3cr3t" not in f.message and "s3cr3t" not in str(f.details)


def test_a_misspelt_variable_warns_with_the_closest_name(project: Path, run_check,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUSZ_GUARD_SETS", "data.cache_dir=x")
    f = run_check(project / "configs" / "train.yaml", "config.environment")
    assert f.status == "warn"
    assert "TUSZ_GUARD_SETS is read by nothing (did you mean TUSZ_GUARD_SET?)" in f.message


def test_npy_bytes_is_what_numpy_writes(tmp_path: Path) -> None:
    import numpy as np

    for shape, dtype in (((19, 1), "float32"), ((19, 123_457), "float16"), ((5,), "uint8"), ((19, 10**7), "float32")):
        path = tmp_path / "a.npy"
        if shape[-1] > 10**6:
            arr = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
            del arr
        else:
            np.save(path, np.zeros(shape, dtype=dtype))
        assert os.path.getsize(path) == npy_bytes(shape, dtype), (shape, dtype)


def test_verdict_fails_when_it_does_not_fit_and_warns_under_the_margin() -> None:
    assert verdict(100, 99) == "fail"
    assert verdict(100, 105) == "warn"
    assert verdict(100, 111) == "pass"
    assert verdict(0, 0) == "pass"


def _npy_sizes(cache: Path, keys: list[str]) -> int:
    store = CacheStore(cache)
    return sum(os.path.getsize(store.entry_dir(k) / name) for k in keys for name in ("signal.npy", "labels.npy"))


def test_the_need_is_exact_for_missing_entries(project: Path, run_check) -> None:
    """Delete three entries: the bytes cache.disk_space asks for are exactly the arrays the builder had written."""
    cache = project / "cache" / "tusz"
    store = CacheStore(cache)
    index = store.read_index_file()
    assert index is not None
    train = sorted(k for k in index.entries if index.entries[k].source.startswith("train/"))[:3]
    written = _npy_sizes(cache, train)
    for key in train:
        shutil.rmtree(store.entry_dir(key))
    store.rebuild_index(index.fingerprint)
    f = run_check(project / "configs" / "train.yaml", "cache.disk_space")
    assert f.details["entries_to_build"] == 3
    assert f.details["array_bytes"] == written
    n = [index.entries[k].n_samples for k in train]
    assert f.details["bytes_needed"] == sum(entry_bytes(x, "float32", f.details["block"]) for x in n)


def _small_disk(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    """statvfs at the adapter boundary: a volume with `free` bytes left (4 KiB blocks)."""
    fake = SimpleNamespace(f_bavail=free // 4096, f_frsize=4096, f_blocks=10 * (free // 4096 + 1))
    monkeypatch.setattr("tusz_guard.checks.snapshot.os.statvfs", lambda _path: fake)


def test_a_small_volume_fails_with_exact_figures(project: Path, run_check, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cfg = project / "configs" / "train.yaml"
    shutil.rmtree(project / "cache" / "tusz")
    _small_disk(monkeypatch, 1 << 20)
    f = run_check(cfg, "cache.disk_space")
    assert f.status == "fail"
    need = f.details["bytes_needed"]
    assert f"need {need:,} bytes" in f.message and f"{1 << 20:,} bytes (1.0 MiB) free" in f.message
    assert "short by" in f.message
    _small_disk(monkeypatch, int(need * 1.05))
    assert run_check(cfg, "cache.disk_space").status == "warn"
    _small_disk(monkeypatch, need * 2)
    assert run_check(cfg, "cache.disk_space").status == "pass"


def test_dry_run_prints_the_same_figures(project: Path, run_check, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cfg = project / "configs" / "train.yaml"
    shutil.rmtree(project / "cache" / "tusz")
    _small_disk(monkeypatch, 1 << 20)
    need = run_check(cfg, "cache.disk_space").details["bytes_needed"]
    capsys.readouterr()
    assert run(["build-cache", str(cfg), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert f"need {need:,} bytes" in captured.out + captured.err
    assert "it does NOT fit" in captured.err


def test_a_full_cache_needs_nothing(project: Path, run_check) -> None:
    f = run_check(project / "configs" / "train.yaml", "cache.disk_space")
    assert f.status == "pass" and f.message.startswith("nothing to build")


def test_pack_warns_before_writing_when_the_destination_is_too_small(project: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    cfg = project / "configs" / "train.yaml"
    out = tmp_path / "out"
    out.mkdir()
    assert run(["pack", str(cfg), "-o", str(out / "a.tar.zst")]) == 0
    assert "may not fit" not in capsys.readouterr().err
    _small_disk(monkeypatch, 1 << 20)
    assert run(["pack", str(cfg), "-o", str(out / "b.tar.zst")]) == 0       # a warning, not a refusal
    err = capsys.readouterr().err
    assert "the archive may not fit" in err and f"{1 << 20:,} bytes (1.0 MiB) free" in err
