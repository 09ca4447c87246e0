"""Corpora on object storage (issue 16.5): inventory and check's corpus checks read a corpus uploaded to the real
S3 server (moto on 127.0.0.1) and say exactly what they say of the local copy."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tusz_guard.cli import run


def _inventory(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> dict:
    assert run(["inventory", str(config), "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def uploaded(s3, tiny_corpus: Path) -> str:
    """The tiny corpus (with its deliberate defects) uploaded under s3://bucket/tusz/edf."""
    return s3.upload(tiny_corpus / "edf", "tusz", "edf")


def test_inventory_of_an_uploaded_corpus_equals_the_local_one(uploaded: str, tiny_corpus: Path, make_project,
                                                              capsys) -> None:
    config = make_project(tiny_corpus)
    local = _inventory(capsys, config)
    remote = _inventory(capsys, config, "--set", f"data.data_dir={uploaded}")
    assert remote["data_dir"] == uploaded and local["data_dir"] == str(tiny_corpus / "edf")
    assert remote["recordings"] == local["recordings"]      # every row, every column (paths are relative)
    assert remote["totals"] == local["totals"] and remote["layout_problems"] == local["layout_problems"]
    reasons = {r["reason"] for r in remote["recordings"]}
    assert {"unreadable", "no_annotations", "bad_annotations"} <= reasons      # the defects were read remotely too


def test_the_remote_scan_is_the_same_whatever_the_number_of_workers(uploaded: str, tiny_corpus: Path, make_project,
                                                                   capsys) -> None:
    config = make_project(tiny_corpus)
    one = _inventory(capsys, config, "--set", f"data.data_dir={uploaded}", "--scan-workers", "1")
    many = _inventory(capsys, config, "--set", f"data.data_dir={uploaded}", "--scan-workers", "16")
    assert one["recordings"] == many["recordings"]


def test_each_recording_costs_one_header_read_and_one_annotation_read(uploaded: str, tiny_corpus: Path, make_project,
                                                                      capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    from tusz_guard.corpus import remote

    calls: list[str] = []
    real_range, real_list, real_listed = remote.read_range, remote.list_files, remote.read_listed

    def ranged(fs, loc, a, b):
        calls.append("annotation" if loc.name.endswith(".csv_bi") else "header")
        return real_range(fs, loc, a, b)

    def listed(fs, loc, size):
        if size:                                   # an empty object is b"" without a request
            calls.append("annotation" if loc.name.endswith(".csv_bi") else "header")
        return real_listed(fs, loc, size)

    monkeypatch.setattr(remote, "read_range", ranged)
    monkeypatch.setattr(remote, "read_listed", listed)
    monkeypatch.setattr(remote, "list_files", lambda fs, loc: calls.append("list") or real_list(fs, loc))
    import s3fs.core

    api: list[str] = []         # what went to the server: every S3 call s3fs makes passes through _call_s3
    real_call = s3fs.core.S3FileSystem._call_s3

    async def counted(self, method, *args, **kwargs):
        api.append(method if isinstance(method, str) else method.__name__)
        return await real_call(self, method, *args, **kwargs)

    monkeypatch.setattr(s3fs.core.S3FileSystem, "_call_s3", counted)
    doc = _inventory(capsys, make_project(tiny_corpus), "--set", f"data.data_dir={uploaded}")
    n = len(doc["recordings"])
    with_annotations = sum(r["reason"] != "no_annotations" and r["reason"] != "unreadable" for r in doc["recordings"])
    assert calls.count("list") == 1
    nonempty = sum(p.stat().st_size > 0 for p in (tiny_corpus / "edf").rglob("*.edf"))   # an empty object: no read
    assert n > nonempty > 0 and nonempty <= calls.count("header") <= nonempty + 2   # > 40 signals: a second read
    assert with_annotations <= calls.count("annotation") <= n
    # on the wire: listing pages and one GET per read, nothing else (no HEAD, no stat)
    assert set(api) <= {"list_objects_v2", "get_object"}, sorted(set(api))
    assert api.count("get_object") == calls.count("header") + calls.count("annotation"), api


def test_check_judges_a_remote_corpus_as_the_local_one(uploaded: str, tiny_corpus: Path, make_project,
                                                        capsys) -> None:
    config = make_project(tiny_corpus)
    found = []
    for extra in ((), ("--set", f"data.data_dir={uploaded}")):
        code = run(["check", str(config), "--select", "corpus.*", "--select", "labels.*", "--select", "splits.*",
                    "--no-expectations", "--format", "json", "-o", "-", *extra])
        found.append((code, {f["id"]: (f["status"], f["message"]) for f in json.loads(capsys.readouterr().out)["checks"]}))
    (code, local), (rcode, remote) = found
    assert rcode == code and set(remote) == set(local)
    edf = str(tiny_corpus / "edf")
    assert {k: v for k, v in remote.items()} == {k: (st, m.replace(edf, uploaded)) for k, (st, m) in local.items()}


def test_a_missing_bucket_is_one_line(s3, tiny_corpus: Path, make_project, capsys) -> None:
    config = make_project(tiny_corpus)
    assert run(["inventory", str(config), "--set", "data.data_dir=s3://no-such-bucket-16/edf"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: cannot list s3://no-such-bucket-16/edf: the bucket does not exist (check the bucket name in the URL)")


def test_an_empty_prefix_holds_no_recordings(s3, tiny_corpus: Path, make_project, capsys) -> None:
    config = make_project(tiny_corpus)
    assert run(["inventory", str(config), "--set", f"data.data_dir={s3.url('nothing')}"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: data_dir {s3.url('nothing')} holds no .edf files (data.data_dir must be the parent of train/ dev/ eval/)")


def test_a_remote_corpus_keeps_the_entries_built_from_its_local_copy_current(s3, built_cache_project: Path,
                                                                              tiny_clean_corpus: Path, capsys) -> None:
    """No mtime survives an upload: staleness is judged by size and the annotation file's sha256 there."""
    url = s3.upload(tiny_clean_corpus / "edf", "clean", "edf")
    config = str(built_cache_project / "configs" / "train.yaml")
    found = []
    for extra in ((), ("--set", f"data.data_dir={url}")):
        code = run(["check", config, "--select", "cache.coverage", "--no-expectations", "--format", "json", "-o", "-",
                    *extra])
        found.append((code, json.loads(capsys.readouterr().out)["checks"][0]))
    (code, local), (rcode, remote) = found
    assert code == rcode == 0 and remote["status"] == local["status"] != "fail"
    assert remote["message"] == local["message"]


@pytest.mark.parametrize("object_gone", [False, True], ids=["store-failure", "object-gone"])
def test_a_store_failure_mid_scan_ends_the_scan_but_a_vanished_object_is_that_files(
        uploaded: str, tiny_corpus: Path, make_project, capsys, monkeypatch: pytest.MonkeyPatch,
        object_gone: bool) -> None:
    """Regression: a throttled or dropped read made the recording `unreadable`, so check passed on part of the
    corpus; only an object that is gone is a fact about that file."""
    from tusz_guard.corpus import remote
    from tusz_guard.storage.remote import StorageError

    real_range = remote.read_range
    victim = sorted(p.relative_to(tiny_corpus / "edf").as_posix() for p in (tiny_corpus / "edf").rglob("*.edf")
                    if p.stat().st_size > 100_000)[3]       # a whole file: its header is read (an empty one is not)

    def failing(fs, loc, a, b):
        if loc.path.endswith(victim):
            why = "not found" if object_gone else "the server is throttling requests (SlowDown)"
            raise StorageError(f"cannot read {loc.shown}: {why}", hint="retry later", object_gone=object_gone)
        return real_range(fs, loc, a, b)

    monkeypatch.setattr(remote, "read_range", failing)
    config = make_project(tiny_corpus)
    code = run(["inventory", str(config), "--format", "json", "--set", f"data.data_dir={uploaded}"])
    out = capsys.readouterr()
    if object_gone:
        assert code == 0
        row = next(r for r in json.loads(out.out)["recordings"] if r["path"] == victim)
        assert row["reason"] == "unreadable"
    else:
        assert code == 2 and "the server is throttling requests (SlowDown)" in out.err, out.err
        assert len(out.err.strip().splitlines()) <= 4, out.err
        assert run(["check", str(config), "--no-expectations", "--select", "corpus.*", "--set",
                    f"data.data_dir={uploaded}"]) == 1                              # the gate blocks, never passes
        assert "cannot scan the corpus" in capsys.readouterr().out
