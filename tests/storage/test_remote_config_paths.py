"""config.paths and config.consistency compare URL paths as URLs (issue 16.4): never resolved as local folders."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tusz_guard.cli import run


def _write(project: Path, name: str, data: dict, kind: str = "full") -> Path:
    (project / "configs").mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    path = project / "configs" / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"experiment": {"name": name, "kind": kind, "output_dir": f"results/{name}"},
                                    "data": data}))
    return path


def _config_findings(capsys: pytest.CaptureFixture[str], *configs: Path) -> dict[str, dict]:
    run(["check", *map(str, configs), "--select", "config.*", "--format", "json", "-o", "-"])
    return {f["id"]: f for f in json.loads(capsys.readouterr().out)["checks"]}


@pytest.mark.parametrize(("data_dir", "cache_dir", "status"), [
    ("s3://b/tusz", "s3://b/tusz/cache", "fail"),        # the cache inside the corpus prefix
    ("s3://b/tusz/edf", "s3://b/cache/tusz", "pass"),
    ("s3://b/tusz", "gs://b/tusz", "pass"),              # same path, another store
    ("edf", "s3://b/edf", "pass"),                       # a URL never equals a local folder of the same name
])
def test_overlap_of_url_paths(tmp_path: Path, capsys, data_dir: str, cache_dir: str, status: str) -> None:
    found = _config_findings(capsys, _write(tmp_path, "train", {"data_dir": data_dir, "cache_dir": cache_dir}))
    assert found["config.paths"]["status"] == status, found["config.paths"]["message"]
    if status == "fail":
        assert found["config.paths"]["message"] == (
            f"configs/train.yaml: data.data_dir ({data_dir}) overlaps data.cache_dir ({cache_dir}); give each its own "
            "folder")
    else:
        assert found["config.paths"]["message"].startswith(f"cache_dir {cache_dir} (from data.cache_dir of ")
        assert found["config.paths"]["details"]["effective"]["configs/train.yaml"]["cache_dir"] == cache_dir


def test_configs_sharing_preprocessing_must_share_one_url_cache(tmp_path: Path, capsys) -> None:
    train = _write(tmp_path, "train", {"data_dir": "s3://b/edf", "cache_dir": "s3://b/cache/tusz"})
    same = _write(tmp_path, "again", {"data_dir": "s3://b/edf", "cache_dir": "s3://b/cache/tusz"})
    assert _config_findings(capsys, train, same)["config.consistency"]["status"] == "pass"
    other = _write(tmp_path, "again", {"data_dir": "s3://b/edf", "cache_dir": "s3://b/cache/other"})
    found = _config_findings(capsys, train, other)["config.consistency"]
    assert found["status"] == "fail"
    assert "but read different caches: s3://b/cache/tusz vs s3://b/cache/other" in found["message"]


@pytest.mark.parametrize(("env", "status"), [("s3://b/cache/tusz", "pass"), ("s3://b/cache/other", "fail")])
def test_a_cache_variable_holding_a_url_is_compared_as_a_url(tmp_path: Path, capsys, monkeypatch, env: str,
                                                            status: str) -> None:
    monkeypatch.setenv("TUSZ_CACHE_DIR", env)
    found = _config_findings(capsys, _write(tmp_path, "train", {"data_dir": "s3://b/edf",
                                                                "cache_dir": "s3://b/cache/tusz"}))
    assert found["config.paths"]["status"] == status, found["config.paths"]["message"]


SECRET_URL = "s3://me:hunter2secret@bucket/c?X-Amz-Signature=sig123abc"


def test_no_message_prints_a_urls_credentials(tmp_path: Path, capsys, monkeypatch) -> None:
    """Regression: the stand-in path kept user:password@ and the query, so any message formatting cache_dir (e.g.
    `check --archive`'s prefix error) printed them; a cache variable's URL was printed as set."""
    monkeypatch.setenv("TUSZ_CACHE_DIR", "s3://u:envsecret99@bucket/other?sig=tok12345")
    config = _write(tmp_path, "train", {"data_dir": "edf", "cache_dir": SECRET_URL})
    from tusz_guard.config import load_config

    cfg = load_config(config)
    assert "hunter2secret" not in str(cfg.cache_dir) and "sig123abc" not in str(cfg.cache_dir)
    assert cfg.cache_url is not None and cfg.cache_url.format() == SECRET_URL.removesuffix("/")   # read as written
    archive = tmp_path / "a.tar"
    archive.write_bytes(b"")
    for args in (["check", str(config), "--select", "config.*"], ["verify-archive", str(archive), "--config",
                                                                    str(config)],
                 ["check", str(config), "--no-expectations", "--archive", str(archive)]):
        code = run(args)
        out = capsys.readouterr()
        text = out.out + out.err
        assert code in (1, 2), (args, text)
        for secret in ("hunter2secret", "sig123abc", "envsecret99", "tok12345"):
            assert secret not in text, (args, text)
        assert "/dev/null" not in text, (args, text)
