"""Hostile archives built with tarfile: each gets a named failure, exit 1, and unpack writes nothing anywhere."""
from __future__ import annotations

import io
import json
import os
import re
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tusz_guard.app.archive import verify
from tusz_guard.archive.pack import pack
from tusz_guard.cli import run
from tusz_guard.config import load_config

ESCAPE = f"tusz-guard-escape-{os.getpid()}"
REPACK = "pack it again with `tusz-guard pack CONFIG`"


Member = tuple[tarfile.TarInfo, bytes | None]


def read_members(archive: Path) -> list[Member]:
    """Every member of an archive with its bytes (files only)."""
    with tarfile.open(archive, "r:*") as tf:
        return [(m, tf.extractfile(m).read() if m.isfile() else None) for m in tf.getmembers()]  # type: ignore[union-attr]


def write_tar(path: Path, members: list[Member], mode: str = "w:gz") -> Path:
    """Write members with tarfile exactly as given (hostile ones included)."""
    level = {"compresslevel": 1} if mode.endswith("gz") else {}
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT, **level) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def file_info(name: str, data: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


@pytest.fixture
def rewrite(packed: Path, tmp_path: Path) -> Callable[[Callable[[list[Member]], list[Member]]], Path]:
    """rewrite(change) -> a copy of the packed archive whose member list went through change()."""
    def make(change: Callable[[list[Member]], list[Member]]) -> Path:
        return write_tar(tmp_path / "hostile.tar.gz", change(read_members(packed)))
    return make


def special(name: str, kind: bytes, link: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, None


def add(member: Member) -> Callable[[list[Member]], list[Member]]:
    return lambda ms: ms + [member]


def first_file(ms: list[Member], suffix: str) -> int:
    return next(i for i, (m, _) in enumerate(ms) if m.name.endswith(suffix))


def duplicate(ms: list[Member]) -> list[Member]:
    i = first_file(ms, "labels.npy")
    return ms + [file_info(ms[i][0].name, b"other content")]


def bigger(ms: list[Member]) -> list[Member]:
    i = first_file(ms, "labels.npy")
    info, data = ms[i]
    return ms[:i] + [file_info(info.name, data + b"\x00" * 16)] + ms[i + 1:]


def flip_byte(ms: list[Member]) -> list[Member]:
    i = first_file(ms, "signal.npy")
    info, data = ms[i]
    assert data is not None
    changed = data[:-1] + bytes([data[-1] ^ 0xFF])
    return ms[:i] + [file_info(info.name, changed)] + ms[i + 1:]


def edit_manifest(edit: Callable[[dict], None]) -> Callable[[list[Member]], list[Member]]:
    def change(ms: list[Member]) -> list[Member]:
        info, data = ms[0]
        doc = json.loads(data or b"")
        edit(doc)
        return [file_info(info.name, json.dumps(doc).encode())] + ms[1:]
    return change


def lie_size(doc: dict) -> None:
    doc["members"][3]["size"] += 1
    doc["totals"]["bytes"] += 1


def lie_sum(doc: dict) -> None:
    doc["members"][3]["sha256"] = "0" * 64


SAFETY = [
    ("dotdot", add(file_info(f"../{ESCAPE}", b"x")), f"'../{ESCAPE}' (path climbs out with '..')"),
    ("absolute", add(file_info(f"/tmp/{ESCAPE}", b"x")), f"'/tmp/{ESCAPE}' (absolute path)"),
    ("symlink", add(special("cache/tusz/entries/evil", tarfile.SYMTYPE, "/etc")),
     "'cache/tusz/entries/evil' (symbolic link -> /etc: only regular files and directories are allowed)"),
    ("hardlink", add(special("cache/tusz/hl", tarfile.LNKTYPE, f"../../{ESCAPE}")),
     f"'cache/tusz/hl' (hard link -> ../../{ESCAPE}: only regular files and directories are allowed)"),
    ("device", add(special("cache/tusz/dev", tarfile.CHRTYPE)),
     "'cache/tusz/dev' (device node: only regular files and directories are allowed)"),
    ("fifo", add(special("cache/tusz/fifo", tarfile.FIFOTYPE)),
     "'cache/tusz/fifo' (FIFO: only regular files and directories are allowed)"),
    ("duplicate", duplicate, "(a second member with the same name)"),
    ("control-chars", add(file_info("cache/tusz/red\x1b[31m\x07", b"x")),
     "'cache/tusz/red\\x1b[31m\\x07' (name holds control characters)"),
]


def by_id(findings: list) -> dict:
    return {f.id: f for f in findings}


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def assert_unpack_writes_nothing(archive: Path, fresh_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = fresh_config.parent.parent.parent
    before = tree(root)
    assert run(["unpack", str(archive), "--config", str(fresh_config)]) == 1
    assert f"REFUSED to unpack {archive}: archive failed" in capsys.readouterr().out
    assert tree(root) == before
    assert not Path(f"/tmp/{ESCAPE}").exists()


@pytest.mark.parametrize("name, change, unsafe", SAFETY, ids=[c[0] for c in SAFETY])
def test_unsafe_member_fails_safety_and_unpack_writes_nothing(name, change, unsafe, rewrite, fresh_config, capsys):
    archive = rewrite(change)
    f = by_id(verify(archive, None).findings)["archive.safety"]
    assert f.status == "fail"
    assert f.message.startswith("1 unsafe member(s): ") and unsafe in f.message
    assert f.message.endswith(f"; unpack refuses this archive; {REPACK}")
    assert run(["verify-archive", str(archive)]) == 1
    assert_unpack_writes_nothing(archive, fresh_config, capsys)


def test_changed_byte_names_the_member(rewrite, fresh_config, capsys):
    archive = rewrite(flip_byte)
    name = next(m.name for m, _ in read_members(archive) if m.name.endswith("signal.npy"))
    f = by_id(verify(archive, None).findings)
    assert f["archive.checksums"].status == "fail"
    assert f["archive.checksums"].message == (f"1 member(s) differ from the manifest's sha256: {name}: changed or "
                                              f"corrupted after packing; {REPACK} from the cache")
    assert f["archive.completeness"].status == "pass"
    assert_unpack_writes_nothing(archive, fresh_config, capsys)


def test_member_bigger_than_declared(rewrite, packed, fresh_config, capsys):
    archive = rewrite(bigger)
    info = next(m for m, _ in read_members(packed) if m.name.endswith("labels.npy"))
    f = by_id(verify(archive, None).findings)
    assert f["archive.totals"].status == "fail"
    assert f["archive.completeness"].status == "fail"
    assert (f"member '{info.name}' is {info.size + 16:,} bytes, the manifest declares {info.size:,}"
            in f["archive.completeness"].message)
    assert f"{info.name} is {info.size + 16:,} bytes, its meta.json declares {info.size:,}" in \
        f["archive.completeness"].details["problems"]
    assert f["archive.checksums"].details["mismatched"] == [info.name]
    assert_unpack_writes_nothing(archive, fresh_config, capsys)


@pytest.mark.parametrize("edit, check, text", [
    (lie_size, "archive.completeness", "is {size:,} bytes, the manifest declares {lie:,}"),
    (lie_sum, "archive.checksums", "1 member(s) differ from the manifest's sha256: {name}:"),
], ids=["sizes", "sums"])
def test_manifest_that_lies(edit, check, text, rewrite, packed, fresh_config, capsys):
    archive = rewrite(edit_manifest(edit))
    doc = json.loads(read_members(packed)[0][1] or b"")
    m = doc["members"][3]
    f = by_id(verify(archive, None).findings)[check]
    assert f.status == "fail"
    assert text.format(size=m["size"], lie=m["size"] + 1, name=m["name"]) in f.message
    assert_unpack_writes_nothing(archive, fresh_config, capsys)


def test_manifest_not_json(rewrite, fresh_config, capsys):
    archive = rewrite(lambda ms: [file_info(ms[0][0].name, b"{not json")] + ms[1:])
    f = by_id(verify(archive, None).findings)
    assert f["archive.completeness"].message == ("tusz-guard-archive.json: the manifest member is not valid: "
                                                 f"not JSON (JSONDecodeError); {REPACK}")
    assert f["archive.checksums"].status == "skip"
    assert_unpack_writes_nothing(archive, fresh_config, capsys)


@pytest.mark.parametrize("compression, what", [("gz", "gzip"), ("zst", "zstd")])
@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_truncated_stream_fails_readable(compression, what, keep, small_config, tmp_path, fresh_config, capsys):
    whole = pack(load_config(small_config), tmp_path, compression, progress=False).path
    data = whole.read_bytes()
    cut = tmp_path / f"cut.tar.{compression}"
    cut.write_bytes(data[: int(len(data) * keep)])
    f = by_id(verify(cut, None).findings)
    assert f["archive.readable"].status == "fail"
    assert re.fullmatch(rf"cut\.tar\.{compression}: inside member '[^']+': truncated {what} stream: it ends inside "
                        "a compressed frame; the file is incomplete, copy or pack it again",
                        f["archive.readable"].message), f["archive.readable"].message
    assert {f[i].status for i in ("archive.totals", "archive.completeness", "archive.checksums")} == {"skip"}
    assert_unpack_writes_nothing(cut, fresh_config, capsys)


def test_uncompressed_tar_cut_at_a_member_boundary(packed, tmp_path, fresh_config, capsys):
    members = read_members(packed)
    plain = write_tar(tmp_path / "plain.tar", members, mode="w")
    data = plain.read_bytes()
    # the last member's data ends where the end-of-archive marker begins: cut there
    end = len(data.rstrip(b"\x00"))
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: (end + 511) // 512 * 512])
    f = by_id(verify(cut, None).findings)["archive.readable"]
    assert f.status == "fail"
    assert f.message == (f"cut.tar: after member '{members[-1][0].name}': the end-of-archive marker is "
                         "missing: the archive stops after a member; the file is incomplete, copy or pack it again")
    assert_unpack_writes_nothing(cut, fresh_config, capsys)


@pytest.mark.parametrize("content, check, message", [
    (b"", "archive.readable", "empty.tar: the archive is empty: no tar data"),
    (None, "archive.totals", f"the archive holds no members: it is empty; {REPACK}"),
], ids=["zero-bytes", "no-members"])
def test_empty_archive(content, check, message, tmp_path, fresh_config, capsys):
    path = tmp_path / "empty.tar"
    if content is None:
        write_tar(path, [], mode="w")
    else:
        path.write_bytes(content)
    f = by_id(verify(path, None).findings)[check]
    assert (f.status, f.message) == ("fail", message)
    assert run(["verify-archive", str(path)]) == 1
    assert_unpack_writes_nothing(path, fresh_config, capsys)


def test_trailing_junk_after_the_stream(packed, tmp_path):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(packed.read_bytes() + b"junk")
    f = by_id(verify(path, None).findings)["archive.readable"]
    assert f.status == "fail" and "data after the end of the gzip stream" in f.message


def test_unsupported_compression(tmp_path):
    path = tmp_path / "x.tar.xz"
    path.write_bytes(b"\xfd7zXZ\x00" + b"\x00" * 100)
    f = by_id(verify(path, None).findings)["archive.readable"]
    assert f.message == "x.tar.xz: xz compression is not supported (use gz or zst)"


def test_missing_archive_is_a_usage_error(tmp_path):
    assert run(["verify-archive", str(tmp_path / "nope.tar.gz")]) == 2
