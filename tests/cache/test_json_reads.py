"""Cache JSON files are read by their size, not by the limit."""
from __future__ import annotations

import json
from pathlib import Path


def test_reading_a_small_cache_json_allocates_little(tmp_path: Path) -> None:
    """Regression: every cache JSON read allocated MAX_BYTES (512 MiB) up front, then shrank it."""
    import tracemalloc

    from tusz_guard.cache import store

    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"entries": {}, "n": list(range(100))}))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        assert store._read_json(path)["n"][-1] == 99
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2 ** 20


def test_a_cache_json_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    import pytest

    from tusz_guard.cache import store
    from tusz_guard.errors import GuardError

    path = tmp_path / "index.json"
    path.write_bytes(b'{"schema": "caf\xe9"}')
    with pytest.raises(GuardError, match=r"index\.json: cannot read \(not UTF-8\)"):
        store._read_json(path)
    with pytest.raises(GuardError, match=r"obj: cannot read \(not UTF-8\)"):
        store.json_from_bytes(b"\xff", "obj")
    assert store.json_from_bytes('{"a": 1}', "obj") == {"a": 1}
