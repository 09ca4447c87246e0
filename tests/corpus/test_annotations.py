"""Annotation parsers: round trips, strictness problems, unreadable files."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.corpus.annotations import (
    AnnotationError,
    AnnotationFile,
    Event,
    Problem,
    parse_annotation_text,
    parse_annotations,
)

SEIZURE = ("seiz", "fnsz", "gnsz", "cpsz", "mysz")
HEADER = """# version = csv_v1.0.0
# bname = aaaaatvr_s005_t008
# duration = 301.00 secs
# montage_file = $NEDC_NFC/lib/nedc_eas_default_montage.txt
#
channel,start_time,stop_time,label,confidence
"""
CSV = HEADER + """FP1-F7,0.0000,36.8868,bckg,1.0000
FP1-F7,36.8868,183.3055,cpsz,1.0000
FP1-F7,183.3055,301.0000,bckg,1.0000
F7-T3,0.0000,40.0000,bckg,1.0000
F7-T3,40.0000,190.0000,CPSZ ,1.0000
F7-T3,190.0000,301.0000,bckg,1.0000
"""


def test_parse_real_shaped_csv() -> None:
    f = parse_annotation_text(CSV, "csv", "a.csv")
    assert (f.path, f.kind, f.version, f.bname, f.duration_s) == (
        "a.csv", "csv", "csv_v1.0.0", "aaaaatvr_s005_t008", 301.0)
    assert f.n_data_rows == f.n_parsed == 6
    assert f.problems == ()
    assert f.events[1] == Event("FP1-F7", 36.8868, 183.3055, "cpsz", 1.0)
    assert f.events[4].label == "cpsz"
    assert f.labels == frozenset({"bckg", "cpsz"})
    assert f.seizure_intervals(SEIZURE) == ((36.8868, 190.0),)
    assert f.seizure_seconds(SEIZURE) == pytest.approx(190.0 - 36.8868)
    assert f.seizure_seconds(["absz"]) == 0.0


def test_header_variants() -> None:
    text = ("# version = csv_v1.0.0\n# bname = x\n# duration = 12.3456 secs\n"
            "# montage_file = nedc_eas_default_montage.txt\n#\n"
            "channel,start_time,stop_time,label,confidence\nTERM,0.0000,12.3456,bckg,1.0000\n")
    f = parse_annotation_text(text, "csv_bi")
    assert f.duration_s == 12.3456 and f.problems == () and f.n_parsed == 1


def test_catalogue_row_4_shifted_columns_are_all_unparsed() -> None:
    # The regression read channel,start,stop,label,... as start,end,label: rows of that shape parse to nothing.
    text = HEADER.replace("channel,start_time,stop_time,label,confidence", "start_time,stop_time,label") + (
        "0.0000,36.8868,bckg\n36.8868,183.3055,cpsz\n183.3055,301.0000,bckg\n")
    f = parse_annotation_text(text, "csv")
    assert f.n_data_rows == 3 and f.n_parsed == 0 and f.events == ()
    assert [p.kind for p in f.problems] == ["header", "unparsed", "unparsed", "unparsed"]
    assert f.problems[0] == Problem(6, "header", "column header is 'start_time,stop_time,label', expected "
                                    "'channel,start_time,stop_time,label,confidence'")
    assert f.problems[1] == Problem(7, "unparsed", "row '0.0000,36.8868,bckg' is not "
                                    "channel,start_time,stop_time,label,confidence with numeric times and confidence")
    assert f.seizure_seconds(SEIZURE) == 0.0


@pytest.mark.parametrize(("row", "kind", "message"), [
    ("FP1-F7,0.0,10.0,bckg", "unparsed",
     "row 'FP1-F7,0.0,10.0,bckg' is not channel,start_time,stop_time,label,confidence with numeric times and confidence"),
    ("FP1-F7,0.0,10.0,bckg,1.0,extra", "unparsed",
     "row 'FP1-F7,0.0,10.0,bckg,1.0,extra' is not channel,start_time,stop_time,label,confidence with numeric "
     "times and confidence"),
    ("FP1-F7,zero,10.0,bckg,1.0", "unparsed",
     "row 'FP1-F7,zero,10.0,bckg,1.0' is not channel,start_time,stop_time,label,confidence with numeric "
     "times and confidence"),
    ("FP1-F7,0.0,nan,bckg,1.0", "unparsed",
     "row 'FP1-F7,0.0,nan,bckg,1.0' is not channel,start_time,stop_time,label,confidence with numeric "
     "times and confidence"),
    ("FP1-F7,5.0,10.0,,1.0", "unparsed",
     "row 'FP1-F7,5.0,10.0,,1.0' is not channel,start_time,stop_time,label,confidence with numeric "
     "times and confidence"),
    ("FP1-F7,10.0,5.0,bckg,1.0", "unparsed", "row 'FP1-F7,10.0,5.0,bckg,1.0' stops at 5 s, before its start 10 s"),
    ("FP1-F7,290.0,302.0,seiz,1.0", "outside", "event 290-302 s lies outside [0, 301] s"),
    ("FP1-F7,-1.0,5.0,seiz,1.0", "outside", "event -1-5 s lies outside [0, 301] s"),
])
def test_bad_rows(row: str, kind: str, message: str) -> None:
    f = parse_annotation_text(HEADER + row + "\n", "csv")
    assert f.n_data_rows == 1
    assert f.problems == (Problem(7, kind, message),)  # type: ignore[arg-type]
    assert f.n_parsed == (1 if kind == "outside" else 0)


def test_stop_within_rounding_of_two_decimal_duration_is_inside() -> None:
    f = parse_annotation_text(HEADER + "FP1-F7,0.0000,301.0040,bckg,1.0000\n", "csv")
    assert f.problems == ()


def test_overlap_on_one_channel_only() -> None:
    rows = ("FP1-F7,0.0,100.0,bckg,1.0\nF7-T3,50.0,60.0,seiz,1.0\nFP1-F7,90.0,120.0,fnsz,1.0\n"
            "FP1-F7,120.0,130.0,bckg,1.0\n")
    f = parse_annotation_text(HEADER + rows, "csv")
    assert f.problems == (Problem(9, "overlap", "event 90-120 s on 'FP1-F7' overlaps line 7 (0-100 s)"),)
    assert f.n_parsed == 4


def test_csv_bi_channel_must_be_term() -> None:
    f = parse_annotation_text(HEADER + "TERM,0.0,10.0,bckg,1.0\nFP1-F7,10.0,20.0,seiz,1.0\n", "csv_bi")
    assert f.problems == (Problem(8, "channel", "channel 'FP1-F7' in a .csv_bi file; expected 'TERM'"),)


def test_missing_and_bad_duration() -> None:
    no_duration = parse_annotation_text("channel,start_time,stop_time,label,confidence\nTERM,0,9e9,seiz,1\n",
                                        "csv_bi")
    assert no_duration.duration_s is None
    assert no_duration.problems == (Problem(None, "header", "no '# duration = ... secs' line; event times "
                                            "cannot be checked against the recording length"),)
    bad = parse_annotation_text("# duration = long secs\n" + HEADER.splitlines()[-1] + "\n", "csv_bi")
    assert bad.duration_s is None
    assert bad.problems == (Problem(1, "header", "duration 'long secs' is not a number of seconds"),)


def test_header_only_file_has_no_rows() -> None:
    f = parse_annotation_text(HEADER, "csv")
    assert (f.n_data_rows, f.n_parsed, f.problems) == (0, 0, ())


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty file"),
    ("\n  \n", "empty file"),
    ("# version = csv_v1.0.0\n# duration = 10.00 secs\n",
     "no column header line; expected 'channel,start_time,stop_time,label,confidence'"),
    ("# duration = 10.00 secs\nTERM,0.0000,10.0000,bckg,1.0000\n",
     "no column header line; expected 'channel,start_time,stop_time,label,confidence' before the first data "
     "row (line 2)"),
])
def test_unusable_text(text: str, reason: str) -> None:
    with pytest.raises(AnnotationError) as info:
        parse_annotation_text(text, "csv_bi", "x.csv_bi")
    assert info.value.reason == reason
    assert str(info.value) == f"x.csv_bi: {reason} (restore the file from the corpus release)"


def test_files_on_disk(tmp_path: Path) -> None:
    good = tmp_path / "a.csv"
    good.write_text(CSV, encoding="utf-8")
    assert parse_annotations(good, "csv").path == str(good)
    latin = tmp_path / "b.csv"
    latin.write_bytes(HEADER.encode() + b"FP1-F7,0.0,1.0,b\xe9ckg,1.0\n")
    with pytest.raises(AnnotationError) as info:
        parse_annotations(latin, "csv")
    assert info.value.reason == "not UTF-8 text (byte 0xe9 on line 7); re-save it as UTF-8"
    with pytest.raises(AnnotationError) as info:
        parse_annotations(tmp_path / "c.csv_bi", "csv_bi")
    assert info.value.reason == "missing file"


# --- property test: generated event lists format and parse back identically ------------------
LABELS = ("bckg", "seiz", "fnsz", "gnsz", "cpsz", "absz", "mysz")
CHANNELS = ("FP1-F7", "F7-T3", "T3-T5", "C3-CZ")


@st.composite
def channel_events(draw: st.DrawFn, channel: str) -> list[Event]:
    """Non-overlapping events on one channel, times on the 4-decimal grid within [0, 1000]."""
    cuts = sorted(draw(st.sets(st.integers(0, 10_000_000), min_size=0, max_size=12)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [Event(channel, a / 10_000, b / 10_000, draw(st.sampled_from(LABELS)),
                  draw(st.integers(0, 10_000)) / 10_000) for a, b in pairs]


@st.composite
def annotation_files(draw: st.DrawFn) -> tuple[str, list[Event]]:
    kind = draw(st.sampled_from(["csv", "csv_bi"]))
    channels = ["TERM"] if kind == "csv_bi" else draw(st.lists(st.sampled_from(CHANNELS), unique=True))
    events = [e for c in channels for e in draw(channel_events(c))]
    return kind, events


def format_file(events: list[Event], decimals: int) -> str:
    rows = "".join(f"{e.channel},{e.start:.4f},{e.stop:.4f},{e.label},{e.confidence:.4f}\n" for e in events)
    return HEADER.replace("301.00", f"{1000:.{decimals}f}") + rows


@given(annotation_files(), st.sampled_from([2, 4]))
def test_round_trip(file: tuple[str, list[Event]], decimals: int) -> None:
    kind, events = file
    parsed = parse_annotation_text(format_file(events, decimals), kind)  # type: ignore[arg-type]
    assert parsed == AnnotationFile("<string>", kind, "csv_v1.0.0", "aaaaatvr_s005_t008",  # type: ignore[arg-type]
                                    1000.0, tuple(events), len(events), ())
    seizure = [(e.start, e.stop) for e in events if e.label != "bckg"]
    if kind == "csv_bi" or len({e.channel for e in events}) <= 1:
        assert parsed.seizure_seconds(LABELS[1:]) == pytest.approx(sum(b - a for a, b in seizure))


@given(annotation_files())
def test_seizure_intervals_are_sorted_disjoint_and_cover_every_seizure(file: tuple[str, list[Event]]) -> None:
    kind, events = file
    parsed = parse_annotation_text(format_file(events, 4), kind)  # type: ignore[arg-type]
    spans = parsed.seizure_intervals(LABELS[1:])
    assert all(a < b for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    for e in events:
        if e.label != "bckg":
            assert any(a <= e.start and e.stop <= b for a, b in spans)
    assert parsed.seizure_seconds(LABELS[1:]) <= sum(e.stop - e.start for e in events if e.label != "bckg") + 1e-9
