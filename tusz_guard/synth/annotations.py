"""`.csv` (per TCP channel, specific types) and `.csv_bi` (TERM, bckg/seiz) text for one recording."""
from __future__ import annotations

from tusz_guard.synth.montage import derivations
from tusz_guard.synth.plan import RecordingPlan, Seizure

COLUMNS = "channel,start_time,stop_time,label,confidence"
Row = tuple[str, float, float, str]


def header(plan: RecordingPlan) -> str:
    """The comment header TUSZ v2.0.x writes, ending with the column line."""
    return (f"# version = csv_v1.0.0\n# bname = {plan.stem}\n# duration = {plan.duration:.2f} secs\n"
            f"# montage_file = $NEDC_NFC/lib/{plan.montage}_montage.txt\n#\n{COLUMNS}\n")


def tile(duration: float, spans: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Background between and around sorted, disjoint spans so that events cover [0, duration]."""
    out: list[tuple[float, float, str]] = []
    at = 0.0
    for start, stop, label in spans:
        if start > at:
            out.append((at, start, "bckg"))
        out.append((start, stop, label))
        at = stop
    if at < duration:
        out.append((at, float(duration), "bckg"))
    return out


def csv_rows(plan: RecordingPlan) -> list[Row]:
    """Per derivation: the seizure types of the seizures that involve either of its electrodes."""
    rows: list[Row] = []
    for channel in derivations(plan.montage):
        ends = set(channel.split("-"))
        spans = [(s.start, s.stop, s.kind) for s in plan.seizures if ends & set(s.electrodes)]
        rows += [(channel, a, b, label) for a, b, label in tile(plan.duration, spans)]
    return rows


def csv_bi_rows(plan: RecordingPlan) -> list[Row]:
    """One TERM channel: seiz over every seizure, bckg elsewhere."""
    return [("TERM", a, b, label) for a, b, label in tile(plan.duration, [_term(s) for s in plan.seizures])]


def csv_text(plan: RecordingPlan) -> str:
    return header(plan) + "".join(f"{c},{a:.4f},{b:.4f},{label},1.0000\n" for c, a, b, label in csv_rows(plan))


def csv_bi_text(plan: RecordingPlan) -> str:
    """The `.csv_bi` file, broken on purpose for the bad-annotation defects."""
    rows = csv_bi_rows(plan)
    if "csv_bi_three_columns" in plan.defects:
        # The layout a regressed parser expected (catalogue row 4): start,stop,label with no channel.
        body = "".join(f"{a:.4f},{b:.4f},{label}\n" for _, a, b, label in rows)
    elif "csv_bi_clock_times" in plan.defects:
        body = "".join(f"{c},{_clock(a)},{_clock(b)},{label},1.0000\n" for c, a, b, label in rows)
    else:
        body = "".join(f"{c},{a:.4f},{b:.4f},{label},1.0000\n" for c, a, b, label in rows)
    return header(plan) + body


def _term(seizure: Seizure) -> tuple[float, float, str]:
    return (seizure.start, seizure.stop, "seiz")


def _clock(seconds: float) -> str:
    """h:mm:ss.ssss, an export format that is not a number of seconds."""
    minutes, secs = divmod(seconds, 60.0)
    return f"{int(minutes // 60)}:{int(minutes % 60):02d}:{secs:07.4f}"
