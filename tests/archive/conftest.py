"""Fixtures: a tiny corpus with its full cache (cache/tusz) and a smoke cache (cache/train), built once."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tusz_guard.archive.pack import pack
from tusz_guard.cli import run
from tusz_guard.config import load_config

# A small cache for the hostile-archive tests: one recording per role, 64 Hz, float16 (about 0.3 MB).
SMALL = {"preprocessing": {"sampling_rate": 64, "bandpass": [0.5, 30.0], "notch": None, "dtype": "float16"}}


def write_project(root: Path, corpus: Path, name: str, cache_dir: str, sections: dict | None = None,
                  **data: object) -> Path:
    """A project folder (pyproject.toml marker) with one config; returns the config path."""
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    doc = {"experiment": {"name": f"tusz_{name}", "kind": "smoke" if "limit_files" in data else "full",
                          "output_dir": f"results/{name}"},
           "data": {"data_dir": str(corpus / "edf"), "cache_dir": cache_dir, **data}, **(sections or {})}
    path = root / "configs" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def build(config: Path, *roles: str) -> None:
    args = ["build-cache", str(config), "--workers", "1"] + [a for r in roles for a in ("--role", r)]
    assert run(args) == 0


@pytest.fixture(scope="session")
def full_config(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """configs/train.yaml of a project whose cache/tusz covers train and val (read-only)."""
    config = write_project(tmp_path_factory.mktemp("full"), tiny_corpus, "train", "cache/tusz")
    build(config)
    return config


@pytest.fixture(scope="session")
def smoke_config(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """configs/smoke.yaml whose cache/train holds 2 recordings per role (read-only)."""
    config = write_project(tmp_path_factory.mktemp("smoke"), tiny_corpus, "smoke", "cache/train", limit_files=2)
    build(config)
    return config


@pytest.fixture(scope="session")
def partial_config(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """configs/train.yaml whose cache/tusz holds train only (val not built)."""
    config = write_project(tmp_path_factory.mktemp("partial"), tiny_corpus, "train", "cache/tusz")
    build(config, "train")
    return config


@pytest.fixture(scope="session")
def small_config(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smoke config with a small cache/tusz (1 recording per role, 64 Hz, float16)."""
    config = write_project(tmp_path_factory.mktemp("small"), tiny_corpus, "small", "cache/tusz", SMALL, limit_files=1)
    build(config)
    return config


@pytest.fixture(scope="session")
def packed(small_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small cache packed with gz (read-only)."""
    out = tmp_path_factory.mktemp("packed")
    return pack(load_config(small_config), out, "gz", progress=False).path


@pytest.fixture
def fresh_config(tiny_corpus: Path, tmp_path: Path) -> Path:
    """A project with the small config's settings and no cache yet (cache/tusz)."""
    return write_project(tmp_path / "fresh", tiny_corpus, "small", "cache/tusz", SMALL, limit_files=1)


@pytest.fixture
def fresh_full_config(tiny_corpus: Path, tmp_path: Path) -> Path:
    """A project with the full config's settings and no cache yet (cache/tusz)."""
    return write_project(tmp_path / "fresh", tiny_corpus, "train", "cache/tusz")
