"""Every EDF header field and every annotation field, mutated: the header reader and the ledger answer with a
row (included, or excluded with a reason naming what is wrong), never an exception and never an allocation
sized by a header number.
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tusz_guard.cache.edfread import EdfReadError, read_channels
from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.corpus.edf import MAX_DURATION_S, MAX_SIGNALS, RATE_RANGE_HZ, EdfError, EdfHeader, read_header
from tusz_guard.corpus.ledger import REASONS, Recording, build_ledger

SMALL = {"sampling_rate": 64, "bandpass": [0.5, 30.0], "notch": None, "dtype": "float16"}   # fast builds
# (name, offset, width) of the fixed header fields
FIXED = [("version", 0, 8), ("patient", 8, 80), ("recording", 88, 80), ("start_date", 168, 8),
         ("start_time", 176, 8), ("header_bytes", 184, 8), ("reserved", 192, 44), ("n_records", 236, 8),
         ("record_duration", 244, 8), ("n_signals", 252, 4)]
# (name, width) of the per-signal fields, stored field-major
SIGNAL = [("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
          ("digital_min", 8), ("digital_max", 8), ("prefiltering", 8 * 10), ("samples_per_record", 8),
          ("reserved", 32)]
HOSTILE = ["1e308", "-1e308", "1e307", "-1e307", "1e30", "99999999", "-9999999", "nan", "inf", "-inf", "0", "-1",
           "", "1e-300", "0.5", "1_000", "+5", "0x10", "256.0", "600", "32768", "-32769", "5e-324", "\x00" * 8,
           "\xff" * 8, "\x1b]0;x\x07", "1 2", "e", "."]


def field_span(raw: bytes, field: str, signal: int) -> tuple[int, int]:
    """(offset, width) of a field; per-signal fields of the given signal."""
    for name, offset, width in FIXED:
        if name == field:
            return offset, width
    ns = int(raw[252:256])
    offset = 256
    for name, width in SIGNAL:
        if name == field:
            return offset + (signal % ns) * width, width
        offset += width * ns
    raise KeyError(field)


def mutate(path: Path, field: str, signal: int, value: str) -> None:
    raw = bytearray(path.read_bytes())
    offset, width = field_span(bytes(raw), field, signal)
    raw[offset:offset + width] = value.encode("latin-1")[:width].ljust(width)
    path.write_bytes(bytes(raw))


FIELDS = [name for name, _, _ in FIXED] + [name for name, _ in SIGNAL]
values = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(max_codepoint=255), max_size=12),
                   st.floats().map(repr), st.integers(-10 ** 12, 10 ** 12).map(str))


@pytest.fixture(scope="module")
def mini(tiny_clean_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two train recordings, one dev, one eval of the clean tiny corpus (read-only: copy before mutating)."""
    root = tmp_path_factory.mktemp("mini") / "corpus"
    edf = tiny_clean_corpus / "edf"
    for split, count in (("train", 2), ("dev", 1), ("eval", 1)):
        for path in sorted((edf / split).rglob("*.edf"))[:count]:
            for sibling in path.parent.glob(f"{path.stem}.*"):
                target = root / "edf" / sibling.relative_to(edf)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(sibling, target)
    return root


def target_of(corpus: Path) -> Path:
    return sorted((corpus / "edf" / "train").rglob("*.edf"))[0]


def _plausible(h: EdfHeader) -> None:
    assert 0 < h.n_signals <= MAX_SIGNALS
    assert h.duration_s <= MAX_DURATION_S
    assert all(RATE_RANGE_HZ[0] <= f <= RATE_RANGE_HZ[1] for f in h.sfreqs)
    assert isinstance(h.expected_size, int)
    assert h.size_problem is None or isinstance(h.size_problem, str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), signal=st.integers(0, 40), value=values)
def test_any_header_field_mutation_reads_or_is_unreadable(mini: Path, tmp_path: Path, field: str, signal: int,
                                                          value: str) -> None:
    path = tmp_path / "r.edf"
    shutil.copyfile(target_of(mini), path)
    mutate(path, field, signal, value)
    try:
        header = read_header(path)
    except EdfError as exc:
        assert exc.path == str(path) and str(path) in str(exc) and exc.reason
        assert len(exc.reason) < 400 and "\n" not in exc.reason, exc.reason
        return
    _plausible(header)


@pytest.fixture
def mini_copy(mini: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(mini, dest)
    return dest


def ledger_row(corpus: Path) -> Recording:
    """The ledger row of the mutated recording (the project lives next to the corpus)."""
    project = corpus.parent / "project"
    cfg_path = project / "configs" / "train.yaml"
    if not cfg_path.exists():
        cfg_path.parent.mkdir(parents=True)
        (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
        cfg_path.write_text(yaml.safe_dump({"data": {"data_dir": str(corpus / "edf"), "cache_dir": "cache/tusz"},
                                            "preprocessing": SMALL}))
    ledger = build_ledger(load_config(cfg_path))
    rel = target_of(corpus).relative_to(corpus / "edf").as_posix()
    rows = [r for r in ledger.recordings if r.path == rel]
    assert len(rows) == 1
    return rows[0]


def check_row(row: Recording) -> None:
    if row.status == "excluded":
        assert row.reason in REASONS and row.notes and row.notes[-1]
    assert (row.duration_s or 0.0) <= MAX_DURATION_S and row.windows_expected >= 0


# One private corpus per test; each example mutates one file and puts the original bytes back.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), signal=st.integers(0, 40), value=values)
def test_any_header_field_mutation_is_one_ledger_row(mini_copy: Path, field: str, signal: int, value: str) -> None:
    path = target_of(mini_copy)
    original = path.read_bytes()
    try:
        mutate(path, field, signal, value)
        check_row(ledger_row(mini_copy))
    finally:
        path.write_bytes(original)


ANNOTATION_VALUES = st.one_of(
    st.sampled_from(["1e308", "-1", "nan", "inf", "", "TERM", "seiz", "\xff", "\n", "\r", "\x1b[2J", "\ufeff",
                     "# duration = 1e400 secs", ",,,,", "\ud800"]),   # a lone surrogate: bytes that are not UTF-8
    st.text(max_size=16))


def mutate_annotation(path: Path, line: int, column: int, value: str) -> None:
    lines = path.read_bytes().split(b"\n")
    i = line % len(lines)
    fields = lines[i].split(b",")
    fields[column % len(fields)] = value.encode("utf-8", "surrogatepass")
    lines[i] = b",".join(fields)
    path.write_bytes(b"\n".join(lines))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(0, 12), column=st.integers(0, 5), value=ANNOTATION_VALUES)
def test_any_annotation_field_mutation_is_one_ledger_row(mini_copy: Path, line: int, column: int,
                                                         value: str) -> None:
    path = target_of(mini_copy).with_suffix(".csv_bi")
    original = path.read_bytes()
    try:
        mutate_annotation(path, line, column, value)
        check_row(ledger_row(mini_copy))
    finally:
        path.write_bytes(original)


# ---- item 2 and 20: the exact refusals ---------------------------------------------------------------
CASES = [
    ("record_duration", 0, "1e308", "more than a day (86,400 s) is not a plausible recording"),
    ("record_duration", 0, "99999999", "193 records of 1e+08 s declare 19,299,999,807 s; more than a day"),
    ("n_records", 0, "1e308", "1e+308 records of 1 s declare 1e+308 s; more than a day"),
    ("n_records", 0, "86401", "86,401 records of 1 s declare 86,401 s; more than a day"),
    ("n_signals", 0, "1e30", "header truncated"),
    ("n_signals", 0, "513", "number of signals is 513; more than 512 is not a plausible EEG recording"),
    ("samples_per_record", 0, "100001", "has 100,001 samples per 1 s record (100001 Hz); sampling rates outside "
                                        "1-100,000 Hz are not plausible"),
    ("record_duration", 0, "1e-9", "sampling rates outside 1-100,000 Hz"),
    ("physical_min", 3, "-1e307", "has physical range -1e+307..3276.7; beyond +-1e+12 its scale factor"),
    ("physical_max", 0, "1e307", "beyond +-1e+12 its scale factor gives no finite signal"),
    ("digital_max", 0, "-32768", "has digital min == max (-32768): its scale factor is undefined (degenerate)"),
    ("digital_min", 0, "-99999", "has digital min -99,999; EDF samples are 16-bit (-32,768..32,767)"),
]


@pytest.mark.parametrize(("field", "signal", "value", "needle"), CASES, ids=[f"{c[0]}={c[2]}" for c in CASES])
def test_implausible_header_is_unreadable(mini: Path, tmp_path: Path, field: str, signal: int, value: str,
                                          needle: str) -> None:
    path = tmp_path / "r.edf"
    shutil.copyfile(target_of(mini), path)
    mutate(path, field, signal, value)
    with pytest.raises(EdfError) as info:
        read_header(path)
    assert needle in info.value.reason


@pytest.mark.parametrize(("field", "value"), [("record_duration", "1e308"), ("physical_max", "1e307")])
def test_implausible_header_is_one_unreadable_ledger_row(mini_copy: Path, field: str, value: str) -> None:
    mutate(target_of(mini_copy), field, 0, value)
    row = ledger_row(mini_copy)
    assert (row.status, row.reason) == ("excluded", "unreadable")


def test_plausible_extremes_still_read(mini: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.edf"
    shutil.copyfile(target_of(mini), path)
    mutate(path, "physical_max", 0, "1e12")
    mutate(path, "digital_min", 1, "-32768")
    assert read_header(path).physical_max[0] == 1e12


def test_sample_reader_never_allocates_from_a_declared_count(mini: Path, tmp_path: Path) -> None:
    """The numpy reader reads only what the file holds: a header declaring a trillion records is refused."""
    path = tmp_path / "r.edf"
    shutil.copyfile(target_of(mini), path)
    header = replace(read_header(path), n_records=10 ** 12)
    with pytest.raises(EdfReadError, match="truncated"):
        read_channels(path, [0], header=header)


# ---- the same mutations through the CLI: inventory, check and build-cache ----------------------------------------
mutations = st.one_of(
    st.tuples(st.just("header"), st.sampled_from(FIELDS), st.integers(0, 40), values),
    st.tuples(st.just("annotation"), st.integers(0, 12).map(str), st.integers(0, 5), ANNOTATION_VALUES))


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = run(argv)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code in (0, 1, 2), text
    assert "Traceback" not in text and "internal error" not in text, text
    return code, text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_any_mutation_through_inventory_check_and_build_cache(mini_copy: Path, mutation: tuple[str, str, int, str],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    kind, where, index, value = mutation
    edf = target_of(mini_copy)
    path = edf if kind == "header" else edf.with_suffix(".csv_bi")
    original = path.read_bytes()
    cfg = mini_copy.parent / "project" / "configs" / "train.yaml"
    try:
        mutate(path, where, index, value) if kind == "header" else mutate_annotation(path, int(where), index, value)
        row = ledger_row(mini_copy)
        _, inventory = cli(["inventory", str(cfg), "--all"], capsys)
        assert edf.stem in inventory
        _, check = cli(["check", str(cfg), "--no-expectations"], capsys)
        if row.reason in ("unreadable", "bad_annotations"):
            assert edf.stem in check, check
        _, build = cli(["build-cache", str(cfg), "--workers", "1"], capsys)
        if "failed 0" not in build:
            assert edf.stem in build, build
    finally:
        path.write_bytes(original)
        shutil.rmtree(cfg.parents[1] / "cache", ignore_errors=True)
