"""verify-copy: a copy equal to its source passes; a changed byte, a missing entry, an extra file, a missing index,
a truncated file each fail naming the file; --self checks a copy against its own sums; the same on S3."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tusz_guard.cache.store import CacheStore
from tusz_guard.cli import run


def _cfg(project: Path) -> str:
    return str(project / "configs" / "train.yaml")


def _copy(project: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(project / "cache" / "tusz", dest)
    return dest


def _key(project: Path) -> str:
    return CacheStore(project / "cache" / "tusz").list_entries()[0]


def _flip(path: Path, offset: int = -3) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))


def _verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, dict]]:
    code = run(["verify-copy", *argv, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, {f["id"]: f for f in doc["checks"]}


def test_a_copy_equal_to_its_source_passes(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    n_files = sum(1 for p in dest.rglob("*") if p.is_file() and p.name != ".lock")
    assert run(["verify-copy", _cfg(cache_project), str(dest)]) == 0
    out = capsys.readouterr().out
    assert f"all {n_files} cache files are present at their sizes" in out
    assert f"all {n_files} files equal the local cache (" in out and out.rstrip().endswith("0 skipped")


def test_one_changed_byte_fails_the_checksums_naming_the_file(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    key = _key(cache_project)
    _flip(dest / "entries" / key / "signal.npy")
    code, found = _verify(capsys, _cfg(cache_project), str(dest))
    assert code == 1 and found["copy.listing"]["status"] == "pass"
    check = found["copy.checksums"]
    assert check["status"] == "fail"
    assert check["message"].startswith("1 problem(s) (1 changed) of ")
    assert f"entries/{key}/signal.npy: sha256 " in check["message"]
    assert check["details"]["problems"][0]["kind"] == "changed"
    code, found = _verify(capsys, _cfg(cache_project), str(dest), "--fast")     # sizes cannot see it
    assert code == 0 and found["copy.checksums"]["status"] == "skip"


def test_a_missing_entry_fails_the_listing(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    key = _key(cache_project)
    shutil.rmtree(dest / "entries" / key)
    code, found = _verify(capsys, _cfg(cache_project), str(dest), "--fast")
    assert code == 1
    assert found["copy.listing"]["message"] == (f"3 problem(s) (3 missing): entries/{key}/signal.npy: missing from "
                                                f"the copy; entries/{key}/labels.npy: missing from the copy; "
                                                f"entries/{key}/meta.json: missing from the copy")


def test_an_extra_and_a_truncated_file_fail_the_listing(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    key = _key(cache_project)
    (dest / "entries" / key / "notes.txt").write_text("hello")
    labels = dest / "entries" / key / "labels.npy"
    size = labels.stat().st_size
    labels.write_bytes(labels.read_bytes()[:100])
    code, found = _verify(capsys, _cfg(cache_project), str(dest))
    assert code == 1
    assert found["copy.listing"]["message"] == (f"2 problem(s) (1 extra, 1 truncated): entries/{key}/labels.npy: "
                                                f"truncated: 100 of {size:,} bytes; entries/{key}/notes.txt: not part "
                                                "of the cache (5 bytes)")
    assert found["copy.checksums"]["status"] == "pass"     # the files the listing failed are not hashed again


def test_a_missing_index_fails(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    (dest / "index.json").unlink()
    code, found = _verify(capsys, _cfg(cache_project), str(dest))
    assert code == 1 and found["copy.index"]["status"] == "fail"
    assert found["copy.index"]["message"].startswith(f"{dest}/index.json is missing (")
    assert "index.json: missing from the copy" in found["copy.listing"]["message"]
    code, found = _verify(capsys, "--self", str(dest))
    assert code == 1 and [found[i]["status"] for i in ("copy.index", "copy.listing", "copy.checksums")] == \
        ["fail", "skip", "skip"]


def test_a_copy_of_another_cache_fails_the_index_tier(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    doc = json.loads((dest / "index.json").read_text())
    doc["fingerprint"] = "0" * 16
    (dest / "index.json").write_text(json.dumps(doc))
    code, found = _verify(capsys, _cfg(cache_project), str(dest), "--fast")
    assert code == 1 and "this is a copy of another cache" in found["copy.index"]["message"]


def test_self_checks_a_copy_against_its_own_sums(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    code, found = _verify(capsys, "--self", str(dest))
    assert code == 0 and found["copy.checksums"]["message"].startswith("all ")
    assert "equal the sums in the copy's own index" in found["copy.checksums"]["message"]
    key = _key(cache_project)
    _flip(dest / "entries" / key / "labels.npy")
    meta = dest / "entries" / key / "meta.json"
    meta.write_text(meta.read_text().replace('"n_channels": 19', '"n_channels": 18'))
    code, found = _verify(capsys, "--self", str(dest))
    assert code == 1
    message = found["copy.checksums"]["message"]
    assert message.startswith("2 problem(s) (2 changed) of ")
    assert f"entries/{key}/labels.npy: sha256 " in message and "recorded when it was built" in message
    assert f"entries/{key}/meta.json: differs from its record in the copy's index.json" in message


def test_self_on_a_v1_copy_without_sums_warns_sizes_only(cache_project: Path, tmp_path: Path, capsys) -> None:
    dest = _copy(cache_project, tmp_path)
    doc = json.loads((dest / "index.json").read_text())
    for key, record in doc["entries"].items():
        record.pop("signal_sha256"), record.pop("labels_sha256")
        (dest / "entries" / key / "meta.json").write_text(json.dumps(record))
    (dest / "index.json").write_text(json.dumps(doc))
    code, found = _verify(capsys, "--self", str(dest))
    n = len(doc["entries"])
    assert code == 0 and found["copy.checksums"]["status"] == "warn"
    assert f"{2 * n:,} carry no recorded sha256 (cache format v1) and were checked by size only" in \
        found["copy.checksums"]["message"]


@pytest.mark.parametrize("argv, message", [
    (["--self"], "error: verify-copy --self takes one argument, DEST"),
    (["{cfg}"], "error: verify-copy takes CONFIG and DEST"),
    (["{cfg}", "nosuch://bucket/x"], "error: nosuch://bucket/x: unknown storage protocol 'nosuch://'"),
    (["{cfg}", "s3://"], "error: s3://: no bucket or host after 's3://'"),
    (["{cfg}", "{cache}"], "error: DEST {cache} is the config's own cache_dir"),
    (["{project}/configs/none.yaml", "/tmp/x"], "error: "),
    (["{cfg}", "{project}/no-copy"], "error: DEST {project}/no-copy is not a folder"),
    (["--self", "{cfg}"], "error: DEST {cfg} is not a folder"),
])
def test_bad_arguments_are_one_line_exit_2(cache_project: Path, capsys, argv: list[str], message: str) -> None:
    values = {"cfg": _cfg(cache_project), "project": str(cache_project), "cache": str(cache_project / "cache/tusz")}
    code = run(["verify-copy", *[a.format(**values) for a in argv]])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(message.format(**values)) and err.count("\n") == 1, err


@pytest.mark.parametrize("fmt, marker", [("junit", "<testsuite"), ("html", "<html"), ("text", "copy:      ")])
def test_every_report_format_renders_a_copy_verification(cache_project: Path, tmp_path: Path, fmt: str,
                                                         marker: str) -> None:
    dest = _copy(cache_project, tmp_path)
    (dest / "index.json").unlink()
    out = tmp_path / f"copy.{fmt}"
    assert run(["verify-copy", "--self", str(dest), "--format", fmt, "-o", str(out)]) == 1
    text = out.read_text()
    assert marker in text and "copy.index" in text
