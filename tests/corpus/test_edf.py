"""EDF header reader: agreement with edfio-written files and MNE, defects, unreadable files."""
from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tusz_guard.corpus.edf import EdfError, EdfHeader, read_header

LABELS = ("EEG FP1-REF", "EEG F3-REF", "EEG C3-REF", "EEG EKG1-REF", "PHOTIC-REF", "IBI")


def write_edf(path: Path, sfreq: int, n_signals: int, seconds: int) -> Path:
    rng = np.random.default_rng(sfreq + n_signals)
    signals = [edfio.EdfSignal(rng.normal(size=sfreq * seconds) * 50, sampling_frequency=sfreq,
                               label=LABELS[i % len(LABELS)] + ("" if i < len(LABELS) else f"{i}"),
                               physical_dimension="uV")
               for i in range(n_signals)]
    edfio.Edf(signals, data_record_duration=1).write(path)
    return path


def patch(path: Path, offset: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset:offset + len(data)] = data
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(("sfreq", "n_signals", "seconds"), [(250, 3, 7), (256, 6, 5), (400, 2, 3),
                                                             (512, 9, 2)])
def test_agrees_with_mne(tmp_path: Path, sfreq: int, n_signals: int, seconds: int) -> None:
    mne = pytest.importorskip("mne")
    path = write_edf(tmp_path / "r.edf", sfreq, n_signals, seconds)
    header = read_header(path)
    raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
    assert header.n_records * header.samples_per_record[0] == raw.n_times == sfreq * seconds
    assert header.sfreqs == (float(sfreq),) * n_signals == (raw.info["sfreq"],) * n_signals
    assert list(header.labels) == raw.ch_names
    assert header.duration_s == float(seconds)
    assert (header.n_signals, header.record_duration, header.header_bytes) == (
        n_signals, 1.0, 256 * (n_signals + 1))
    assert header.size_ok and header.size_problem is None
    assert header.file_size == header.expected_size == 256 * (n_signals + 1) + seconds * 2 * sfreq * n_signals
    assert header.version == "0" and header.reserved == "" and header.defects == ()
    assert header.units == ("uV",) * n_signals
    assert header.digital_min == (-32768,) * n_signals and header.digital_max == (32767,) * n_signals


def test_fields_match_edfio(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "r.edf", 250, 4, 3)
    edf = edfio.read_edf(path)
    header = read_header(str(path))
    assert header.path == str(path)
    assert header.start_date == "01.01.85" and header.start_time == "00.00.00"
    assert header.patient_id == edf.local_patient_identification
    assert header.recording_id == edf.local_recording_identification
    assert header.physical_min == tuple(s.physical_min for s in edf.signals)
    assert header.physical_max == tuple(s.physical_max for s in edf.signals)
    assert header.bytes_per_record == 2 * 250 * 4


def test_colon_start_date_is_a_defect_not_an_error(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "r.edf", 250, 3, 2)
    patch(path, 168, b"01:01:85")
    header = read_header(path)
    assert header.start_date == "01:01:85"
    assert header.defects == ("start date '01:01:85' uses ':' instead of '.'",)
    assert header.size_ok and header.n_records == 2
    # MNE 1.13 reads this file silently with meas_date=None; the guard is what reports it.


def test_truncated_file(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "r.edf", 256, 2, 4)
    full = path.read_bytes()
    path.write_bytes(full[:-1234])
    header = read_header(path)
    assert not header.size_ok
    assert header.expected_size == len(full) == 256 * 3 + 4 * 2 * 256 * 2 == 4864
    assert header.size_problem == "truncated: 1,234 bytes short of the 4,864 the header declares"


def test_padded_file(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "r.edf", 256, 2, 4)
    path.write_bytes(path.read_bytes() + b"\0" * 10)
    header = read_header(path)
    assert not header.size_ok
    assert header.size_problem == "padded: 10 bytes beyond the 4,864 the header declares"


def test_unknown_record_count_is_flagged(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "r.edf", 250, 2, 3)
    patch(path, 236, b"-1      ")
    header = read_header(path)
    assert header.n_records == -1 and header.duration_s == 0.0 and not header.size_ok
    assert header.defects == ("number of data records is -1 (the writer never finished the file)",)
    assert header.size_problem == "unknown size: record count is -1; the file holds 3,000 data bytes (3.00 records)"


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty file (0 bytes)"),
    (b"0       short", "not an EDF file: 13 bytes, shorter than the 256-byte EDF header"),
    (b"channel,start_time,stop_time,label,confidence\n" * 10,
     "not an EDF file: version field is 'channel,', expected '0'"),
    (b"\xffBIOSEMI" + b" " * 248, "not an EDF file: version field is '\\xffBIOSEMI', expected '0'"),
])
def test_unreadable_content(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.edf"
    path.write_bytes(content)
    with pytest.raises(EdfError) as info:
        read_header(path)
    assert info.value.reason == reason
    assert info.value.path == str(path)
    assert str(info.value) == f"{path}: {reason} (re-export or remove the file)"


def test_header_shorter_than_declared(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "r.edf", 250, 4, 1)
    path.write_bytes(path.read_bytes()[:700])
    with pytest.raises(EdfError) as info:
        read_header(path)
    assert info.value.reason == "header truncated: 700 bytes, but 4 signals need 1,280"


@pytest.mark.parametrize(("offset", "data", "reason"), [
    (252, b"0   ", "number of signals is 0; an EDF file needs at least one"),
    (252, b"abc ", "number of signals is not a number: 'abc'"),
    (236, b"many    ", "number of data records is not a number: 'many'"),
    (244, b"0       ", "data record duration is 0; it must be > 0"),
    (244, b"nan     ", "data record duration is not a finite number: 'nan'"),
    (236, b"-5      ", "number of data records is -5; it must be >= 0 (or -1)"),
    # samples per record of signal 0 sit after 16+80+8+8+8+8+8+80 bytes per signal (ns = 2)
    (256 + 216 * 2, b"x       ", "samples per record of 'EEG FP1-REF' is not a number: 'x'"),
    (256 + 216 * 2, b"0       ", "signal 'EEG FP1-REF' has 0 samples per record; it must be > 0"),
])
def test_unparsable_numbers(tmp_path: Path, offset: int, data: bytes, reason: str) -> None:
    path = write_edf(tmp_path / "r.edf", 250, 2, 1)
    patch(path, offset, data)
    with pytest.raises(EdfError) as info:
        read_header(path)
    assert info.value.reason == reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EdfError) as info:
        read_header(tmp_path / "nope.edf")
    assert info.value.reason == "cannot read: No such file or directory"


def test_layout_and_signal_defects(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "r.edf", 250, 2, 1)
    patch(path, 184, b"999     ")
    patch(path, 192, b"EDF+D")
    patch(path, 176, b"10:11:12")
    patch(path, 256 + 16, b"EEG FP1-REF     ")  # second label repeats the first
    assert read_header(path).defects == (
        "start time '10:11:12' uses ':' instead of '.'",
        "header declares 999 header bytes, but 2 signals take 768",
        "EDF+D (discontinuous) recording; TUSZ files are continuous",
        "label 'EEG FP1-REF' appears more than once",
    )


# --- property test on synthesised header bytes -------------------------------------------------
printable = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=8)


def field(value: object, width: int) -> bytes:
    return str(value).ljust(width).encode("latin-1")


def number_text(value: float) -> str:
    text = f"{value:g}"
    assert len(text) <= 8
    return text


signal_st = st.fixed_dictionaries({
    "label": st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=16),
    "transducer": printable, "unit": printable,
    "pmin": st.integers(-99999, -1), "pmax": st.integers(1, 9999999),
    "dmin": st.integers(-32768, -1), "dmax": st.integers(1, 32767),
    "prefilter": printable, "samples": st.integers(4, 9999),   # 1-100,000 Hz at every record duration
})
header_st = st.fixed_dictionaries({
    "patient": printable, "recording": printable, "n_records": st.integers(0, 21600),   # at most a day
    "duration": st.sampled_from([0.5, 1.0, 2.0, 4.0]),
    "signals": st.lists(signal_st, min_size=1, max_size=40),
})


def synthesise(h: dict) -> bytes:
    sigs = h["signals"]
    ns = len(sigs)
    fixed = (field(0, 8) + field(h["patient"], 80) + field(h["recording"], 80) + b"01.02.03"
             + b"04.05.06" + field(256 * (ns + 1), 8) + field("", 44) + field(h["n_records"], 8)
             + field(number_text(h["duration"]), 8) + field(ns, 4))
    columns = [("label", 16), ("transducer", 80), ("unit", 8), ("pmin", 8), ("pmax", 8), ("dmin", 8),
               ("dmax", 8), ("prefilter", 80), ("samples", 8)]
    block = b"".join(field(s[key], width) for key, width in columns for s in sigs)
    return fixed + block + b" " * 32 * ns


@settings(max_examples=60, deadline=None)
@given(header_st)
def test_synthesised_header_parses_back(tmp_path_factory: pytest.TempPathFactory, h: dict) -> None:
    path = tmp_path_factory.mktemp("syn") / "h.edf"
    sigs = h["signals"]
    path.write_bytes(synthesise(h))
    header = read_header(path)
    assert header == EdfHeader(
        path=str(path), file_size=256 * (len(sigs) + 1), version="0", patient_id=h["patient"],
        recording_id=h["recording"], start_date="01.02.03", start_time="04.05.06",
        header_bytes=256 * (len(sigs) + 1), reserved="", n_records=h["n_records"],
        record_duration=h["duration"], n_signals=len(sigs),
        labels=tuple(s["label"] for s in sigs), transducers=tuple(s["transducer"] for s in sigs),
        units=tuple(s["unit"] for s in sigs), physical_min=tuple(float(s["pmin"]) for s in sigs),
        physical_max=tuple(float(s["pmax"]) for s in sigs), digital_min=tuple(s["dmin"] for s in sigs),
        digital_max=tuple(s["dmax"] for s in sigs), prefiltering=tuple(s["prefilter"] for s in sigs),
        samples_per_record=tuple(s["samples"] for s in sigs), defects=header.defects,
    )
    labels = [s["label"] for s in sigs]
    expected_dupes = tuple(f"label '{lab}' appears more than once" for i, lab in enumerate(labels)
                           if lab in labels[:i])
    assert header.defects == expected_dupes
    record = 2 * sum(s["samples"] for s in sigs)
    assert header.expected_size == 256 * (len(sigs) + 1) + h["n_records"] * record
    assert header.size_ok == (h["n_records"] == 0)


_SIGNAL_VALUES = st.tuples(st.integers(-5, 300_000), st.integers(-40_000, 40_000), st.integers(-40_000, 40_000),
                           st.sampled_from([0.0, 1.0, -3200.0, 1e12, -1e12, 1.5e12, -2e12]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_SIGNAL_VALUES, min_size=1, max_size=6), st.sampled_from([0.5, 1.0, 2.0]))
def test_whole_header_signal_test_agrees_with_the_per_signal_rules(signals: list[tuple[int, int, int, float]],
                                                                   duration: float) -> None:
    """The whole-block min/max test plus the per-header rate test refuse a header exactly when a per-signal rule
    refuses one of its signals."""
    from dataclasses import replace

    from tusz_guard.corpus import edf

    n = len(signals)
    base = EdfHeader(path="x.edf", file_size=0, version="0", patient_id="", recording_id="", start_date="",
                     start_time="", header_bytes=256 * (n + 1), reserved="", n_records=1, record_duration=duration,
                     n_signals=n, labels=tuple(f"S{i}" for i in range(n)), transducers=("",) * n, units=("uV",) * n,
                     physical_min=(0.0,) * n, physical_max=(1.0,) * n, digital_min=(0,) * n, digital_max=(1,) * n,
                     prefiltering=("",) * n, samples_per_record=(1,) * n, defects=())
    h = replace(base, samples_per_record=tuple(s[0] for s in signals), digital_min=tuple(s[1] for s in signals),
                digital_max=tuple(s[2] for s in signals), physical_max=tuple(s[3] for s in signals))
    refused = False
    for i, label in enumerate(h.labels):
        try:
            edf._check_signal(h, i, label)
        except EdfError:
            refused = True
    block_ok = edf._block_plausible(h.samples_per_record, h.digital_min, h.digital_max, h.physical_min,
                                    h.physical_max)
    try:
        edf._check_numbers(h, block_ok)
    except EdfError:
        assert refused
    else:
        assert not refused
    if block_ok:            # the block test alone never refuses what the per-signal rules pass
        assert not refused or not all(1.0 * duration <= n <= 100_000.0 * duration for n in h.samples_per_record)
