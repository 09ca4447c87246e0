"""The memo file's frames: read one at a time, each checked; any damage is a cold scan, never a wrong row."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.corpus import memo

ITEMS = [(f"train/p{i:05d}.edf", ("train", "01_tcp_ar", i, float(i) / 3)) for i in range(23)]


@pytest.fixture(autouse=True)
def _small_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "FRAME_ITEMS", 5)        # 23 items: five frames, the last one short


def _written(tmp_path: Path, items: list[object] = ITEMS) -> Path:
    path = tmp_path / "m.memo"
    seen: dict[str, str] = {}
    memo.write_memo(path, "identity", ("head", 1), [(k, memo.share(v, seen)) for k, v in items])   # type: ignore[misc]
    return path


def test_frames_round_trip_and_build_each_item(tmp_path: Path) -> None:
    path = _written(tmp_path)
    assert memo.read_memo(path, "identity") == (("head", 1), ITEMS)
    built = memo.read_memo(path, "identity", build=lambda item: item[0])
    assert built == (("head", 1), [k for k, _ in ITEMS])
    assert memo.read_memo(_written(tmp_path, []), "identity") == (("head", 1), [])


def test_shared_strings_load_as_one_object(tmp_path: Path) -> None:
    got = memo.read_memo(_written(tmp_path), "identity")
    assert got is not None
    rows = [row for _, row in got[1]]
    assert all(row[0] is rows[0][0] and row[1] is rows[0][1] for row in rows[:5])   # within a frame: one object


def test_an_unwanted_head_is_silent_and_reads_no_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _written(tmp_path)
    assert memo.read_memo(path, "identity", build=lambda item: pytest.fail("frame read"),
                          wanted=lambda head: head == ("other", 1)) is None
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("damage", ["truncated in a frame", "truncated at a frame", "a byte flipped in a frame",
                                    "a byte flipped in the head", "a trailing byte", "another identity"])
def test_damage_is_one_note(tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = _written(tmp_path)
    blob = bytearray(path.read_bytes())
    head_end = len(memo.MAGIC) + memo._HEAD.size + memo._HEAD.unpack_from(blob, len(memo.MAGIC))[2]
    identity = "identity"
    if damage == "truncated in a frame":
        blob = blob[:-3]
    elif damage == "truncated at a frame":
        blob = blob[:head_end]
    elif damage == "a byte flipped in a frame":
        blob[head_end + memo._FRAME.size + 2] ^= 0x01
    elif damage == "a byte flipped in the head":
        blob[head_end - 2] ^= 0x01
    elif damage == "a trailing byte":
        blob += b"\0"
    else:
        identity = "another"
    path.write_bytes(bytes(blob))
    assert memo.read_memo(path, identity) is None
    assert capsys.readouterr().err == f"note: scan memo {path} is corrupt or foreign; scanning cold (it is rewritten)\n"


def test_old_scan_memos_of_a_root_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each config digest (and each version of tusz-guard) writes its own memo: only the newest few are kept."""
    import os

    monkeypatch.setenv(memo.ENV_DIR, str(tmp_path / "memo"))
    folder = tmp_path / "memo"
    folder.mkdir()
    root = "abcdefabcdefabcdefab"
    for age, name in enumerate([f"{root}-{i:016x}.memo" for i in range(6)] + ["ffffffffffffffffffff-1.memo",
                                                                               f"index-{root}.memo"]):
        (folder / name).write_bytes(b"old")
        os.utime(folder / name, ns=(10**18 - age * 10**9,) * 2)
    m = memo.ScanMemo(folder / f"{root}-{'a' * 16}.memo", "identity", {})
    m.store("x.edf", ((1, 1, 1, 1, 1), None, "train"), ("row",))
    m.save()
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([f"{root}-{'a' * 16}.memo", f"{root}-{0:016x}.memo", f"{root}-{1:016x}.memo",
                           f"{root}-{2:016x}.memo", "ffffffffffffffffffff-1.memo", f"index-{root}.memo"])


def test_another_users_memos_are_not_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    folder = tmp_path / "memo"
    folder.mkdir()
    root = "abcdefabcdefabcdefab"
    for i in range(6):
        (folder / f"{root}-{i:016x}.memo").write_bytes(b"old")
    other = os.getuid() + 1
    monkeypatch.setattr(memo.os, "getuid", lambda: other)       # every file now belongs to someone else
    memo.prune(folder / f"{root}-{0:016x}.memo")
    assert len(list(folder.iterdir())) == 6
