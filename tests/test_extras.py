"""Issue 13.17: the core install runs the gate; a command that needs a missing extra names it (exit 2).

Each case runs in a subprocess whose sys.meta_path refuses the extra's modules, as if it were not installed.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tusz_guard.extras import EXTRAS, missing

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "great_expectations", "pandas", "dask", "distributed", "mne", "scipy", "edfio", "s3fs")
BLOCKER = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
for name in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
    del sys.modules[name]
if sys.argv[2] == "tusz-guard-config":
    from tusz_guard.hooks import run
else:
    from tusz_guard.cli import run
rc = run(sys.argv[3:])
loaded = sorted({m.split(".")[0] for m in sys.modules} & BLOCKED)
print("RC", rc, "LOADED", loaded, file=sys.stderr)
"""


def without(blocked: tuple[str, ...], *argv: str, cwd: Path) -> tuple[int, str]:
    """(exit code, stderr + stdout) of a command run with `blocked` modules absent."""
    done = subprocess.run([sys.executable, "-c", BLOCKER, ",".join(blocked), *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    marker = [line for line in done.stderr.splitlines() if line.startswith("RC ")]
    assert marker, done.stderr[-3000:]
    assert marker[-1].endswith("LOADED []"), marker[-1]
    return int(marker[-1].split()[1]), done.stdout + done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a built cache and its archive (made with everything installed)."""
    from tusz_guard.cli import run

    project = tmp_path_factory.mktemp("extras") / "project"
    (project / "configs").mkdir(parents=True)
    (project / "tusz-guard.toml").write_text("")
    (project / "configs" / "train.yaml").write_text(
        "experiment: {name: t}\ndata: {data_dir: corpus/edf, cache_dir: cache/tusz}\n")
    assert run(["synth", str(project / "corpus")]) == 0
    assert run(["build-cache", str(project / "configs" / "train.yaml"), "--workers", "1"]) == 0
    assert run(["pack", str(project / "configs" / "train.yaml"), "-o", str(project / "a.tar.zst")]) == 0
    return project


@pytest.mark.parametrize("argv", [
    ("tusz-guard", "inventory", "configs/train.yaml"),
    ("tusz-guard", "check", "configs/train.yaml", "--no-expectations", "--deep"),
    ("tusz-guard", "verify-archive", "a.tar.zst", "--config", "configs/train.yaml"),
    ("tusz-guard-config", "configs/train.yaml"),
], ids=["inventory", "check", "verify-archive", "hook"])
def test_the_gate_runs_on_the_core_install(built: Path, argv: tuple[str, ...]) -> None:
    code, _ = without(HEAVY, *argv, cwd=built)
    assert code == 0


def test_check_without_gx_skips_the_suites_and_says_so(built: Path) -> None:
    code, out = without(HEAVY, "tusz-guard", "check", "configs/train.yaml", cwd=built)
    assert code == 0
    # every suite is still a registered check (expectations.<suite>), each skipped with the extra to install
    for suite in ("cache_entries", "recordings", "windows"):
        assert re.search(rf"SKIP  expectations\.{suite} +not run: Great Expectations is not installed "
                         r"\(great_expectations, pandas; pip install 'tusz-guard\[expectations\]'; or pass "
                         r"--no-expectations to say so\)", out), out


@pytest.mark.parametrize(("blocked", "argv", "message"), [
    (("torch",), ("train", "configs/train.yaml"),
     "error: tusz-guard train needs the [train] extra (torch not installed) (pip install 'tusz-guard[train]')"),
    (("scipy",), ("build-cache", "configs/train.yaml"),
     "error: tusz-guard build-cache needs the [build] extra (scipy not installed) (pip install 'tusz-guard[build]')"),
    (("distributed",), ("build-cache", "configs/train.yaml", "--dask-local", "1"),
     "error: tusz-guard build-cache --scheduler/--dask-local needs the [dask] extra (distributed not installed)"),
    (("edfio",), ("synth", "new-corpus"),
     "error: tusz-guard synth needs the [build] extra (edfio not installed) (pip install 'tusz-guard[build]')"),
])
def test_a_missing_extra_is_named_exit_2(built: Path, blocked: tuple[str, ...], argv: tuple[str, ...],
                                         message: str) -> None:
    code, out = without(blocked, "tusz-guard", *argv, cwd=built)
    assert code == 2
    assert message in out and "Traceback" not in out
    assert not (built / "new-corpus").exists()


def test_a_mid_run_import_of_an_extra_is_named(built: Path) -> None:
    from tusz_guard.cli import run
    from tusz_guard.extras import from_import_error

    error = from_import_error(ModuleNotFoundError("No module named 'scipy.signal'", name="scipy.signal"))
    assert error is not None and str(error) == ("this command needs the [build] extra (scipy.signal not installed) "
                                                "(pip install 'tusz-guard[build]')")
    assert from_import_error(ModuleNotFoundError("x", name="nonexistent_thing")) is None
    assert run(["--version"]) == 0


def test_core_dependencies_are_the_light_ones() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {d.split(">")[0].split("=")[0].split("<")[0].lower() for d in project["dependencies"]}
    assert core == {"click", "rich", "pydantic", "pyyaml", "numpy", "zstandard"}
    extras = project["optional-dependencies"]
    assert set(extras) == {"train", "build", "expectations", "dask", "s3", "all", "dev"}
    assert "tusz-guard[all]" in extras["dev"]
    assert extras["all"] == ["tusz-guard[train,build,expectations,dask,s3]"]
    assert "torch==2.13.0" in extras["train"]


def test_every_extra_module_maps_back() -> None:
    assert missing("build", ("scipy",)) == []            # the dev install has everything
    assert all(EXTRAS[extra] for extra in EXTRAS)


def test_licence_is_an_spdx_string() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["license"] == "MIT"                        # no deprecated table: no install banner
    assert "setuptools>=77" in data["build-system"]["requires"][0]    # 77 reads the SPDX string


def test_make_installs_torch_first_then_everything() -> None:
    lines = [line.strip() for line in (ROOT / "Makefile").read_text().splitlines() if "pip install" in line]
    torch = next(i for i, line in enumerate(lines) if "torch==2.13.0" in line)
    package = next(i for i, line in enumerate(lines) if "-e '.[all,dev]'" in line)
    assert torch < package
