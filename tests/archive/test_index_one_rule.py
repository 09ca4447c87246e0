"""One index rule for check, pack, verify-archive and unpack (cache/index_rules.py), and one corpus scan."""
from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from tusz_guard.cli import run
from tusz_guard.corpus import ledger as ledger_module


def _copy_project(config: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(config.parents[1], root, symlinks=True)
    return root / "configs" / config.name


def _zero_index_fingerprint(cache: Path) -> None:
    """The attack of the issue: index.json's fingerprint set to zeros, its mtime kept."""
    index = cache / "index.json"
    st = index.stat()
    doc = json.loads(index.read_text())
    doc["fingerprint"] = "0" * 16
    index.write_text(json.dumps(doc))
    os.utime(index, ns=(st.st_atime_ns, st.st_mtime_ns))


def _plain_tar(cache: Path, out: Path) -> Path:
    with tarfile.open(out, "w:gz") as tar:
        tar.add(cache, arcname="cache/tusz")
    return out


def test_a_lying_index_fingerprint_fails_everywhere(small_config: Path, tmp_path: Path, capsys) -> None:
    """Regression: only check compared the index fingerprint; pack, verify-archive and unpack passed it."""
    config = _copy_project(small_config, tmp_path)
    cache = config.parents[1] / "cache" / "tusz"
    archive = _plain_tar(cache, tmp_path / "before.tar.gz")      # packed while the index was sound
    _zero_index_fingerprint(cache)
    assert run(["check", str(config), "--no-expectations", "--select", "cache.index"]) == 1
    assert "index.json has fingerprint 0000000000000000" in capsys.readouterr().out
    assert run(["pack", str(config), "-o", str(tmp_path / "out.tar.gz")]) == 1
    assert "has fingerprint 0000000000000000" in capsys.readouterr().err
    lying = _plain_tar(cache, tmp_path / "lying.tar.gz")
    assert run(["verify-archive", str(lying), "--format", "json", "-o", str(tmp_path / "v.json")]) == 1
    checks = {c["id"]: c for c in json.loads((tmp_path / "v.json").read_text())["checks"]}
    assert checks["archive.completeness"]["status"] == "fail"
    assert "index.json has fingerprint 0000000000000000" in checks["archive.completeness"]["message"]
    fresh = tmp_path / "fresh"
    shutil.copytree(config.parents[1] / "configs", fresh / "configs")
    shutil.copy(config.parents[1] / "pyproject.toml", fresh / "pyproject.toml")
    assert run(["unpack", str(lying), "--config", str(fresh / "configs" / config.name)]) == 1
    assert not (fresh / "cache" / "tusz").exists()
    assert run(["verify-archive", str(archive)]) in (0, 1)     # the sound archive is judged on its own merits
    capsys.readouterr()


@pytest.mark.parametrize("command", ["check", "check with the suites", "verify-archive"])
def test_the_corpus_is_scanned_once(command: str, small_config: Path, packed: Path, monkeypatch,
                                    capsys) -> None:
    """Regression: check --archive scanned the corpus twice (the archive verifier built its own ledger)."""
    calls: list[Path] = []
    real = ledger_module.scan_edf_files

    def counting(data_dir: Path, *args: int) -> list[str]:
        calls.append(data_dir)
        return real(data_dir, *args)

    monkeypatch.setattr(ledger_module, "scan_edf_files", counting)
    if command == "check with the suites":      # the suites judge the snapshot's ledger, not one of their own
        pytest.importorskip("great_expectations")
    args = {"check": ["check", str(small_config), "--no-expectations", "--archive", str(packed)],
            "check with the suites": ["check", str(small_config), "--archive", str(packed)],
            "verify-archive": ["verify-archive", str(packed), "--config", str(small_config)]}[command]
    assert run(args) in (0, 1)
    capsys.readouterr()
    assert len(calls) == 1
