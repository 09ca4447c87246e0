"""Bad input for the parsers, archive readers and renderers (issue 12): each case ends in exit 0/1/2 with a
line naming the file, never a traceback, never exit 3, never memory or disk sized by a header field.
"""
from __future__ import annotations

import errno
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from tusz_guard.cli import run
from tusz_guard.textsafe import safe

SMALL = {"preprocessing": {"sampling_rate": 64, "bandpass": [0.5, 30.0], "notch": None, "dtype": "float16"}}


# ---- helpers ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    code: int
    text: str       # stdout + stderr
    out: str        # stdout alone


def invoke(argv: list[object], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """Run the CLI in-process; no outcome may hold a traceback or an internal error."""
    capsys.readouterr()
    code = run([str(a) for a in argv])
    captured = capsys.readouterr()
    outcome = Outcome(code, captured.out + captured.err, captured.out)
    assert "Traceback" not in outcome.text, outcome.text
    assert code in (0, 1, 2) and "internal error" not in outcome.text, outcome.text
    return outcome


def copy_mini(source: Path, dest: Path) -> Path:
    """Two train recordings, one dev, one eval of `source` (a corpus root) under dest/edf."""
    edf = source / "edf"
    for split, count in (("train", 2), ("dev", 1), ("eval", 1)):
        for path in sorted((edf / split).rglob("*.edf"))[:count]:
            for sibling in path.parent.glob(f"{path.stem}.*"):
                target = dest / "edf" / sibling.relative_to(edf)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(sibling, target)
    return dest


def write_project(project: Path, data_dir: Path | str, **sections: dict) -> Path:
    doc: dict = {"experiment": {"name": "tusz_train", "kind": "full", "output_dir": "results/train"},
                 "data": {"data_dir": str(data_dir), "cache_dir": "cache/tusz"}, **SMALL}
    for key, value in sections.items():
        doc[key] = {**doc.get(key, {}), **value}
    (project / "configs").mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    cfg = project / "configs" / "train.yaml"
    cfg.write_text(yaml.safe_dump(doc, sort_keys=False))
    return cfg


def target(corpus: Path) -> Path:
    """The recording the cases damage: the first train EDF."""
    return sorted((corpus / "edf" / "train").rglob("*.edf"))[0]


def poke(path: Path, offset: int, text: str) -> None:
    data = bytearray(path.read_bytes())
    data[offset:offset + len(text)] = text.encode("latin-1")
    path.write_bytes(bytes(data))


def signal_field(path: Path, field_offset: int, width: int, text: str, signal: int = 0) -> None:
    """Overwrite one signal's value of a per-signal header field (field_offset in units of ns)."""
    ns = int(path.read_bytes()[252:256])
    poke(path, 256 + field_offset * ns + signal * width, text.ljust(width))


@pytest.fixture
def corpus(tiny_clean_corpus: Path, tmp_path: Path) -> Path:
    return copy_mini(tiny_clean_corpus, tmp_path / "corpus")


@pytest.fixture(scope="module")
def packed(tiny_clean_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(config, archive): the mini corpus built and packed with gz (read-only)."""
    root = tmp_path_factory.mktemp("packed")
    cfg = write_project(root / "project", copy_mini(tiny_clean_corpus, root / "corpus") / "edf")
    assert run(["build-cache", str(cfg), "--workers", "1"]) == 0
    archive = root / "cache.tar.gz"
    assert run(["pack", str(cfg), "--compression", "gz", "-o", str(archive)]) == 0
    return cfg, archive


@pytest.fixture
def fresh_cfg(packed: tuple[Path, Path], tmp_path: Path) -> Path:
    """A project over the packed corpus with no cache yet (unpack's destination)."""
    cfg, _ = packed
    data_dir = yaml.safe_load(cfg.read_text())["data"]["data_dir"]
    return write_project(tmp_path / "dest", data_dir)


def members_of(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive, "r:gz") as tar:
        return [(m, _read(tar, m)) for m in tar.getmembers()]


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    f = tar.extractfile(member) if member.isfile() else None
    return f.read() if f is not None else b""


def write_tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


# ---- item 2: numeric header fields ---------------------------------------------------------------------
NUMERIC = [
    ("duration-1e308", 244, "1e308   ", "more than a day"),
    ("records-1e308", 236, "1e308   ", "more than a day"),
    ("signals-1e308", 252, "1e308", "header truncated"),
    ("duration-99999999", 244, "99999999", "more than a day"),
]


@pytest.mark.parametrize(("case", "offset", "text", "reason"), NUMERIC, ids=[c[0] for c in NUMERIC])
def test_numeric_header_field_is_one_unreadable_row(case: str, offset: int, text: str, reason: str, corpus: Path,
                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edf = target(corpus)
    poke(edf, offset, text)
    cfg = write_project(tmp_path / "project", corpus / "edf")
    rel = edf.relative_to(corpus / "edf").as_posix()
    inventory = invoke(["inventory", cfg, "--all"], capsys)
    row = [line for line in inventory.text.splitlines() if line.startswith(rel)]
    assert len(row) == 1 and "unreadable" in row[0] and reason in row[0], inventory.text
    check = invoke(["check", cfg, "--no-expectations", "--select", "corpus.*"], capsys)
    assert f"{rel}: " in check.text and reason in check.text, check.text
    dry = invoke(["build-cache", cfg, "--workers", "1", "--dry-run"], capsys)
    hours = [line for line in dry.text.splitlines() if line.strip().startswith("missing")]
    assert float(hours[0].split()[2]) < 1.0, dry.text          # the plan is not sized by the bad header
    build = invoke(["build-cache", cfg, "--workers", "1"], capsys)
    assert build.code == 0 and "failed 0" in build.text, build.text
    assert not (tmp_path / "project" / "cache" / "tusz" / "entries" / edf.stem).exists()


def test_physical_range_1e307_is_unreadable_not_built_as_zeros(corpus: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    edf = target(corpus)
    signal_field(edf, 104, 8, "-1e307")
    signal_field(edf, 112, 8, "1e307")
    cfg = write_project(tmp_path / "project", corpus / "edf")
    inventory = invoke(["inventory", cfg, "--format", "json"], capsys)
    rows = {r["path"]: r for r in json.loads(inventory.out)["recordings"]}
    row = rows[edf.relative_to(corpus / "edf").as_posix()]
    assert (row["status"], row["reason"]) == ("excluded", "unreadable")
    assert "its scale factor gives no finite signal" in row["notes"][-1]
    build = invoke(["build-cache", cfg, "--workers", "1"], capsys)
    assert build.code == 0 and "built 2," in build.text, build.text
    assert not (tmp_path / "project" / "cache" / "tusz" / "entries" / edf.stem).exists()


# ---- item 20: annotation files that cannot be read ---------------------------------------------------------
def test_unreadable_annotation_file_says_why(corpus: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ann = target(corpus).with_suffix(".csv_bi")
    ann.unlink()
    ann.mkdir()
    cfg = write_project(tmp_path / "project", corpus / "edf")
    check = invoke(["check", cfg, "--no-expectations", "--select", "labels.parse"], capsys)
    assert f"{ann.name}: cannot read: a directory" in check.text, check.text
    assert "0 of 0 rows parsed" not in check.text


# ---- item 8: one stem in two montage folders -----------------------------------------------------------------
def test_duplicate_stem_fails_layout_and_the_builder_refuses(corpus: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    edf = target(corpus)
    copy = edf.parent.parent / "03_tcp_ar_a"
    copy.mkdir()
    for sibling in edf.parent.glob(f"{edf.stem}.*"):
        shutil.copy2(sibling, copy / sibling.name)
    first, second = (p.relative_to(corpus / "edf").as_posix() for p in (edf, copy / edf.name))
    cfg = write_project(tmp_path / "project", corpus / "edf")
    check = invoke(["check", cfg, "--no-expectations", "--select", "corpus.layout"], capsys)
    assert check.code == 1
    assert f"FAIL  corpus.layout  1 stem(s) name more than one recording: {edf.stem} is {first} and {second}" \
        in check.text, check.text
    build = invoke(["build-cache", cfg, "--workers", "1"], capsys)
    assert build.code == 1 and f"{first} and {second}" in build.text and "nothing was built" in build.text
    assert not (tmp_path / "project" / "cache" / "tusz" / "entries").exists()


def test_duplicate_stems_function() -> None:
    from tusz_guard.corpus.stems import duplicate_stems

    paths = ["train/p/s/02_tcp_le/p_s001_t000.edf", "train/p/s/01_tcp_ar/p_s001_t000.edf",
             "train/p/s/01_tcp_ar/p_s001_t001.edf"]
    assert duplicate_stems(paths) == [("p_s001_t000", sorted(paths[:2]))]
    assert duplicate_stems(paths[1:]) == []


# ---- item 18: symlink aliases -------------------------------------------------------------------------------
def test_output_dir_through_a_symlink_into_the_cache_fails(corpus: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    (project / "cache" / "tusz").mkdir(parents=True)
    (project / "results").symlink_to(project / "cache" / "tusz")
    cfg = write_project(project, corpus / "edf")
    check = invoke(["check", cfg, "--no-expectations", "--select", "config.paths"], capsys)
    assert check.code == 1 and "experiment.output_dir" in check.text and "overlaps data.cache_dir" in check.text


@pytest.mark.slow      # train runs the whole preflight (about 15 s)
def test_train_refuses_an_output_dir_aliased_into_the_cache(packed: tuple[Path, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = packed
    project = tmp_path / "project"
    shutil.copytree(cfg.parents[1], project, symlinks=True)
    (project / "results").symlink_to(project / "cache" / "tusz")
    before = sorted(p.name for p in (project / "cache" / "tusz").rglob("*"))
    train = invoke(["train", project / "configs" / "train.yaml", "--epochs", "1"], capsys)
    assert train.code == 1 and "overlaps data.cache_dir" in train.text, train.text
    assert sorted(p.name for p in (project / "cache" / "tusz").rglob("*")) == before


def test_cache_dir_inside_data_dir_through_an_alias_fails(corpus: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "alias").symlink_to(corpus / "edf")
    cfg = write_project(project, corpus / "edf", data={"cache_dir": "alias/cache"})
    check = invoke(["check", cfg, "--no-expectations", "--select", "config.paths"], capsys)
    assert check.code == 1 and "data.data_dir" in check.text and "overlaps data.cache_dir" in check.text
    build = invoke(["build-cache", cfg, "--workers", "1"], capsys)
    assert build.code == 1 and not (corpus / "edf" / "cache").exists()


# ---- item 11: file names that are not UTF-8 ---------------------------------------------------------------------
def test_non_utf8_file_name_under_strict_stdout(corpus: Path, tmp_path: Path) -> None:
    shutil.copy2(target(corpus), os.fsencode(corpus / "edf" / "train") + b"/\xff.edf")
    cfg = write_project(tmp_path / "project", corpus / "edf")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    reports = tmp_path / "reports"
    for argv in (["inventory", cfg], ["check", cfg, "--no-expectations", "--format", "text", "--format", "html",
                                      "--format", "junit", "--report-dir", reports]):
        proc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", *map(str, argv)], capture_output=True,
                              text=True, env=env, timeout=120)   # generous: a loaded CI host is slow
        out = proc.stdout + proc.stderr
        assert proc.returncode in (0, 1) and "Traceback" not in out and "internal error" not in out, out
        assert "train/\\xff.edf" in out, out
    assert "train/\\xff.edf" in (reports / "latest.html").read_text(encoding="utf-8")
    ET.parse(reports / "latest.xml")                          # well-formed, and the name is shown escaped
    assert "train/\\xff.edf" in (reports / "latest.xml").read_text(encoding="utf-8")


# ---- item 7: terminal injection ------------------------------------------------------------------------------------
HOSTILE_NAMES = ["cache/tusz/x\nPASS  archive.safety  fake", "cache/tusz/osc\x1b]0;owned\x07",
                 "cache/tusz/csi\u009b2J", "cache/tusz/bidi\u202egnp.exe", "cache/tusz/iso\u2066x\u2069"]


def test_hostile_member_names_are_escaped_in_every_renderer(packed: tuple[Path, Path], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    cfg, archive = packed
    extra = [(tarfile.TarInfo(name), b"x") for name in HOSTILE_NAMES]
    bad = write_tar_gz(tmp_path / "bad.tar.gz", members_of(archive) + extra)
    text = invoke(["verify-archive", bad, "--config", cfg], capsys)
    assert text.code == 1
    lines = text.text.splitlines()
    assert not [line for line in lines if line.startswith("PASS  archive.safety")], text.text
    assert "x\\nPASS  archive.safety  fake" in text.text
    for raw in ("\x1b", "\x07", "\u009b", "\u202e", "\u2066"):
        assert raw not in text.text
    assert "osc\\x1b]0;owned\\x07" in text.text and "csi\\x9b2J" in text.text and "bidi\\u202egnp" in text.text
    for fmt in ("junit", "html"):
        out = tmp_path / f"report.{fmt}"
        invoke(["verify-archive", bad, "--config", cfg, "--format", fmt, "-o", out], capsys)
        body = out.read_text(encoding="utf-8")
        assert not any(raw in body for raw in ("\x1b", "\x07", "\u009b", "\u202e")), fmt
    ET.parse(tmp_path / "report.junit")                       # still well-formed XML


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\nb", "a\\nb"), ("\x1b]0;t\x07", "\\x1b]0;t\\x07"), ("\u009b", "\\x9b"), ("\x85", "\\x85"),
    ("\u202e", "\\u202e"), ("\u2069", "\\u2069"), ("\u200f", "\\u200f"), ("\udcff", "\\xff"),
    ("\ud800", "\\ud800"), ("caf\u00e9 \u8111\u7535 \\x", "caf\u00e9 \u8111\u7535 \\x"), ("\t", "\\t"),
])
def test_safe_escapes_controls_bidi_and_undecodable_bytes(raw: str, shown: str) -> None:
    assert safe(raw) == shown
    shown.encode("utf-8")                                     # always writable by a strict UTF-8 stream


# ---- item 5: archive headers and zstd frames sized by the archive ----------------------------------------------
def _extended(kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo("././@LongLink" if kind == tarfile.GNUTYPE_LONGNAME else "pax")
    info.type, info.size = kind, size
    return info.tobuf(tarfile.GNU_FORMAT)


@pytest.mark.parametrize(("kind", "word"), [(tarfile.XHDTYPE, "pax"), (tarfile.GNUTYPE_LONGNAME, "GNU long-name")])
def test_huge_extended_header_is_refused_before_reading(kind: bytes, word: str, tmp_path: Path, fresh_cfg: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    declared = 64 << 20
    archive = tmp_path / "h.tar.gz"
    with gzip.open(archive, "wb", compresslevel=1) as f:
        f.write(_extended(kind, declared))
        f.write(b"a" * (1 << 20))                             # the header's data is read only if not refused
    tracemalloc.start()
    try:
        verify = invoke(["verify-archive", archive], capsys)
        unpack = invoke(["unpack", archive, "--config", fresh_cfg], capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = f"a {word} header at byte 0 declares {declared:,} bytes; more than 262,144 is not a tar header"
    assert verify.code == 1 and message in verify.text and "h.tar.gz" in verify.text, verify.text
    assert unpack.code == 1 and message in unpack.text
    assert peak < 48 << 20, peak


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_real_long_names_still_read(fmt: int) -> None:
    from tusz_guard.archive.streams import DecodedReader
    from tusz_guard.archive.tarstream import TarStream

    name = "cache/tusz/" + "d" * 200 + "/" + "n" * 4000
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        info = tarfile.TarInfo(name)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    reader = DecodedReader(io.BytesIO(buf.getvalue()), "tar")
    try:
        assert [m.name for m in TarStream(reader).members()] == [name]
    finally:
        reader.close()


def _rle_frame(n_blocks: int, byte: bytes = b"a", window: int = 0x58) -> bytes:
    """One zstd frame of RLE blocks: 4 bytes each, 128 KiB each when decoded."""
    block = (((128 << 10) << 3) | 2).to_bytes(3, "little") + byte
    last = (((128 << 10) << 3) | 3).to_bytes(3, "little") + byte
    return b"\x28\xb5\x2f\xfd\x00" + bytes([window]) + block * (n_blocks - 1) + last


def test_zstd_bomb_decodes_in_bounded_slices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tusz_guard.archive.streams import OUT_SIZE, decoded_chunks

    bomb = _rle_frame(8750)                                  # 35 KB that decode to 1.15 GB
    tracemalloc.start()
    try:
        sizes = [len(c) for c in decoded_chunks(io.BytesIO(bomb), "zst")]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(sizes) == 8750 * (128 << 10)
    assert max(sizes) <= OUT_SIZE and peak < 64 << 20, (max(sizes), peak)      # readinto's buffer bounds a piece
    archive = tmp_path / "bomb.tar.zst"
    archive.write_bytes(bomb)
    verify = invoke(["verify-archive", archive], capsys)
    assert verify.code == 1 and "bomb.tar.zst" in verify.text and "damaged member header at byte 0" in verify.text


def test_zstd_frame_asking_for_a_huge_window_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "w.tar.zst"
    archive.write_bytes(_rle_frame(2, window=0xA0))          # exponent 20: a 1 GiB window
    verify = invoke(["verify-archive", archive], capsys)
    assert verify.code == 1 and "a zstd frame asks for a decoding window over 32 MiB; refused" in verify.text


# ---- item 6: unpack checks sizes before writing; a full disk is the destination's problem ---------------------------
def test_member_larger_than_the_manifest_is_never_staged(packed: tuple[Path, Path], fresh_cfg: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import tusz_guard.archive.unpack as unpack_module

    _, archive = packed
    members = members_of(archive)
    big = next(i for i, (m, _) in enumerate(members) if m.name.endswith("signal.npy"))
    members[big] = (members[big][0], b"\0" * (8 << 20))       # the manifest declares the real, smaller size
    bad = write_tar_gz(tmp_path / "big.tar.gz", members)
    opened: list[str] = []
    real_open = open

    def spy(path: object, mode: str = "r", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(str(path))
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(unpack_module, "open", spy, raising=False)
    unpack = invoke(["unpack", bad, "--config", fresh_cfg], capsys)
    assert unpack.code == 1 and "REFUSED" in unpack.text
    stem = members[big][0].name.split("/")[-2]
    assert not [p for p in opened if f"{stem}/signal.npy" in p], opened
    assert not (fresh_cfg.parents[1] / "cache" / "tusz").exists()


class _FullDisk:
    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        pass


def test_full_destination_disk_is_the_destinations_problem(packed: tuple[Path, Path], fresh_cfg: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import tusz_guard.archive.unpack as unpack_module

    _, archive = packed
    monkeypatch.setattr(unpack_module, "open", lambda *a, **k: _FullDisk(), raising=False)
    unpack = invoke(["unpack", archive, "--config", fresh_cfg], capsys)
    assert unpack.code == 1
    assert "the destination is full, the archive is not at fault" in unpack.text, unpack.text
    assert "archive.readable" not in unpack.text
    assert not (fresh_cfg.parents[1] / "cache" / "tusz").exists()


def test_member_larger_than_the_free_space_is_refused_unwritten(packed: tuple[Path, Path], fresh_cfg: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    import dataclasses

    import tusz_guard.archive.unpack as unpack_module
    from tusz_guard.cache.space import free_space

    _, archive = packed
    real = free_space(fresh_cfg.parent)
    assert real is not None
    monkeypatch.setattr(unpack_module, "free_space", lambda p: dataclasses.replace(real, free=10))
    unpack = invoke(["unpack", archive, "--config", fresh_cfg], capsys)
    assert unpack.code == 1 and "bytes free: the destination is too small" in unpack.text, unpack.text


# ---- item 14: unpack into a symlink, a mount point or under a read-only parent ------------------------------------
def _dest_cache(cfg: Path) -> Path:
    return cfg.parents[1] / "cache" / "tusz"


def test_unpack_writes_through_a_symlinked_cache_dir(packed: tuple[Path, Path], fresh_cfg: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _, archive = packed
    real = tmp_path / "elsewhere" / "tusz"
    real.mkdir(parents=True)                       # an empty folder, as build-cache would fill through the link
    link = _dest_cache(fresh_cfg)
    link.parent.mkdir(parents=True)
    link.symlink_to(real, target_is_directory=True)
    unpack = invoke(["unpack", archive, "--config", fresh_cfg], capsys)
    assert unpack.code == 0, unpack.text
    assert link.is_symlink() and (real / "tusz-guard-cache.json").is_file()
    assert not [p for p in real.parent.iterdir() if p.name.startswith(".tusz-guard-unpack-")]
    assert invoke(["check", fresh_cfg, "--no-expectations", "--select", "cache.*"], capsys).code == 0


@pytest.mark.parametrize(("case", "needle"), [("dangling", "which does not exist"), ("loop", "symlink loop")])
def test_unpack_into_a_broken_symlink_is_one_line(case: str, needle: str, packed: tuple[Path, Path],
                                                  fresh_cfg: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _, archive = packed
    link = _dest_cache(fresh_cfg)
    link.parent.mkdir(parents=True)
    link.symlink_to(tmp_path / "nowhere" if case == "dangling" else link.name)
    unpack = invoke(["unpack", archive, "--config", fresh_cfg], capsys)
    assert unpack.code == 1, unpack.text
    assert [line for line in unpack.text.splitlines() if "cache/tusz" in line and needle in line], unpack.text
    assert link.is_symlink() and sorted(p.name for p in link.parent.iterdir()) == ["tusz"]


def test_unpack_into_a_mount_point_is_one_line(small_tmpfs: Path, packed: tuple[Path, Path], fresh_cfg: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _, archive = packed
    cfg = write_project(fresh_cfg.parents[1], yaml.safe_load(fresh_cfg.read_text())["data"]["data_dir"],
                        data={"cache_dir": str(small_tmpfs)})
    unpack = invoke(["unpack", archive, "--config", cfg], capsys)
    assert unpack.code == 1, unpack.text
    assert [line for line in unpack.text.splitlines() if f"{small_tmpfs} is a mount point" in line
            and "folder inside it" in line], unpack.text
    assert os.listdir(small_tmpfs) == []
    assert not [n for n in os.listdir(small_tmpfs.parent) if n.startswith(".tusz-guard-")]


def test_unpack_that_cannot_make_its_staging_folder_leaves_no_parent_behind(
        packed: tuple[Path, Path], fresh_cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: the parents made for staging were kept when the staging folder itself could not be made (its
    name, the cache folder's plus a prefix and a token, passes 255 bytes before the cache folder's does)."""
    _, archive = packed
    root = fresh_cfg.parents[1]
    cfg = write_project(root, yaml.safe_load(fresh_cfg.read_text())["data"]["data_dir"],
                        data={"cache_dir": f"new/deeper/{'c' * 240}"})
    unpack = invoke(["unpack", archive, "--config", cfg], capsys)
    assert unpack.code in (1, 2), unpack.text
    assert "Traceback" not in unpack.text and len([x for x in unpack.text.splitlines() if "error" in x]) == 1
    assert not (root / "new").exists()


@pytest.mark.parametrize("cache_dir", ["new/tusz", "empty"], ids=["missing", "empty-folder"])
def test_unpack_under_a_read_only_parent_is_one_line(cache_dir: str, small_tmpfs: Path, packed: tuple[Path, Path],
                                                     fresh_cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, archive = packed
    (small_tmpfs / "empty").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    cfg = write_project(fresh_cfg.parents[1], yaml.safe_load(fresh_cfg.read_text())["data"]["data_dir"],
                        data={"cache_dir": str(small_tmpfs / cache_dir)})
    unpack = invoke(["unpack", archive, "--config", cfg], capsys)
    assert unpack.code == 1, unpack.text
    assert [line for line in unpack.text.splitlines() if f"cannot write {small_tmpfs}" in line
            and "read-only" in line], unpack.text
    assert os.listdir(small_tmpfs) == ["empty"]


# ---- item 20: the pytest plugin reports errors in one line --------------------------------------------------------
def test_pytest_plugin_reports_a_foreign_error_in_one_line(corpus: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_project(project, corpus / "edf")
    (project / "conftest.py").write_text(
        "import tusz_guard.checks.snapshot as s\n"
        "def _boom(*a, **k):\n    raise RuntimeError('boom')\n"
        "s.gather_snapshot = _boom\n")
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "tusz_guard.pytest_plugin", "-p", "no:cacheprovider",
                           "--tusz-guard", "configs/train.yaml", "--tusz-guard-select", "corpus.*", "-q"],
                          cwd=project, capture_output=True, text=True, env=env, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "_pytest" not in out and "Traceback" not in out, out
    assert "tusz-guard internal error: RuntimeError: boom" in out
    assert len(out.splitlines()) < 40, out


def test_plugin_one_line_names_user_errors_and_bugs() -> None:
    from tusz_guard.errors import GuardError
    from tusz_guard.pytest_plugin import one_line

    assert one_line(GuardError("configs/x.yaml: bad\nline")) == "tusz-guard: configs/x.yaml: bad\\nline"
    assert one_line(OverflowError("big")).startswith("tusz-guard internal error: OverflowError: big (a bug")

