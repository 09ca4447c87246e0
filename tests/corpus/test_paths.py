"""TuszPath: round trips and the exact error for each broken rule."""
from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.corpus.paths import MONTAGES, SPLITS, SUFFIXES, TuszPath, TuszPathError
from tusz_guard.errors import GuardError

REL = "train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf"

dates = st.one_of(
    st.integers(1980, 2025).map(str),
    st.tuples(st.integers(1980, 2025), st.integers(1, 12), st.integers(1, 28)).map(
        lambda t: f"{t[0]}_{t[1]:02d}_{t[2]:02d}"),
)
tusz_paths = st.builds(
    TuszPath,
    split=st.sampled_from(SPLITS),
    patient=st.text("abcdefghijklmnopqrstuvwxyz", min_size=8, max_size=8),
    session=st.integers(0, 999),
    session_date=dates,
    montage=st.sampled_from(MONTAGES),
    token=st.integers(0, 999),
    suffix=st.sampled_from(SUFFIXES),
)


def test_parse_fields() -> None:
    p = TuszPath.parse(REL)
    assert p == TuszPath("train", "aaaaaaac", 1, "2002", "01_tcp_ar", 0, ".edf")
    assert p.stem == "aaaaaaac_s001_t000"
    assert p.session_dir == "s001_2002"
    assert p.format() == REL
    assert str(p) == REL


def test_old_release_full_session_date() -> None:
    rel = "dev/abcdefgh/s012_2003_07_16/02_tcp_le/abcdefgh_s012_t003.csv_bi"
    p = TuszPath.parse(rel)
    assert (p.session, p.session_date, p.token, p.suffix) == (12, "2003_07_16", 3, ".csv_bi")
    assert p.format() == rel


def test_parse_accepts_pure_paths() -> None:
    assert TuszPath.parse(PurePosixPath(REL)) == TuszPath.parse(REL)
    assert TuszPath.parse(PureWindowsPath(REL.replace("/", "\\"))).format() == REL


def test_with_suffix_keeps_the_recording() -> None:
    p = TuszPath.parse(REL).with_suffix(".csv")
    assert p.format() == REL.removesuffix(".edf") + ".csv"
    with pytest.raises(TuszPathError, match=r"suffix '\.tse' is not one of \.edf, \.csv, \.csv_bi"):
        p.with_suffix(".tse")


@given(tusz_paths)
def test_round_trip(p: TuszPath) -> None:
    assert TuszPath.parse(p.format()) == p


BAD = [
    ("edf/train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf", "layout",
     "expected <split>/<patient>/<sNNN_date>/<montage>/<patient>_sNNN_tNNN<suffix> (5 parts, relative to "
     "data_dir), got 6 parts; point data_dir at the folder holding train/dev/eval"),
    ("aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf", "layout",
     "expected <split>/<patient>/<sNNN_date>/<montage>/<patient>_sNNN_tNNN<suffix> (5 parts, relative to "
     "data_dir), got 4 parts; point data_dir at the folder holding train/dev/eval"),
    ("val/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf", "split",
     "split 'val' is not one of train, dev, eval; TUSZ names the validation split 'dev'; rename the folder"),
    ("validation/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf", "split",
     "split 'validation' is not one of train, dev, eval; TUSZ names the validation split 'dev'; "
     "rename the folder"),
    ("test/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf", "split",
     "split 'test' is not one of train, dev, eval; point data_dir at the folder holding train/dev/eval"),
    ("train/AAAAAAAC/s001_2002/01_tcp_ar/AAAAAAAC_s001_t000.edf", "patient",
     "patient folder 'AAAAAAAC' must be 8 lowercase letters (e.g. 'aaaaaaac')"),
    ("train/aaaaaac/s001_2002/01_tcp_ar/aaaaaac_s001_t000.edf", "patient",
     "patient folder 'aaaaaac' must be 8 lowercase letters (e.g. 'aaaaaaac')"),
    ("train/aaaaaaac/s1_2002/01_tcp_ar/aaaaaaac_s001_t000.edf", "session",
     "session folder 's1_2002' must be sNNN_YYYY (v2.0.3, e.g. 's001_2002') or sNNN_YYYY_MM_DD "
     "(<= v2.0.2, e.g. 's001_2003_07_16')"),
    ("train/aaaaaaac/s001_2003_07/01_tcp_ar/aaaaaaac_s001_t000.edf", "session",
     "session folder 's001_2003_07' must be sNNN_YYYY (v2.0.3, e.g. 's001_2002') or sNNN_YYYY_MM_DD "
     "(<= v2.0.2, e.g. 's001_2003_07_16')"),
    ("train/aaaaaaac/s001_2002/05_tcp_xx/aaaaaaac_s001_t000.edf", "montage",
     "montage folder '05_tcp_xx' is not one of 01_tcp_ar, 02_tcp_le, 03_tcp_ar_a, 04_tcp_le_a"),
    ("train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.tse", "file",
     "file name 'aaaaaaac_s001_t000.tse' must be <patient>_sNNN_tNNN with suffix .edf, .csv, .csv_bi "
     "(e.g. 'aaaaaaac_s001_t000.edf')"),
    ("train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t0.edf", "file",
     "file name 'aaaaaaac_s001_t0.edf' must be <patient>_sNNN_tNNN with suffix .edf, .csv, .csv_bi "
     "(e.g. 'aaaaaaac_s001_t000.edf')"),
    ("train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaab_s001_t000.edf", "file",
     "file name patient 'aaaaaaab' disagrees with patient folder 'aaaaaaac'; move or rename the file"),
    ("train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s002_t000.edf", "file",
     "file name session 's002' disagrees with session folder 's001'; move or rename the file"),
]


@pytest.mark.parametrize(("rel", "rule", "message"), BAD)
def test_invalid_paths(rel: str, rule: str, message: str) -> None:
    with pytest.raises(TuszPathError) as info:
        TuszPath.parse(rel)
    assert isinstance(info.value, GuardError)
    assert info.value.rule == rule
    assert info.value.message == f"{rel}: {message}"


def test_absolute_path_rejected() -> None:
    with pytest.raises(TuszPathError, match="relative to data_dir"):
        TuszPath.parse("/train/aaaaaaac/s001_2002/01_tcp_ar/aaaaaaac_s001_t000.edf")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("session", 1000, "session 1000 and token 0 must be 0..999"),
    ("token", -1, "session 1 and token -1 must be 0..999"),
    ("session_date", "02", "session date '02' must be YYYY or YYYY_MM_DD"),
    ("montage", "01_tcp", "montage folder '01_tcp' is not one of 01_tcp_ar, 02_tcp_le, 03_tcp_ar_a, 04_tcp_le_a"),
])
def test_direct_construction_is_validated(field: str, value: object, message: str) -> None:
    values = {"split": "train", "patient": "aaaaaaac", "session": 1, "session_date": "2002",
              "montage": "01_tcp_ar", "token": 0, field: value}
    with pytest.raises(TuszPathError) as info:
        TuszPath(**values)  # type: ignore[arg-type]
    assert info.value.message.endswith(message)


def _one_rule_at_a_time(rel: str) -> TuszPath | str:
    """parse() with its one-match fast path switched off: every rule checked in turn (the reference)."""
    import re

    from tusz_guard.corpus import paths

    saved = paths._CLEAN
    paths._CLEAN = re.compile(r"(?!)")       # matches nothing
    try:
        return TuszPath.parse(rel)
    except TuszPathError as exc:
        return str(exc)
    finally:
        paths._CLEAN = saved


_pieces = st.sampled_from(["train", "dev", "eval", "val", "aaaaaaac", "aaaaaaad", "AAAAAAAC", "s001_2002",
                           "s002_2002", "s001_2003_07_16", "s001_20", "01_tcp_ar", "03_tcp_ar_a", "05_tcp",
                           "aaaaaaac_s001_t000.edf", "aaaaaaac_s001_t001.csv_bi", "aaaaaaad_s001_t000.edf",
                           "aaaaaaac_s002_t000.csv", "aaaaaaac_s001_t000.tse", "aaaaaaac_s١٠١_t000.edf", "", "."])


@given(st.lists(_pieces, min_size=4, max_size=6).map("/".join), st.booleans())
def test_fast_path_equals_rule_by_rule(rel: str, leading_slash: bool) -> None:
    """The one-match fast path accepts exactly what the rule-by-rule parse accepts, with the same fields."""
    rel = "/" + rel if leading_slash else rel
    try:
        got: TuszPath | str = TuszPath.parse(rel)
    except TuszPathError as exc:
        got = str(exc)
    assert got == _one_rule_at_a_time(rel)


@given(tusz_paths)
def test_fast_path_round_trip_equals_rule_by_rule(p: TuszPath) -> None:
    assert TuszPath.parse(p.format()) == _one_rule_at_a_time(p.format()) == p
