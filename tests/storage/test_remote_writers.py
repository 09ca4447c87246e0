"""Every command that writes a cache refuses a URL data.cache_dir before writing anything (issue 16.4), and the
builder refuses a URL data.data_dir: one line, exit 2, naming the key and the fix. No S3 server is needed: the
refusal comes before any storage access."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.cli import run

URL = "s3://user:secret@bucket/cache/tusz?X-Amz-Signature=abc"
SHOWN = "s3://user:***@bucket/cache/tusz?***"


def _project(tmp_path: Path, data_dir: str = "edf", cache_dir: str = URL) -> Path:
    import yaml

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({"data": {"data_dir": data_dir, "cache_dir": cache_dir}}))
    return config


WRITERS = [
    (["build-cache", "{c}", "--dry-run"], "build-cache writes a local cache (build into a local cache_dir and sync it"),
    (["pack", "{c}"], "pack archives a local cache (pack the local cache (`pack -o s3://...` uploads the archive)"),
    (["unpack", "{t}/a.tar.zst", "--config", "{c}"], "unpack extracts into a local cache (give --config a config"),
    (["train", "{c}"], "train reads its batches from a local cache (sync the cache to a local or mounted path"),
    (["verify-copy", "{c}", "{t}/copy"], "verify-copy compares a copy with the local cache it was made from (give a "
     "config whose data.cache_dir is the local original, or check the copy by itself with `tusz-guard verify-copy "
     "--self URL`)"),
]


@pytest.mark.parametrize(("argv", "says"), WRITERS, ids=lambda v: v[0] if isinstance(v, list) else "")
def test_a_writer_refuses_a_url_cache_before_writing(tmp_path: Path, capsys, argv: list[str], says: str) -> None:
    config = _project(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert run([a.format(c=config, t=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: data.cache_dir is {SHOWN}: {says}" + err[0].split(says, 1)[1]]
    assert "secret" not in err[0] and "abc" not in err[0]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before      # nothing written


def test_the_builder_refuses_a_url_data_dir(tmp_path: Path, capsys) -> None:
    config = _project(tmp_path, data_dir="s3://corpus/tusz/edf", cache_dir="cache/tusz")
    assert run(["build-cache", str(config), "--dry-run"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: data.data_dir is s3://corpus/tusz/edf: build-cache reads EDF signals from a local corpus (sync the "
        "corpus to a local or mounted path (check and inventory read it remotely))")
    assert not (tmp_path / "cache").exists()

