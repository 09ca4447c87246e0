"""What changed between two check reports (their JSON documents, schema v1 or v2): pure, no file access.

`check` compares its report with the previous one of the same config (report/history.py); `tusz-guard report
diff OLD NEW` compares any two. Both show `change_lines`, so the terminal, Markdown, HTML and JUnit say the same.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tusz_guard.flat import flatten
from tusz_guard.results import status_blocks

MAX_RECORDINGS = 200      # recording rows listed in `changes`; the count is always complete
SHOWN_RECORDINGS = 5      # of them, in the lines
RECORDING_FIELDS = ("role", "status", "reason", "cache")


def _checks(doc: Mapping[str, Any]) -> dict[str, str]:
    return {str(c.get("id")): str(c.get("status")) for c in doc.get("checks") or [] if isinstance(c, Mapping)}


def _status_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """newly failing (blocks now, did not), newly passing (blocked, does not now), other status moves."""
    before, after = _checks(old), _checks(new)
    old_strict, new_strict = bool(old.get("strict")), bool(new.get("strict"))
    out: dict[str, list[dict[str, Any]]] = {"newly_failing": [], "newly_passing": [], "status_changed": []}
    for cid, now in after.items():
        was = before.get(cid)
        if was == now:
            continue
        row = {"id": cid, "from": was, "to": now}
        blocked = was is not None and status_blocks(was, old_strict)
        if status_blocks(now, new_strict) and not blocked:
            out["newly_failing"].append(row)
        elif blocked and not status_blocks(now, new_strict):
            out["newly_passing"].append(row)
        else:
            out["status_changed"].append(row)
    out["removed"] = [{"id": cid, "from": was, "to": None} for cid, was in before.items() if cid not in after]
    return out


def _flat_numbers(value: Any) -> dict[str, float]:
    return {k: v for k, v in flatten(value).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _moved(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per-role totals and per-status counts whose number moved (absent on one side counts as 0)."""
    a = _flat_numbers({"totals": old.get("totals") or {}, "checks": old.get("counts") or {}})
    b = _flat_numbers({"totals": new.get("totals") or {}, "checks": new.get("counts") or {}})
    keys = list(b) + [k for k in a if k not in b]
    return [{"key": k.removeprefix("totals."), "from": a.get(k, 0), "to": b.get(k, 0)}
            for k in keys if a.get(k, 0) != b.get(k, 0)]


def _config_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    configs = doc.get("configs") or []
    first = configs[0] if configs and isinstance(configs[0], Mapping) else {}
    values = first.get("values")
    return dict(values) if isinstance(values, Mapping) else {}


def _config_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    a, b = _config_values(old), _config_values(new)
    keys = sorted(set(a) | set(b))
    return [{"key": k, "from": a.get(k), "to": b.get(k)} for k in keys if a.get(k) != b.get(k)]


def _recording_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """Recordings whose role, status, reason or cache state moved (both reports need `recordings`: v2)."""
    a = {r.get("path"): r for r in old.get("recordings") or [] if isinstance(r, Mapping)}
    b = [r for r in new.get("recordings") or [] if isinstance(r, Mapping)]
    if not a or not b:
        return 0, []
    rows = []
    for r in b:
        before = a.get(r.get("path"))
        moved = {f: [before.get(f) if before else None, r.get(f)] for f in RECORDING_FIELDS
                 if before is None or before.get(f) != r.get(f)}
        if moved:
            rows.append({"path": r.get("path"), **{f: {"from": x, "to": y} for f, (x, y) in moved.items()}})
    return len(rows), rows[:MAX_RECORDINGS]


def compare(old: Mapping[str, Any], new: Mapping[str, Any], previous: str | None = None) -> dict[str, Any]:
    """The `changes` section: `new` against `old` (`previous` names where old was read)."""
    n_rec, recs = _recording_changes(old, new)
    fp = (old.get("fingerprint"), new.get("fingerprint"))
    status = (old.get("status"), new.get("status"))
    return {"previous": {"path": previous, "generated_at": old.get("generated_at"), "status": old.get("status")},
            "status": {"from": status[0], "to": status[1]} if status[0] != status[1] else None,
            **_status_changes(old, new), "counts": _moved(old, new),
            "fingerprint": {"from": fp[0], "to": fp[1]} if fp[0] != fp[1] else None,
            "config": _config_changes(old, new), "recordings_changed": n_rec, "recordings": recs}


def first_run(where: str) -> dict[str, Any]:
    """The `changes` of a check with no previous report of its config."""
    return {"previous": None, "history": where}


def is_empty(changes: Mapping[str, Any]) -> bool:
    """Nothing moved (or nothing to compare with)."""
    return changes.get("previous") is None or not any(
        changes.get(k) for k in ("status", "newly_failing", "newly_passing", "status_changed", "removed", "counts",
                                 "fingerprint", "config", "recordings_changed"))


def _num(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _ids(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['id']} ({r['from'] or 'new'} -> {r['to'] or 'gone'})" for r in rows)


def _recording_line(row: Mapping[str, Any]) -> str:
    moved = "; ".join(f"{f} {row[f]['from']} -> {row[f]['to']}" for f in RECORDING_FIELDS if f in row)
    return f"{row.get('path')}: {moved}"


def change_lines(changes: Mapping[str, Any] | None) -> list[str]:
    """The changes as short lines (every renderer and `report diff` show these)."""
    if not changes:
        return []
    prev = changes.get("previous")
    if prev is None:
        return [f"no previous report of this config in {changes.get('history', 'the history')}: nothing to compare"]
    head = f"since {prev.get('generated_at') or 'the previous report'}"
    if changes.get("status"):
        head += f" ({changes['status']['from']} -> {changes['status']['to']})"
    if is_empty(changes):
        return [f"{head}: nothing changed"]
    lines = [f"{head}:"]
    for key, label in (("newly_failing", "newly failing"), ("newly_passing", "newly passing"),
                       ("status_changed", "status changed"), ("removed", "no longer run")):
        if changes.get(key):
            lines.append(f"{label}: {_ids(changes[key])}")
    if changes.get("counts"):
        lines.append("counts: " + "; ".join(f"{c['key']} {_num(c['from'])} -> {_num(c['to'])}"
                                            for c in changes["counts"]))
    if changes.get("fingerprint"):
        lines.append(f"fingerprint: {changes['fingerprint']['from']} -> {changes['fingerprint']['to']}")
    if changes.get("config"):
        lines.append("config: " + "; ".join(f"{c['key']} {c['from']!r} -> {c['to']!r}" for c in changes["config"]))
    n = int(changes.get("recordings_changed") or 0)
    if n:
        shown = list(changes.get("recordings") or [])[:SHOWN_RECORDINGS]
        lines.append(f"recordings: {n:,} changed: " + "; ".join(_recording_line(r) for r in shown)
                     + (f"; ... and {n - len(shown):,} more" if n > len(shown) else ""))
    return lines
