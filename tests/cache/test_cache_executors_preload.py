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
