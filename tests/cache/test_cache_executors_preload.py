"""Issue 15.5: pool workers fork from a server that has imported what they need (not each worker on its own)."""
from __future__ import annotations

import subprocess
import sys

# In a fresh interpreter: the fork server is one per process, and another test may have started it without preload.
PROBE = """
import sys
from tusz_guard.cache.builder import prepare_workers
from tusz_guard.cache.executors import ExecutorSpec, run_tasks
spec = ExecutorSpec("pool", 2)
prepare_workers(spec)
assert "scipy.signal" not in sys.modules          # the parent itself does not import them
with run_tasks(spec, eval, ["'scipy.signal' in __import__('sys').modules"]) as (_, results):   # eval pickles by name
    print(list(results))
"""


def test_prepared_workers_start_with_scipy_imported() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[True]", out.stderr


def test_a_build_with_nothing_to_build_starts_no_worker_process(tmp_path, monkeypatch) -> None:
    """Regression: the fork server started before the gate, so a blocked or no-op build left a process importing
    SciPy behind it (and a Ctrl-C then printed that process's traceback); it starts only when tasks exist."""
    import tusz_guard.app.build as build
    from tests.checks.conftest import new_project, write_config
    from tusz_guard.cli import run
    from tusz_guard.synth import generate

    corpus = tmp_path / "corpus"
    generate(corpus, "tiny", seed=0, defects=False)
    project = new_project(tmp_path / "project")
    config = write_config(project, "train", corpus / "edf")
    started: list[object] = []
    monkeypatch.setattr(build, "prepare_workers", started.append)
    assert run(["build-cache", str(config), "--workers", "2"]) == 0
    assert len(started) == 1                         # something was built: the pool was prepared once
    assert run(["build-cache", str(config), "--workers", "2"]) == 0
    assert len(started) == 1                         # nothing to build: no pool
    # blocked by the config gate (limit_files on a full config fails config.paths), with entries to build
    assert run(["build-cache", str(config), "--workers", "2", "--rebuild-stale", "--set", "data.limit_files=2",
                "--set", "preprocessing.notch=50"]) == 1
    assert len(started) == 1
