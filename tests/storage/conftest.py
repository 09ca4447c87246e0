"""A real S3-protocol server on 127.0.0.1 (moto's standalone server, as s3fs's own tests use) and buckets on it.

The server runs once per test session (per xdist worker) on a free port; the endpoint and dummy credentials
are set in the environment only inside the `s3` fixture (monkeypatch), never for other tests.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class S3:
    """One empty bucket on the test server, and an s3fs filesystem that reaches it."""

    endpoint: str
    bucket: str
    fs: Any

    def url(self, *parts: str) -> str:
        return "s3://" + "/".join((self.bucket, *parts))

    def upload(self, local: Path, *parts: str) -> str:
        """Copy a local folder (recursively) to s3://bucket/<parts>; return the URL."""
        target = "/".join((self.bucket, *parts))
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            self.fs.put_file(str(path), f"{target}/{path.relative_to(local).as_posix()}")
        return self.url(*parts)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """http://127.0.0.1:<free port> of a moto server, stopped at the end of the session."""
    pytest.importorskip("s3fs", reason="s3fs is part of the dev extra")
    server_module = pytest.importorskip("moto.server", reason="moto[server] is part of the dev extra")
    ThreadedMotoServer = server_module.ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> S3:
    """A fresh bucket; AWS_ENDPOINT_URL and dummy credentials set for this test only (no ~/.aws is read)."""
    import s3fs

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    fs = s3fs.S3FileSystem(endpoint_url=s3_endpoint, skip_instance_cache=True, use_listings_cache=False)
    bucket = f"test-{secrets.token_hex(6)}"
    fs.mkdir(bucket)
    return S3(s3_endpoint, bucket, fs)


@pytest.fixture(scope="session")
def built_cache_project(tiny_clean_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """project/configs/train.yaml over the clean tiny corpus with cache/tusz built (train and val) by build-cache."""
    import yaml

    from tusz_guard.cli import run

    project = tmp_path_factory.mktemp("copies") / "project"
    (project / "configs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    doc = {"experiment": {"name": "tusz_train", "kind": "full", "output_dir": "results/train"},
           "data": {"data_dir": str(tiny_clean_corpus / "edf"), "cache_dir": "cache/tusz"}}
    (project / "configs" / "train.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    assert run(["build-cache", str(project / "configs" / "train.yaml"), "--workers", "1"]) == 0
    return project


@pytest.fixture
def cache_project(built_cache_project: Path, tmp_path: Path) -> Path:
    """A private copy of the built project."""
    import shutil

    dest = tmp_path / "project"
    shutil.copytree(built_cache_project, dest)
    return dest
