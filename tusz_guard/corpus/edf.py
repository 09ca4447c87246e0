"""Fast EDF header reader: one open, the header bytes only, never the samples."""
from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

from tusz_guard.corpus.files import open_regular_stat
from tusz_guard.errors import GuardError

FIXED_BYTES = 256
SIGNAL_BYTES = 256
# (name, width) of the per-signal header fields, stored field-major: all labels, then all transducers...
_SIGNAL_FIELDS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8),
                  ("physical_max", 8), ("digital_min", 8), ("digital_max", 8), ("prefiltering", 80),
                  ("samples_per_record", 8), ("reserved", 32))
_DATE = re.compile(r"\d\d\.\d\d\.\d\d")
_DATE_COLON = re.compile(r"\d\d:\d\d:\d\d")


class EdfError(GuardError):
    """An EDF file whose header cannot be read at all (the ledger excludes it with this reason)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}", hint="re-export or remove the file")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class EdfHeader:
    """The parsed header of one EDF file plus the file size, with tolerated defects listed."""

    path: str
    file_size: int
    version: str
    patient_id: str
    recording_id: str
    start_date: str
    start_time: str
    header_bytes: int
    reserved: str
    n_records: int
    record_duration: float
    n_signals: int
    labels: tuple[str, ...]
    transducers: tuple[str, ...]
    units: tuple[str, ...]
    physical_min: tuple[float, ...]
    physical_max: tuple[float, ...]
    digital_min: tuple[int, ...]
    digital_max: tuple[int, ...]
    prefiltering: tuple[str, ...]
    samples_per_record: tuple[int, ...]
    defects: tuple[str, ...]

    @cached_property
    def sfreqs(self) -> tuple[float, ...]:
        """Sampling rate of each signal in Hz."""
        return _sfreqs(self.samples_per_record, self.record_duration)

    @property
    def duration_s(self) -> float:
        """Recording length in seconds (0.0 when the record count is unknown)."""
        return self.n_records * self.record_duration if self.n_records >= 0 else 0.0

    @property
    def bytes_per_record(self) -> int:
        """Bytes in one data record (int16 samples)."""
        return 2 * sum(self.samples_per_record)

    @property
    def expected_size(self) -> int:
        """File size the header declares."""
        return SIGNAL_BYTES * (self.n_signals + 1) + self.n_records * self.bytes_per_record

    @property
    def size_ok(self) -> bool:
        """True when the file holds exactly the declared records."""
        return self.n_records >= 0 and self.file_size == self.expected_size

    @property
    def size_problem(self) -> str | None:
        """One sentence describing a size mismatch, or None."""
        if self.n_records < 0:
            data = self.file_size - SIGNAL_BYTES * (self.n_signals + 1)
            return (f"unknown size: record count is {self.n_records}; the file holds {data:,} data bytes "
                    f"({data / self.bytes_per_record:.2f} records)")
        diff = self.file_size - self.expected_size
        if diff < 0:
            return f"truncated: {-diff:,} bytes short of the {self.expected_size:,} the header declares"
        if diff > 0:
            return f"padded: {diff:,} bytes beyond the {self.expected_size:,} the header declares"
        return None


@lru_cache(maxsize=1024)
def _sfreqs(samples_per_record: tuple[int, ...], record_duration: float) -> tuple[float, ...]:
    return tuple(n / record_duration for n in samples_per_record)


# Plausibility bounds: a header outside them is unreadable before any size, plan or allocation uses it.
MAX_SIGNALS = 512
MAX_DURATION_S = 86_400.0            # TUSZ recordings last at most about an hour; a day is generous
RATE_RANGE_HZ = (1.0, 100_000.0)
DIGITAL_RANGE = (-32768, 32767)      # samples are int16
MAX_PHYSICAL = 1e12                  # any unit: real ranges are a few thousand uV
FIRST_READ_SIGNALS = 40       # TUSZ files carry 26-36 signals: one read of 10.5 KB holds the whole header


HEAD_READ = FIXED_BYTES + FIRST_READ_SIGNALS * SIGNAL_BYTES


def read_header(path: str | Path) -> EdfHeader:
    """Read and validate the header of one EDF file; raise EdfError when it is unreadable."""
    name = str(path)
    try:
        f, st = open_regular_stat(name)
        with f:
            head = f.read(HEAD_READ)       # one read covers a typical header; the rest follows on from it
            return header_from_reads(name, st.st_size, head, lambda start, n: f.read(n))
    except OSError as exc:
        raise EdfError(name, f"cannot read: {exc.strerror or exc}") from None


def header_from_reads(name: str, size: int, head: bytes, read_more: Callable[[int, int], bytes]) -> EdfHeader:
    """The header of an EDF of `size` bytes whose first bytes are `head`; read_more(start, n) fetches the signal
    block beyond them (a local file read on, or one ranged GET on object storage)."""
    fixed = head[:FIXED_BYTES]
    _check_fixed(name, size, fixed)
    n_signals = _signal_count(name, size, fixed)
    want = n_signals * SIGNAL_BYTES          # bounded by MAX_SIGNALS and by the file size
    signal_block = head[FIXED_BYTES:FIXED_BYTES + want]
    if len(signal_block) < want:
        signal_block += read_more(FIXED_BYTES + len(signal_block), want - len(signal_block))
    if len(signal_block) < want:
        raise _truncated(name, FIXED_BYTES + len(signal_block), n_signals)
    return _build(name, size, fixed, n_signals, signal_block)


def _signal_count(name: str, size: int, fixed: bytes) -> int:
    """The signal count, bounded before anything is read or allocated from it."""
    n_signals = _int_field(name, _text(fixed[252:256]), "number of signals")
    if n_signals <= 0:
        raise EdfError(name, f"number of signals is {_num(n_signals)}; an EDF file needs at least one")
    if size < SIGNAL_BYTES * (n_signals + 1):      # the file size says so without reading (or allocating) more
        raise _truncated(name, size, n_signals)
    if n_signals > MAX_SIGNALS:
        raise EdfError(name, f"number of signals is {_num(n_signals)}; more than {MAX_SIGNALS} is not a plausible "
                       "EEG recording")
    return n_signals


def _truncated(name: str, have: int, n_signals: int) -> EdfError:
    return EdfError(name, f"header truncated: {have:,} bytes, but {_num(n_signals)} signals need "
                    f"{_num(SIGNAL_BYTES * (n_signals + 1))}")


def _num(n: int) -> str:
    """An integer from a header as a reader can take it in: 1e+30, not thirty-one groups of digits."""
    return f"{n:,}" if abs(n) < 10 ** 12 else f"{_float(n):.3g}"


def _check_fixed(name: str, size: int, fixed: bytes) -> None:
    if size == 0:
        raise EdfError(name, "empty file (0 bytes)")
    if len(fixed) < FIXED_BYTES:
        raise EdfError(name, f"not an EDF file: {len(fixed)} bytes, shorter than the 256-byte EDF header")
    version = _text(fixed[0:8])
    if version != "0":
        raise EdfError(name, f"not an EDF file: version field is {ascii(version)}, expected '0'")


def _build(name: str, size: int, fixed: bytes, ns: int, block: bytes) -> EdfHeader:
    text = fixed.decode("latin-1")  # latin-1 never fails: odd bytes in free-text fields must not make a header unreadable
    header_bytes = _int_field(name, text[184:192].strip(), "number of header bytes")
    n_records = _int_field(name, text[236:244].strip(), "number of data records")
    record_duration = _float_field(name, text[244:252].strip(), "data record duration")
    signals = _signals(block, ns) or _signals_slow(name, block, ns)
    header = EdfHeader(
        path=name, file_size=size, version=text[0:8].strip(), patient_id=text[8:88].strip(),
        recording_id=text[88:168].strip(), start_date=text[168:176].strip(), start_time=text[176:184].strip(),
        header_bytes=header_bytes, reserved=text[192:236].strip(), n_records=n_records,
        record_duration=record_duration, n_signals=ns, labels=signals.labels, transducers=signals.transducers,
        units=signals.units, physical_min=signals.physical_min, physical_max=signals.physical_max,
        digital_min=signals.digital_min, digital_max=signals.digital_max, prefiltering=signals.prefiltering,
        samples_per_record=signals.samples_per_record, defects=(),
    )
    _check_numbers(header, signals.plausible)
    defects = (*_date_time_defects(header), *_layout_defects(header), *signals.defects)
    return replace(header, defects=defects) if defects else header


@dataclass(frozen=True)
class _Signals:
    """The parsed per-signal block of a header, with its defects (a pure function of the block bytes)."""

    labels: tuple[str, ...]
    transducers: tuple[str, ...]
    units: tuple[str, ...]
    physical_min: tuple[float, ...]
    physical_max: tuple[float, ...]
    digital_min: tuple[int, ...]
    digital_max: tuple[int, ...]
    prefiltering: tuple[str, ...]
    samples_per_record: tuple[int, ...]
    defects: tuple[str, ...]
    plausible: bool             # _block_plausible of these numbers


@lru_cache(maxsize=1024)
def _signals(block: bytes, ns: int) -> _Signals | None:
    """Parse a signal block once per distinct block (a corpus has a few hundred: one per device set-up).

    None when a number is bad: the caller re-parses with the file name to raise the exact EdfError.
    """
    fields = _split_signal_fields(block, ns)
    try:
        pmin, pmax = tuple(map(float, fields["physical_min"])), tuple(map(float, fields["physical_max"]))
        dmin, dmax = tuple(map(int, fields["digital_min"])), tuple(map(int, fields["digital_max"]))
        spr = tuple(map(int, fields["samples_per_record"]))
    except ValueError:
        return None
    if not (all(map(math.isfinite, pmin)) and all(map(math.isfinite, pmax))):
        return None
    return _Signals(fields["label"], fields["transducer"], fields["unit"], pmin, pmax, dmin, dmax,
                    fields["prefiltering"], spr, tuple(_signal_defects(fields["label"], pmin, pmax, dmin, dmax)),
                    _block_plausible(spr, dmin, dmax, pmin, pmax))


def _signals_slow(name: str, block: bytes, ns: int) -> _Signals:
    """The fallback for numbers int()/float() reject as written: accept '256.0', name the offending signal."""
    fields = _split_signal_fields(block, ns)
    pmin, pmax = _floats(name, fields, "physical_min"), _floats(name, fields, "physical_max")
    dmin, dmax = _ints(name, fields, "digital_min"), _ints(name, fields, "digital_max")
    spr = _ints(name, fields, "samples_per_record")
    return _Signals(fields["label"], fields["transducer"], fields["unit"], pmin, pmax, dmin, dmax,
                    fields["prefiltering"], spr, tuple(_signal_defects(fields["label"], pmin, pmax, dmin, dmax)),
                    _block_plausible(spr, dmin, dmax, pmin, pmax))


def _split_signal_fields(block: bytes, ns: int) -> dict[str, tuple[str, ...]]:
    text = block.decode("latin-1")  # one decode, then str slices
    fields: dict[str, tuple[str, ...]] = {}
    offset = 0
    for field, width in _SIGNAL_FIELDS[:-1]:  # the trailing per-signal reserved field is never used
        fields[field] = tuple([text[i:i + width].strip() for i in range(offset, offset + ns * width, width)])
        offset += width * ns
    return fields


def _check_numbers(h: EdfHeader, block_ok: bool) -> None:
    """Refuse numbers no recording has, before anything sizes an allocation, a plan or a window count on them.

    block_ok: the signal block passed _block_plausible (then only the sampling rates are tested per header)."""
    if h.record_duration <= 0:
        raise EdfError(h.path, f"data record duration is {h.record_duration:g}; it must be > 0")
    if h.n_records < -1:
        raise EdfError(h.path, f"number of data records is {_num(h.n_records)}; it must be >= 0 (or -1)")
    if h.n_records > MAX_DURATION_S / h.record_duration:       # a division: never overflows on huge counts
        raise EdfError(h.path, f"{_num(h.n_records)} records of {h.record_duration:g} s declare "
                       f"{_seconds(h.n_records, h.record_duration)}; more than a day "
                       f"({MAX_DURATION_S:,.0f} s) is not a plausible recording")
    low, high = RATE_RANGE_HZ
    spr = h.samples_per_record
    if not (block_ok and low * h.record_duration <= min(spr) and max(spr) <= high * h.record_duration):
        for i, label in enumerate(h.labels):        # the exact message of the first implausible signal
            _check_signal(h, i, label)


def _block_plausible(spr: tuple[int, ...], dmin: tuple[int, ...], dmax: tuple[int, ...], pmin: tuple[float, ...],
                     pmax: tuple[float, ...]) -> bool:
    """Every signal passes the rules of _check_signal that do not depend on the record duration (whole-tuple
    min/max, once per distinct signal block)."""
    return (min(spr) > 0 and DIGITAL_RANGE[0] <= min(min(dmin), min(dmax))
            and max(max(dmin), max(dmax)) <= DIGITAL_RANGE[1] and not any(map(operator.eq, dmin, dmax))
            and max(max(map(abs, pmin)), max(map(abs, pmax))) <= MAX_PHYSICAL)


def _check_signal(h: EdfHeader, i: int, label: str) -> None:
    n = h.samples_per_record[i]
    if n <= 0:
        raise EdfError(h.path, f"signal '{label}' has {_num(n)} samples per record; it must be > 0")
    low, high = RATE_RANGE_HZ
    if not low * h.record_duration <= n <= high * h.record_duration:   # compared, not divided: n may be huge
        raise EdfError(h.path, f"signal '{label}' has {_num(n)} samples per {h.record_duration:g} s record "
                       f"({_rate(n, h.record_duration)}); sampling rates outside {low:g}-{high:,.0f} Hz are "
                       "not plausible")
    for field, value in (("digital min", h.digital_min[i]), ("digital max", h.digital_max[i])):
        if not DIGITAL_RANGE[0] <= value <= DIGITAL_RANGE[1]:
            raise EdfError(h.path, f"signal '{label}' has {field} {_num(value)}; EDF samples are 16-bit "
                           f"({DIGITAL_RANGE[0]:,}..{DIGITAL_RANGE[1]:,})")
    if h.digital_min[i] == h.digital_max[i]:
        raise EdfError(h.path, f"signal '{label}' has digital min == max ({h.digital_min[i]}): its scale "
                       "factor is undefined (degenerate)")
    if max(abs(h.physical_min[i]), abs(h.physical_max[i])) > MAX_PHYSICAL:
        # squares of such values overflow: z-scoring would turn the whole recording into zeros
        raise EdfError(h.path, f"signal '{label}' has physical range {h.physical_min[i]:g}..{h.physical_max[i]:g}; "
                       f"beyond +-{MAX_PHYSICAL:g} its scale factor gives no finite signal")


def _seconds(n_records: int, record_duration: float) -> str:
    seconds = _float(n_records) * record_duration
    return f"{_num(int(seconds))} s" if math.isfinite(seconds) else "an endless recording"


def _rate(n: int, record_duration: float) -> str:
    rate = _float(n) / record_duration
    return f"{rate:g} Hz" if math.isfinite(rate) else "an infinite rate"


def _float(n: int) -> float:
    try:
        return float(n)
    except OverflowError:           # beyond 1.8e308: an 8-character field cannot write it, but never crash on it
        return math.inf


def _date_time_defects(h: EdfHeader) -> list[str]:
    found = []
    if _DATE_COLON.fullmatch(h.start_date):
        found.append(f"start date '{h.start_date}' uses ':' instead of '.'")
    elif not _DATE.fullmatch(h.start_date):
        found.append(f"start date '{h.start_date}' is not dd.mm.yy")
    if _DATE_COLON.fullmatch(h.start_time):
        found.append(f"start time '{h.start_time}' uses ':' instead of '.'")
    elif not _DATE.fullmatch(h.start_time):
        found.append(f"start time '{h.start_time}' is not hh.mm.ss")
    return found


def _layout_defects(h: EdfHeader) -> list[str]:
    found = []
    declared = SIGNAL_BYTES * (h.n_signals + 1)
    if h.header_bytes != declared:
        found.append(f"header declares {h.header_bytes:,} header bytes, but {h.n_signals} signals "
                     f"take {declared:,}")
    if h.n_records == -1:
        found.append("number of data records is -1 (the writer never finished the file)")
    if h.reserved.startswith("EDF+D"):
        found.append("EDF+D (discontinuous) recording; TUSZ files are continuous")
    return found


def _signal_defects(labels: tuple[str, ...], pmin: tuple[float, ...], pmax: tuple[float, ...],
                    dmin: tuple[int, ...], dmax: tuple[int, ...]) -> list[str]:
    found = []
    seen: set[str] = set()
    for i, label in enumerate(labels):
        if label in seen:
            found.append(f"label '{label}' appears more than once")
        seen.add(label)
        if pmin[i] == pmax[i]:
            found.append(f"signal '{label}' has physical min == max ({pmin[i]:g})")
        if dmin[i] > dmax[i]:
            found.append(f"signal '{label}' has digital min {dmin[i]} > max {dmax[i]}")
    return found


def _text(raw: bytes) -> str:
    # latin-1 never fails: odd bytes in free-text fields must not make a header unreadable.
    return raw.decode("latin-1").strip()


def _int_field(name: str, text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise EdfError(name, f"{field} is not a number: {text!r}") from None
    if not value.is_integer():
        raise EdfError(name, f"{field} is not an integer: {text!r}")
    return int(value)


def _float_field(name: str, text: str, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise EdfError(name, f"{field} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise EdfError(name, f"{field} is not a finite number: {text!r}")
    return value


def _floats(name: str, fields: dict[str, tuple[str, ...]], field: str) -> tuple[float, ...]:
    try:
        values = tuple(map(float, fields[field]))
        if all(map(math.isfinite, values)):
            return values
    except ValueError:
        pass
    # slow path only for a bad file: find the offending signal and name it
    return tuple(_float_field(name, v, f"{field.replace('_', ' ')} of '{label}'")
                 for v, label in zip(fields[field], fields["label"], strict=False))


def _ints(name: str, fields: dict[str, tuple[str, ...]], field: str) -> tuple[int, ...]:
    try:
        return tuple(map(int, fields[field]))
    except ValueError:
        return tuple(_int_field(name, v, f"{field.replace('_', ' ')} of '{label}'")
                     for v, label in zip(fields[field], fields["label"], strict=False))
