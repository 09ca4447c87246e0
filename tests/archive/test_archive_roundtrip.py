"""pack -> verify -> unpack -> check; the incident's plain-tar archive of the smoke cache; partial packs."""
from __future__ import annotations

import json
import re
import shutil
import tarfile

import pytest

from tusz_guard.app.archive import verify
from tusz_guard.archive.pack import FIXED_MTIME, pack
from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.errors import GuardError


def statuses(findings: list) -> dict[str, str]:
    return {f.id: f.status for f in findings}


@pytest.mark.parametrize("compression", ["gz", "zst"])
def test_pack_verify_unpack_check_round_trip(compression, full_config, fresh_full_config, tmp_path, capsys):
    result = pack(load_config(full_config), tmp_path, compression, progress=False)
    assert result.path.name == f"cache-tusz-9cd21cce38854d56-train5of5-val4of4-test0of3.tar.{compression}"
    assert statuses(verify(result.path, load_config(full_config)).findings) == {
        "archive.safety": "pass", "archive.readable": "pass", "archive.totals": "pass",
        "archive.completeness": "pass", "archive.checksums": "pass", "archive.prefix": "pass",
        "archive.fingerprint": "pass", "archive.coverage": "warn"}       # test role not built: a warning
    assert run(["verify-archive", str(result.path), "--config", str(full_config)]) == 0
    assert run(["unpack", str(result.path), "--config", str(fresh_full_config)]) == 0
    assert "unpacked 9 entries into cache/tusz" in capsys.readouterr().out
    cache = fresh_full_config.parent.parent / "cache"
    assert sorted(p.name for p in cache.iterdir()) == ["tusz"]          # no staging left behind
    assert run(["check", str(fresh_full_config)]) == 0
    # unpacking again: every entry is already there, identical
    assert run(["unpack", str(result.path), "--config", str(fresh_full_config)]) == 0
    assert "unpacked 0 entries into cache/tusz; 9 were already there, identical" in capsys.readouterr().out


def test_pack_is_deterministic_and_manifest_first(small_config, tmp_path):
    cfg = load_config(small_config)
    a = pack(cfg, tmp_path / "a.tar.gz", "gz", progress=False).path
    b = pack(cfg, tmp_path / "b.tar.gz", "gz", progress=False).path
    assert a.read_bytes() == b.read_bytes()
    with tarfile.open(a, "r:gz") as tf:
        members = tf.getmembers()
        manifest = json.loads(tf.extractfile(members[0]).read())  # type: ignore[union-attr]
    names = [m.name for m in members]
    assert names[0] == "cache/tusz/tusz-guard-archive.json"
    assert names[1:] == sorted(names[1:]) == [m["name"] for m in manifest["members"]]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(0, 0, "", "", 0o644)}
    assert {m.name: m.mtime for m in members if m.mtime != FIXED_MTIME} == {"cache/tusz/index.json": FIXED_MTIME + 1}
    assert manifest["coverage"] == {"train": {"included": 1, "covered": 1, "stale": 0, "missing": 0},
                                    "val": {"included": 1, "covered": 1, "stale": 0, "missing": 0},
                                    "test": {"included": 1, "covered": 0, "stale": 0, "missing": 1}}
    assert manifest["partial"] is False and manifest["config"] == "configs/small.yaml"


def test_incident_plain_tar_of_smoke_cache_fails_the_full_config(smoke_config, full_config, tmp_path, capsys):
    """Catalogue row 3: the upload held cache/train (the smoke cache), made with plain tar."""
    upload = tmp_path / "upload.tar.gz"
    with tarfile.open(upload, "w:gz", compresslevel=1) as tf:
        tf.add(smoke_config.parent.parent / "cache" / "train", arcname="cache/train")
    findings = {f.id: f for f in verify(upload, load_config(full_config)).findings}
    assert findings["archive.totals"].status == "warn"
    assert findings["archive.totals"].message.startswith("no manifest (made with plain tar?): ")
    assert findings["archive.completeness"].status == "warn"
    assert findings["archive.prefix"].status == "fail"
    assert findings["archive.prefix"].message == (
        "the archive holds cache/train/, but configs/train.yaml reads cache/tusz/ (data.cache_dir): it is another "
        "config's cache; pack this one with `tusz-guard pack configs/train.yaml`")
    assert findings["archive.coverage"].status == "fail"
    assert findings["archive.coverage"].message == (
        "holds 2 of 5 train, 2 of 4 val, 0 of 3 test recordings current for configs/train.yaml: 5 training "
        "recordings would be processed live; build with `tusz-guard build-cache configs/train.yaml` and pack again")
    assert run(["verify-archive", str(upload), "--config", str(full_config)]) == 1
    assert run(["verify-archive", str(upload)]) == 0          # on its own it is a consistent (plain) cache archive
    capsys.readouterr()


def test_check_archive_adds_verify(smoke_config, full_config, tmp_path, capsys):
    upload = tmp_path / "upload.tar"
    with tarfile.open(upload, "w") as tf:
        tf.add(smoke_config.parent.parent / "cache" / "train", arcname="cache/train")
    assert run(["check", str(full_config), "--archive", str(upload)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  archive.prefix" in out and "FAIL  archive.coverage" in out


def test_partial_pack(partial_config, tmp_path, capsys):
    cfg = load_config(partial_config)
    with pytest.raises(GuardError) as err:
        pack(cfg, tmp_path, "zst", progress=False)
    assert err.value.exit_code == 1
    assert err.value.message == ("cache/tusz covers 5 of 5 train, 0 of 4 val, 0 of 3 test recordings: val incomplete, "
                                 "so the archive would not serve configs/train.yaml")
    result = pack(cfg, tmp_path, "zst", allow_partial=True, progress=False)
    assert result.path.name == "cache-tusz-9cd21cce38854d56-PARTIAL-train5of5-val0of4-test0of3.tar.zst"
    assert result.manifest.partial is True
    totals = {f.id: f for f in verify(result.path, None).findings}["archive.totals"]
    assert totals.status == "warn"
    # 2 cache files + 5 entries x 3 files; byte counts vary with the build times recorded in meta.json
    assert re.fullmatch(r"17 files, [\d,]+ bytes as declared; packed with --allow-partial: it covers 5 of 5 train, "
                        r"0 of 4 val, 0 of 3 test", totals.message), totals.message


def test_verify_archive_formats(packed, small_config, tmp_path, capsys):
    assert run(["verify-archive", str(packed), "--config", str(small_config), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # cause first (the warning on test coverage), then the passes in tier order
    assert [(c["id"], c["status"]) for c in doc["checks"]] == [
        ("archive.coverage", "warn"), ("archive.safety", "pass"), ("archive.readable", "pass"),
        ("archive.totals", "pass"), ("archive.completeness", "pass"), ("archive.checksums", "pass"),
        ("archive.prefix", "pass"), ("archive.fingerprint", "pass")]
    assert doc["sections"]["archive"]["manifest"] is True
    assert doc["sections"]["archive"]["coverage"] == {"train": "1 of 1", "val": "1 of 1", "test": "0 of 1"}
    out = tmp_path / "archive.xml"
    assert run(["verify-archive", str(packed), "--format", "junit", "-o", str(out)]) == 0
    assert 'name="archive.checksums"' in out.read_text() or "archive.checksums" in out.read_text()
    html = tmp_path / "archive.html"
    assert run(["verify-archive", str(packed), "--format", "html", "-o", str(html)]) == 0
    assert '<section id="archive">' in html.read_text()


def test_unpack_never_overwrites_a_different_entry(packed, small_config, fresh_config, capsys):
    cache = fresh_config.parent.parent / "cache" / "tusz"
    shutil.copytree(small_config.parent.parent / "cache" / "tusz", cache)
    key = sorted(p.name for p in (cache / "entries").iterdir())[0]
    labels = cache / "entries" / key / "labels.npy"
    labels.write_bytes(labels.read_bytes()[:-1] + b"\x01")
    before = labels.read_bytes()
    assert run(["unpack", str(packed), "--config", str(fresh_config)]) == 1
    assert labels.read_bytes() == before
    assert not [p for p in cache.parent.iterdir() if p.name != "tusz"]


def test_unpack_refuses_a_foreign_directory(packed, fresh_config, capsys):
    cache = fresh_config.parent.parent / "cache" / "tusz"
    cache.mkdir(parents=True)
    (cache / "notes.txt").write_text("mine")
    assert run(["unpack", str(packed), "--config", str(fresh_config)]) == 1
    assert "holds files but no tusz-guard-cache.json" in capsys.readouterr().err
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
