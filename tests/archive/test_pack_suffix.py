"""Issue 13.4: the -o suffix selects the compression; a contradicting --compression is exit 2."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.cli import run
from tusz_guard.commands.pack import resolve_compression
from tusz_guard.errors import GuardError

GZIP, ZSTD = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"


@pytest.mark.parametrize(("name", "flag", "expected"), [
    ("x.tar.gz", None, "gz"), ("x.tgz", None, "gz"), ("x.tar.zst", None, "zst"), ("x.TAR.GZ", "gz", "gz"),
    ("x.tar.zst", "zst", "zst"), ("x.bin", "gz", "gz"), ("x.bin", None, "zst"), (None, None, "zst"),
    (None, "gz", "gz"),
])
def test_suffix_selects_the_compression(name: str | None, flag: str | None, expected: str) -> None:
    assert resolve_compression(Path(name) if name else None, flag) == expected


def test_a_folder_leaves_the_choice_to_the_flag(tmp_path: Path) -> None:
    assert resolve_compression(tmp_path, "gz") == "gz"


@pytest.mark.parametrize(("name", "flag", "message"), [
    ("x.tar.gz", "zst", "-o x.tar.gz names a gz archive but --compression is zst (drop --compression, or name the "
                        "file x.tar.zst)"),
    ("x.tar.zst", "gz", "-o x.tar.zst names a zst archive but --compression is gz"),
    ("x.tar", None, "-o x.tar: pack writes compressed archives only (name it .tar.zst or .tar.gz)"),
])
def test_a_contradiction_is_refused(name: str, flag: str | None, message: str) -> None:
    with pytest.raises(GuardError) as err:
        resolve_compression(Path(name), flag)
    assert str(err.value).startswith(message)


def test_cli_exit_2_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.tar.gz"
    assert run(["pack", str(tmp_path / "no-such.yaml"), "-o", str(out), "--compression", "zst"]) == 2
    assert "names a gz archive but --compression is zst" in capsys.readouterr().err
    assert not out.exists()


def test_pack_to_tar_gz_writes_gzip(full_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache.tar.gz"
    assert run(["pack", str(full_config), "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == GZIP
