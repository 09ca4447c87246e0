"""The JSON report (schema tusz-guard/check/v2): the Report as data, nothing recomputed.

v2 adds `recordings` (one row per ledger recording) and `changes` (since the previous report of the same
config, or null); every v1 key is unchanged, so a v1 reader that ignores unknown keys reads v2 as before
(docs/report-json.md). Checks are listed cause first (results.cause_first).
"""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from tusz_guard.results import Report

SCHEMA = "tusz-guard/check/v2"
SCHEMAS = ("tusz-guard/check/v1", SCHEMA)     # what `report diff` reads


def report_dict(report: Report) -> dict[str, Any]:
    """The documented keys first (schema, status, configs, cache_dir, fingerprint, checks, totals), then extras."""
    return {
        "schema": SCHEMA,
        "status": report.status,
        "configs": [asdict(c) for c in report.configs],
        "cache_dir": report.cache_dir,
        "fingerprint": report.fingerprint,
        "checks": [{"id": f.id, "status": f.status, "title": f.title, "message": f.message, "details": f.details,
                    "duration_s": round(f.duration_s, 6)} for f in report.ordered],
        "totals": report.totals,
        "counts": report.counts(),
        "changes": report.changes,
        "strict": report.strict,
        "funnel": list(report.funnel),
        "sections": report.sections,
        "generated_at": report.generated_at,
        "tool_version": report.tool_version,
        "recordings": list(report.recordings),
    }


def render_json(report: Report) -> str:
    """Pretty JSON, keys in the documented order; anything not JSON-native is written as text.

    `recordings` is written one compact row per line: 70,000 rows indented key by key would be ten times larger.
    """
    doc = report_dict(report)
    rows = doc.pop("recordings")
    text = json.dumps(doc, indent=2, default=str)
    if not rows:
        return text[:-2] + ',\n  "recordings": []\n}\n'
    body = ",\n".join("    " + json.dumps(r, default=str, separators=(",", ":")) for r in rows)
    return text[:-2] + f',\n  "recordings": [\n{body}\n  ]\n}}\n'

