"""`tusz-guard inventory`: the ledger as a table, JSON or CSV."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import click

from tusz_guard.atomic import is_stdout, write_output
from tusz_guard.commands.common import CONFIG_ARG, NO_MEMO, SCAN_WORKERS, SET_OPTION, echo_paths, overrides
from tusz_guard.corpus.funnel import funnel_lines
from tusz_guard.corpus.ledger import Ledger, Recording, build_ledger
from tusz_guard.pipeline.foreign_config import load_any
from tusz_guard.progress import count_bar
from tusz_guard.storage.location import shown_path
from tusz_guard.textsafe import safe, safe_value

SCHEMA = "tusz-guard/inventory/v1"
FIELDS = ("path", "role", "patient", "session", "montage", "sfreq", "duration_s", "n_signals", "status",
          "reason", "windows", "seizure_events", "seizure_s", "notes")
# Per-file numbers under the names the totals use; the rest of FIELDS are Recording attributes of the same name.
DERIVED: dict[str, Callable[[Recording], object]] = {
    "windows": lambda r: r.windows_expected,
    "seizure_events": lambda r: len(r.seizure_intervals),
    "seizure_s": lambda r: round(r.seizure_seconds, 3),
}


SUFFIX_FORMATS = {".json": "json", ".csv": "csv"}      # -o's suffix picks the format when --format is not given


@click.command("inventory")
@CONFIG_ARG
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None,
              help="table (default), json or csv; without --format, an -o file's suffix (.json, .csv) picks it.")
@click.option("--all", "show_all", is_flag=True, help="Table: list every recording, not only excluded ones.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the inventory to this file (replaced atomically; '-' is stdout) instead of stdout.")
@SET_OPTION
@NO_MEMO
@SCAN_WORKERS
def command(config: str, fmt: str | None, show_all: bool, out: str | None, sets: tuple[str, ...]) -> int:
    """List every recording under data_dir, its role, and why excluded ones are out.

    \b
    Examples:
      tusz-guard inventory configs/train.yaml
      tusz-guard inventory configs/train.yaml --format json -o inventory.json
    """
    fmt = fmt or SUFFIX_FORMATS.get(Path(out).suffix.lower() if out is not None else "", "table")
    cfg = load_any(config, overrides=overrides(sets))
    echo_paths(cfg, err=fmt != "table" or out is not None)
    with count_bar("scanning the corpus") as tick:
        ledger = build_ledger(cfg, tick)
    if fmt == "json":
        text = json.dumps(inventory_json(ledger), separators=(",", ":")) + "\n"   # for programs: compact (4x faster)
    elif fmt == "csv":
        text = inventory_csv(ledger)
    else:
        text = inventory_table(ledger, cfg.config.data.validation_split, show_all) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        write_output(out, text)
        if not is_stdout(out):
            click.echo(f"inventory: {out}", err=True)
    return 0


def row_dict(rec: Recording) -> dict[str, object]:
    """The JSON/CSV fields of one recording."""
    return {name: _value(rec, name) for name in FIELDS}


def _value(rec: Recording, name: str) -> object:
    if name in DERIVED:
        return DERIVED[name](rec)
    return list(rec.notes) if name == "notes" else getattr(rec, name)


def totals_json(ledger: Ledger) -> dict[str, dict[str, object]]:
    """Per-role totals in the inventory/v1 shape."""
    return {role: {"found": t.found, "included": t.included, "excluded": t.excluded, "patients": t.patients,
                   "hours": round(t.hours, 4), "windows_expected": t.windows_expected,
                   "seizure_seconds": round(t.seizure_seconds, 4)}
            for role, t in ledger.totals().items()}


def inventory_json(ledger: Ledger) -> dict[str, object]:
    return {"schema": SCHEMA, "data_dir": shown_path(ledger.data_dir), "split_policy": ledger.policy,
            "recordings": [row_dict(r) for r in ledger.recordings], "totals": totals_json(ledger),
            "layout_problems": [{"path": p, "problem": m} for p, m in ledger.layout_problems]}


def inventory_csv(ledger: Ledger) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for rec in ledger.recordings:
        row = row_dict(rec)
        row["notes"] = "; ".join(rec.notes)
        writer.writerow(safe_value(row))     # names may hold newlines or undecodable bytes
    return buf.getvalue()


def inventory_table(ledger: Ledger, validation_split: float, show_all: bool) -> str:
    lines = []
    rows = ledger.recordings if show_all else [r for r in ledger.recordings if not r.included]
    if rows:
        width = max(len(safe(r.path)) for r in rows)
        lines.append(f"{'path':<{width}}  {'role':<5}  {'status':<8}  {'reason':<16}  notes")
        for r in rows:     # paths and notes are foreign text: escaped (a name must not print a line of its own)
            lines.append(f"{safe(r.path):<{width}}  {r.role or '-':<5}  {r.status:<8}  {r.reason or '':<16}  "
                         f"{safe('; '.join(r.notes))}")
        lines.append("")
    lines.append(f"{'role':<5}  {'found':>7}  {'included':>8}  {'patients':>8}  {'hours':>8}  {'windows':>9}  "
                 f"{'seizure_s':>10}  excluded")
    for role, t in ledger.totals().items():
        excluded = ", ".join(f"{k} {v:,}" for k, v in t.excluded.items()) or "-"
        lines.append(f"{role:<5}  {t.found:>7,}  {t.included:>8,}  {t.patients:>8,}  {t.hours:>8.2f}  "
                     f"{t.windows_expected:>9,}  {t.seizure_seconds:>10.1f}  {excluded}")
    lines.append("")
    lines.extend(safe(line) for line in funnel_lines(ledger, validation_split))
    for path, problem in ledger.layout_problems:
        lines.append(f"  ignored {safe(path)}: {safe(problem)}")
    return "\n".join(lines)

