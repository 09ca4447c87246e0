"""verify-copy against a real S3-protocol server (moto on 127.0.0.1): the cache is uploaded with s3fs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tusz_guard.cache.store import CacheStore
from tusz_guard.cli import run


def _cfg(project: Path) -> str:
    return str(project / "configs" / "train.yaml")


def _upload(s3, project: Path) -> str:
    return s3.upload(project / "cache" / "tusz", "sync", "cache", "tusz")


def _verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, dict]]:
    code = run(["verify-copy", *argv, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, {f["id"]: f for f in doc["checks"]}


def test_an_uploaded_copy_passes_from_source_and_by_itself(s3, cache_project: Path, capsys) -> None:
    url = _upload(s3, cache_project)
    code, found = _verify(capsys, _cfg(cache_project), url)
    assert code == 0, found
    assert found["copy.index"]["message"].startswith(f"{url}/index.json lists ")
    code, found = _verify(capsys, "--self", url, "--workers", "3")
    assert code == 0 and "equal the sums in the copy's own index" in found["copy.checksums"]["message"]


def test_a_changed_object_a_missing_entry_and_an_extra_object_fail(s3, cache_project: Path, capsys) -> None:
    url = _upload(s3, cache_project)
    keys = CacheStore(cache_project / "cache" / "tusz").list_entries()
    base = url.removeprefix("s3://")
    signal = f"{base}/entries/{keys[0]}/signal.npy"
    raw = bytearray(s3.fs.cat_file(signal))
    raw[-5] ^= 0x10
    s3.fs.pipe_file(signal, bytes(raw))
    s3.fs.rm(f"{base}/entries/{keys[1]}", recursive=True)
    s3.fs.pipe_file(f"{base}/entries/{keys[2]}/signal.npy.bak", b"x" * 10)
    code, found = _verify(capsys, _cfg(cache_project), url)
    assert code == 1
    listing = found["copy.listing"]["message"]
    assert listing.startswith("4 problem(s) (1 extra, 3 missing): ")
    assert f"entries/{keys[1]}/signal.npy: missing from the copy" in listing
    assert f"entries/{keys[2]}/signal.npy.bak" in {p["path"] for p in found["copy.listing"]["details"]["problems"]}
    assert found["copy.checksums"]["message"].startswith("1 problem(s) (1 changed) of ")
    assert f"entries/{keys[0]}/signal.npy: sha256 " in found["copy.checksums"]["message"]


def test_a_copy_without_index_fails(s3, cache_project: Path, capsys) -> None:
    url = _upload(s3, cache_project)
    s3.fs.rm(f"{url.removeprefix('s3://')}/index.json")
    code, found = _verify(capsys, "--self", url)
    assert code == 1 and found["copy.index"]["message"].startswith(f"{url}/index.json is missing (")


def test_an_empty_prefix_fails_on_the_missing_index(s3, cache_project: Path, capsys) -> None:
    code, found = _verify(capsys, _cfg(cache_project), s3.url("nothing", "here"))
    assert code == 1 and found["copy.index"]["message"].startswith(f"{s3.url('nothing', 'here')}/index.json is "
                                                                   "missing (0 other files there)")


def test_a_missing_bucket_is_one_line_exit_2(s3, cache_project: Path, capsys) -> None:
    code = run(["verify-copy", _cfg(cache_project), "s3://no-such-bucket-here/cache"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: cannot list s3://no-such-bucket-here/cache: the bucket does not exist"), err


def test_wrong_credentials_are_one_line_and_never_printed(s3, cache_project: Path, monkeypatch, capsys) -> None:
    import requests

    url = _upload(s3, cache_project)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIABADKEY1234")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value-9876")
    # moto checks signatures only once told to: from now on every request is authenticated (no IAM user exists)
    requests.post(f"{s3.endpoint}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
    try:
        code = run(["verify-copy", "--self", url])
    finally:
        requests.post(f"{s3.endpoint}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()
    captured = capsys.readouterr()
    assert "very-secret-value-9876" not in captured.out + captured.err
    assert code == 2 and captured.err.count("\n") == 1
    assert captured.err.startswith(f"error: cannot list {url}: access denied ("), captured.err
    assert "(set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE (~/.aws/credentials))" in captured.err


def test_a_dropped_connection_is_one_line_exit_2(cache_project: Path, monkeypatch, capsys) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]          # closed again: nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code = run(["verify-copy", "--self", "s3://bucket/cache"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: cannot list s3://bucket/cache: connection failed ("), err
