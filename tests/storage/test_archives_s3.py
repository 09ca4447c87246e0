"""pack -o s3://... streams the archive up; verify-archive s3://... streams it down; an interrupted upload leaves
no object under the final name and no pending multipart upload."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tusz_guard.cli import run


def _cfg(project: Path) -> str:
    return str(project / "configs" / "train.yaml")


def _pack(s3, project: Path, capsys, folder: str = "archives/") -> str:
    assert run(["pack", _cfg(project), "-o", s3.url(folder)]) == 0
    out = capsys.readouterr().out
    url = out.split(" into ", 1)[1].split(" (", 1)[0]
    assert url.startswith(s3.url("archives", "cache-tusz-")) and url.endswith(".tar.zst")
    return url


def test_pack_to_a_bucket_then_verify_the_object(s3, cache_project: Path, capsys) -> None:
    url = _pack(s3, cache_project, capsys)
    assert s3.fs.exists(url.removeprefix("s3://"))
    code = run(["verify-archive", url, "--config", _cfg(cache_project), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, [(c["id"], c["message"]) for c in doc["checks"]]
    assert {c["id"]: c["status"] for c in doc["checks"]}["archive.checksums"] == "pass"
    assert doc["sections"]["archive"]["archive"] == url


def test_a_truncated_object_fails_verification(s3, cache_project: Path, capsys) -> None:
    url = _pack(s3, cache_project, capsys)
    key = url.removeprefix("s3://")
    data = s3.fs.cat_file(key)
    s3.fs.pipe_file(key, data[: len(data) // 2])
    code = run(["verify-archive", url, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and {c["id"]: c["status"] for c in doc["checks"]}["archive.readable"] == "fail"


def test_an_existing_object_is_never_overwritten(s3, cache_project: Path, capsys) -> None:
    s3.fs.pipe_file(f"{s3.bucket}/archives/mine.tar.zst", b"keep me")
    code = run(["pack", _cfg(cache_project), "-o", s3.url("archives", "mine.tar.zst")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: {s3.url('archives', 'mine.tar.zst')} already exists")
    assert s3.fs.cat_file(f"{s3.bucket}/archives/mine.tar.zst") == b"keep me"


@pytest.mark.parametrize("failure, code, message", [
    (ConnectionResetError("peer went away"), 2, "error: cannot upload to {url}: connection failed "
                                                "(ConnectionResetError)"),
    (KeyboardInterrupt(), 1, "aborted"),
])
def test_an_interrupted_upload_leaves_no_object(s3, cache_project: Path, monkeypatch, capsys,
                                                failure: BaseException, code: int, message: str) -> None:
    from tusz_guard.archive import pack as packing

    def write_then_fail(sink, *args, **kwargs) -> None:
        sink.write(os.urandom(20 << 20))          # > one 8 MiB part: the multipart upload has started
        raise failure

    monkeypatch.setattr(packing, "write_tar", write_then_fail)
    url = s3.url("archives", "x.tar.zst")
    assert run(["pack", _cfg(cache_project), "-o", url]) == code
    assert capsys.readouterr().err.strip().startswith(message.format(url=url))
    assert not s3.fs.exists(f"{s3.bucket}/archives/x.tar.zst")
    pending = s3.fs.call_s3("list_multipart_uploads", Bucket=s3.bucket)
    assert pending.get("Uploads", []) == []


def test_verify_archive_of_a_missing_object_is_one_line(s3, capsys) -> None:
    code = run(["verify-archive", s3.url("archives", "none.tar.zst")])
    err = capsys.readouterr().err
    assert code == 2 and err == f"error: archive {s3.url('archives', 'none.tar.zst')} does not exist (check the URL)\n"


def test_pack_to_a_missing_bucket_is_one_line(s3, cache_project: Path, capsys) -> None:
    code = run(["pack", _cfg(cache_project), "-o", "s3://no-such-bucket-here/archives/"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: cannot list s3://no-such-bucket-here/archives: the bucket does not exist"), err
