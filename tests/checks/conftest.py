"""Fixtures for check tests: a project over the clean tiny corpus with its cache built by the real builder."""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from tusz_guard.app.preflight import preflight
from tusz_guard.cache.store import CacheStore
from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.results import Finding


def write_config(project: Path, name: str, data_dir: Path, cache_dir: str = "cache/tusz", kind: str = "full",
                 **sections: dict[str, Any]) -> Path:
    """configs/<name>.yaml with explicit data and cache dirs plus any section overrides."""
    doc: dict[str, Any] = {"experiment": {"name": f"tusz_{name}", "kind": kind, "output_dir": f"results/{name}"},
                           "data": {"data_dir": str(data_dir), "cache_dir": cache_dir}}
    for key, value in sections.items():
        doc[key] = {**doc.get(key, {}), **value}
    path = project / "configs" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def new_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    return root


def build(config: Path, *extra: str) -> None:
    assert run(["build-cache", str(config), "--workers", "1", *extra]) == 0


@pytest.fixture(scope="session")
def built_project(tiny_clean_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """project/configs/train.yaml over the clean tiny corpus, cache/tusz built for train, val and test."""
    project = new_project(tmp_path_factory.mktemp("built") / "project")
    config = write_config(project, "train", tiny_clean_corpus / "edf")
    build(config, "--role", "train", "--role", "val", "--role", "test")
    return project


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    """A private copy of the built project (the corpus is shared and read-only)."""
    dest = tmp_path / "project"
    shutil.copytree(built_project, dest)
    return dest


@pytest.fixture
def clean_corpus_copy(tiny_clean_corpus: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "clean_copy"
    shutil.copytree(tiny_clean_corpus, dest)
    return dest


RunCheck = Callable[..., Finding]


@pytest.fixture
def run_check() -> RunCheck:
    """run_check(config_path, 'cache.index', deep=False) -> the one Finding of that id."""
    def _run(config: Path, check_id: str, **kwargs: Any) -> Finding:
        report = preflight(load_config(config), select=[check_id], **kwargs)
        (finding,) = [f for f in report.findings if f.id == check_id]
        return finding
    return _run


def edit_entry(cache_dir: Path, key: str | None = None, **changes: Any) -> str:
    """Change one entry's record in meta.json and the index (as a buggy builder would have written it)."""
    store = CacheStore(cache_dir)
    index = store.read_index_file()
    assert index is not None
    key = key or sorted(index.entries)[0]
    record = dataclasses.replace(index.entries[key], **changes)
    (store.entry_dir(key) / "meta.json").write_text(json.dumps(record.to_json()))
    store.write_index({**index.entries, key: record}, index.fingerprint)
    return key


@pytest.fixture(name="write_cfg")
def _write_cfg() -> Callable[..., Path]:
    """write_config as a fixture (test modules cannot import conftest under importlib mode)."""
    return write_config


@pytest.fixture(name="edit_entry")
def _edit_entry() -> Callable[..., str]:
    return edit_entry


@pytest.fixture(name="build_cache")
def _build_cache() -> Callable[..., None]:
    return build
