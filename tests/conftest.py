"""Shared fixtures: generated corpora (never downloaded) and throwaway projects with configs."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml


@pytest.fixture(scope="session", autouse=True)
def _session_memo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Memos of session- and module-scoped fixtures (they run before the per-test folder below) in a temp folder."""
    from tusz_guard.corpus import memo

    old = os.environ.get(memo.ENV_DIR)
    os.environ[memo.ENV_DIR] = str(tmp_path_factory.mktemp("session-memo"))
    yield
    if old is None:
        os.environ.pop(memo.ENV_DIR, None)
    else:
        os.environ[memo.ENV_DIR] = old


@pytest.fixture(autouse=True)
def _memo_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's scan memos in a fresh temp folder: never the user's cache folder, never shared between tests."""
    from tusz_guard.corpus import memo

    folder = tmp_path_factory.mktemp("memo")
    monkeypatch.setenv(memo.ENV_DIR, str(folder))
    monkeypatch.setattr(memo.SETTINGS, "memo", True)      # a --no-memo or --scan-workers of an in-process run
    monkeypatch.setattr(memo.SETTINGS, "workers", None)   # ends with its test
    return folder


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only tiny synthetic corpus (root; data_dir is root/'edf'). Copy it before modifying."""
    from tusz_guard.synth import generate

    root = tmp_path_factory.mktemp("tiny") / "corpus"
    generate(root, "tiny", seed=0)
    return root


@pytest.fixture(scope="session")
def tiny_clean_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny corpus without deliberate defects (read-only)."""
    from tusz_guard.synth import generate

    root = tmp_path_factory.mktemp("tiny_clean") / "corpus"
    generate(root, "tiny", seed=0, defects=False)
    return root


@pytest.fixture
def corpus_copy(tiny_corpus: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the tiny corpus."""
    dest = tmp_path / "corpus_copy"
    shutil.copytree(tiny_corpus, dest)
    return dest


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a project (pyproject.toml marker + configs/<name>.yaml) and return the config path.

    make_project(corpus_root, name="train", kind="full", cache_dir="cache/tusz", data={...}, ...)
    """
    project = tmp_path / "project"
    (project / "configs").mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")

    def make(corpus_root: Path, name: str = "train", kind: str = "full", cache_dir: str = "cache/tusz",
             **sections: dict[str, Any]) -> Path:
        base = {
            "experiment": {"name": f"tusz_{name}", "kind": kind, "seed": 42, "output_dir": f"results/{name}"},
            "data": {"data_dir": str(Path(corpus_root) / "edf"), "cache_dir": cache_dir},
            "training": {"epochs": 1, "batch_size": 8},
        }
        path = project / "configs" / f"{name}.yaml"
        path.write_text(yaml.safe_dump(_merge(base, sections), sort_keys=False))
        return path

    return make


@pytest.fixture(autouse=True)
def _crash_logs_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that provokes an internal error must not leave crash logs in the system temp folder."""
    monkeypatch.setenv("TUSZ_GUARD_LOG_DIR", str(tmp_path_factory.getbasetemp() / "crash-logs"))


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A mounted 1 MiB tmpfs (needs root: CI runs as root; skipped without it); unmounted in a finally."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("mount -t tmpfs is not permitted here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


_DAC_BYPASS = "-dac_override,-dac_read_search"     # the capabilities that let root ignore file permissions


@pytest.fixture(scope="session")
def unprivileged(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The prefix that runs a command subject to file permissions: nothing for a non-root user; as root (CI),
    `setpriv` dropping root's permission bypass from the bounding set (the files stay the test's own, so a
    temp folder that only root may enter stays readable). Skipped where neither works."""
    import subprocess

    if os.geteuid() != 0:
        return []
    # the inheritable set too: where a runtime leaves it non-empty, root would regain the bypass on exec
    prefix = ["setpriv", f"--inh-caps={_DAC_BYPASS}", f"--bounding-set={_DAC_BYPASS}", "--"]
    folder = tmp_path_factory.mktemp("unprivileged-probe")
    folder.chmod(0o555)
    try:
        probe = subprocess.run([*prefix, "test", "!", "-w", str(folder)], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("running as root and setpriv is not available: permission tests need a non-root process")
    finally:
        folder.chmod(0o755)
    if probe.returncode:
        pytest.skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here")
    return prefix
