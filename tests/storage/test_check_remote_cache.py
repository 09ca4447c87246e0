"""`check` with data.cache_dir: s3://... (issue 16.4) against the real S3 server: the same findings as the local copy."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tusz_guard.cli import run

CACHE_CHECKS = ("cache.coverage", "cache.fingerprint", "cache.index", "cache.integrity", "windows.count")


def _check(capsys: pytest.CaptureFixture[str], project: Path, *argv: str) -> tuple[int, dict[str, dict]]:
    selects = [a for c in CACHE_CHECKS for a in ("--select", c)]
    code = run(["check", str(project / "configs" / "train.yaml"), *selects, "--no-expectations", "--format", "json",
                "-o", "-", *argv])
    doc = json.loads(capsys.readouterr().out)
    return code, {f["id"]: f for f in doc["checks"]}


def _remote(url: str) -> tuple[str, str]:
    return ("--set", f"data.cache_dir={url}")


def _same(local: dict[str, dict], remote: dict[str, dict], url: str, where: str = "cache/tusz") -> None:
    """Finding by finding: ids, statuses and messages equal once the cache's name is the URL."""
    assert set(local) == set(remote) == set(CACHE_CHECKS)
    for cid in CACHE_CHECKS:
        assert remote[cid]["status"] == local[cid]["status"], (cid, local[cid]["message"], remote[cid]["message"])
        if cid != "cache.index":
            assert remote[cid]["message"] == local[cid]["message"].replace(where, url), cid


def test_a_remote_cache_gives_the_findings_of_its_local_copy(s3, cache_project: Path, capsys) -> None:
    url = s3.upload(cache_project / "cache" / "tusz", "sync", "tusz")
    code, local = _check(capsys, cache_project)
    rcode, remote = _check(capsys, cache_project, *_remote(url))
    assert code == rcode == 0
    _same(local, remote, url)
    assert remote["cache.fingerprint"]["message"].startswith(f"{url} fingerprint ")
    # the one rule that differs: mtimes do not survive an upload, and the finding says so
    assert local["cache.index"]["message"].endswith("complete entries and is newer than each")
    assert remote["cache.index"]["message"].endswith(
        "complete entries; not checked: newer than each entry (mtimes do not survive an upload: upload order is not "
        "build order)")


def test_deep_reads_the_remote_entries_and_finds_a_changed_byte(s3, cache_project: Path, capsys) -> None:
    url = s3.upload(cache_project / "cache" / "tusz", "c")
    code, local = _check(capsys, cache_project, "--deep")
    rcode, remote = _check(capsys, cache_project, "--deep", *_remote(url))
    assert code == rcode == 0
    _same(local, remote, url)
    assert "sha256 read from every entry (--deep)" in remote["cache.integrity"]["message"]
    key = sorted(s3.fs.ls(f"{s3.bucket}/c/entries"))[0].rsplit("/", 1)[-1]
    signal = f"{s3.bucket}/c/entries/{key}/signal.npy"
    raw = bytearray(s3.fs.cat_file(signal))
    raw[-3] ^= 0x01
    s3.fs.pipe_file(signal, bytes(raw))
    code, remote = _check(capsys, cache_project, "--deep", *_remote(url))
    assert code == 1 and remote["cache.integrity"]["status"] == "fail"
    assert f"{key}: signal.npy sha256 " in remote["cache.integrity"]["message"]


def test_a_missing_entry_and_an_extra_object_fail_as_they_do_locally(s3, cache_project: Path, capsys) -> None:
    url = s3.upload(cache_project / "cache" / "tusz", "c")
    key = sorted(s3.fs.ls(f"{s3.bucket}/c/entries"))[0].rsplit("/", 1)[-1]
    s3.fs.rm(f"{s3.bucket}/c/entries/{key}", recursive=True)
    s3.fs.pipe_file(f"{s3.bucket}/c/notes.txt", b"hello")
    code, remote = _check(capsys, cache_project, *_remote(url))
    assert code == 1
    index = remote["cache.index"]
    assert index["status"] == "fail" and f"{key}" in index["message"] and "notes.txt" in index["message"]
    assert remote["cache.coverage"]["status"] == "fail"


def test_a_missing_index_is_a_failing_finding(s3, cache_project: Path, capsys) -> None:
    url = s3.upload(cache_project / "cache" / "tusz", "c")
    s3.fs.rm(f"{s3.bucket}/c/index.json")
    code, remote = _check(capsys, cache_project, *_remote(url))
    assert code == 1 and remote["cache.index"]["status"] == "fail"
    assert "index.json" in remote["cache.index"]["message"]


def test_a_missing_bucket_is_one_failing_finding_not_a_traceback(s3, cache_project: Path, capsys) -> None:
    code, remote = _check(capsys, cache_project, *_remote("s3://no-such-bucket-16/cache"))
    assert code == 1
    assert remote["cache.fingerprint"]["message"] == (
        "cannot read the cache: cannot list s3://no-such-bucket-16/cache: the bucket does not exist "
        "(check the bucket name in the URL)")


def test_without_deep_the_reads_are_the_index_files_and_the_listing(s3, cache_project: Path, capsys,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """O(index files): one listing, tusz-guard-cache.json and index.json, whatever the number of entries."""
    from tusz_guard.storage import remote

    url = s3.upload(cache_project / "cache" / "tusz", "c")
    calls: list[str] = []
    real_list, real_read = remote.list_files, remote.read_small
    monkeypatch.setattr("tusz_guard.checks.remote_cache.list_files",
                        lambda fs, loc: calls.append(f"list {loc.name}") or real_list(fs, loc))
    monkeypatch.setattr("tusz_guard.checks.remote_cache.read_small",
                        lambda fs, loc: calls.append(f"read {loc.name}") or real_read(fs, loc))
    code, _ = _check(capsys, cache_project, *_remote(url))
    assert code == 0
    assert calls == ["list c", "read tusz-guard-cache.json", "read index.json"]


def test_every_check_runs_on_a_remote_cache(s3, cache_project: Path, capsys) -> None:
    """The whole preflight: only cache.disk_space (nothing is built remotely) and the windows suite (it reads every
    labels.npy: O(entries)) skip remotely; every other finding has the local copy's status."""
    url = s3.upload(cache_project / "cache" / "tusz", "c")
    config = str(cache_project / "configs" / "train.yaml")
    runs = []
    for extra in ((), _remote(url)):
        code = run(["check", config, "--format", "json", "-o", "-", *extra])
        runs.append((code, {f["id"]: f for f in json.loads(capsys.readouterr().out)["checks"]}))
    (code, local), (rcode, remote) = runs
    bad = {c: remote[c]["message"] for c in remote if remote[c]["status"] == "fail"}
    assert rcode == code and set(remote) == set(local), bad
    differs = {cid for cid in local if local[cid]["status"] != remote[cid]["status"]}
    assert differs <= {"cache.disk_space", "expectations.windows"}, {c: remote[c]["message"] for c in differs}
    assert all(remote[c]["status"] == "skip" for c in differs)
    assert remote["config.paths"]["message"].startswith(f"cache_dir {url} (from data.cache_dir of ")


def test_credentials_in_a_cache_url_never_reach_the_output(s3, cache_project: Path, capsys) -> None:
    url = s3.upload(cache_project / "cache" / "tusz", "c")
    secret = url.replace("s3://", "s3://someone:hunter2secret@") + "?X-Amz-Signature=sig123abc"
    code = run(["check", str(cache_project / "configs" / "train.yaml"), "--no-expectations", "--format", "json",
                "-o", "-", *_remote(secret)])
    out, err = capsys.readouterr()
    assert code in (0, 1)
    assert "hunter2secret" not in out + err and "sig123abc" not in out + err
    assert "someone:***@" in out
