"""The cache index memo: index.json parsed once per change; the same IndexFile as a fresh parse."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tusz_guard.cache import store as store_mod
from tusz_guard.cache.store import CacheStore, EntryMeta
from tusz_guard.corpus import memo

FP = "0123456789abcdef"


def _meta(key: str, seizure: int = 10) -> EntryMeta:
    return EntryMeta(key=key, source=f"train/aaaaaaac/s001_2002/01_tcp_ar/{key}.edf", source_size=1234,
                     source_mtime_ns=1_732_800_000_123_456_789, fingerprint=FP, n_channels=19, n_samples=100,
                     sampling_rate=256, dtype="float32", interpolated=("Fz", "Pz"), seizure_samples=seizure,
                     mean=(0.0,) * 19, std=(1.0,) * 19, min=-2.5, max=3.0, nonfinite=0, signal_bytes=0,
                     labels_bytes=0, built_at="2026-11-28T17:00:00Z", build_seconds=0.25, labels_source_size=None)


@pytest.fixture(autouse=True)
def _short_racy_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "RACY_MARGIN_NS", 10_000_000)


@pytest.fixture
def store(tmp_path: Path) -> CacheStore:
    s = CacheStore(tmp_path / "cache")
    s.root.mkdir()
    s.write_index({k: _meta(k) for k in ("a_s001_t000", "b_s001_t000")}, FP)
    time.sleep(0.03)
    return s


def fresh(store: CacheStore) -> object:
    memo.SETTINGS.memo = False
    try:
        return store.read_index_file()
    finally:
        memo.SETTINGS.memo = True


def test_second_read_parses_nothing(store: CacheStore, monkeypatch: pytest.MonkeyPatch) -> None:
    first = store.read_index_file()
    assert first == fresh(store)
    monkeypatch.setattr(store_mod, "_read_json", lambda path: pytest.fail(f"{path} parsed again"))
    assert store.read_index_file() == first


def test_same_size_same_mtime_rewrite_is_read(store: CacheStore) -> None:
    store.read_index_file()
    st = store.index_path.stat()
    text = store.index_path.read_text()
    changed = text.replace('"seizure_samples": 10', '"seizure_samples": 99', 1)
    assert changed != text and len(changed) == len(text)
    store.index_path.write_text(changed)
    os.utime(store.index_path, ns=(st.st_atime_ns, st.st_mtime_ns))
    time.sleep(0.03)
    got = store.read_index_file()
    assert got == fresh(store)
    assert sorted(e.seizure_samples for e in got.entries.values()) == [10, 99]     # type: ignore[union-attr]


def test_corrupt_index_memo_is_a_note_and_a_parse(store: CacheStore, capsys: pytest.CaptureFixture[str]) -> None:
    first = store.read_index_file()
    (path,) = Path(os.environ[memo.ENV_DIR]).glob("index-*.memo")
    path.write_bytes(path.read_bytes()[:-3])
    assert store.read_index_file() == first
    assert capsys.readouterr().err == f"note: scan memo {path} is corrupt or foreign; scanning cold (it is rewritten)\n"


def test_a_just_written_index_is_not_memoised(store: CacheStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # "just" = within the racy margin: a margin of a minute makes that certain on a loaded machine (the 10 ms
    # of the other tests made this one fail when the read came more than 10 ms after the write)
    monkeypatch.setattr(memo, "RACY_MARGIN_NS", 60_000_000_000)
    store.write_index({"c_s001_t000": _meta("c_s001_t000")}, FP)
    before = set(Path(os.environ[memo.ENV_DIR]).glob("index-*.memo"))
    assert sorted(store.read_index_file().entries) == ["c_s001_t000"]      # type: ignore[union-attr]
    assert set(Path(os.environ[memo.ENV_DIR]).glob("index-*.memo")) == before


def test_no_memo_never_writes(store: CacheStore) -> None:
    fresh(store)
    assert not list(Path(os.environ[memo.ENV_DIR]).glob("index-*.memo"))
