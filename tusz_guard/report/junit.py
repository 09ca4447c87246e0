"""JUnit XML (xunit2 flavour): one testcase per check id; fail -> <failure>, error -> <error>, skip -> <skipped>."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from tusz_guard.report.changes import change_lines
from tusz_guard.results import Finding, Report, blocks
from tusz_guard.textsafe import safe


def _case(f: Finding, strict: bool) -> ET.Element:
    case = ET.Element("testcase", {"classname": f"tusz-guard.{f.id.split('.')[0]}", "name": f.id,
                                   "time": f"{f.duration_s:.6f}"})
    # XML 1.0 cannot hold most controls and a strict UTF-8 writer cannot hold surrogates: escape first.
    details = json.dumps(f.details, indent=1, default=str) if f.details else ""   # ASCII: \u escapes
    message = safe(f.message)
    body = f"{safe(f.title)}\n{message}" + (f"\n{details}" if details else "")
    if f.status == "error":
        ET.SubElement(case, "error", {"message": message, "type": "error"}).text = body
    elif blocks(f, strict):           # fail, and warn under --strict: the one blocking rule (results.py)
        ET.SubElement(case, "failure", {"message": message, "type": f.status}).text = body
    elif f.status == "skip":
        ET.SubElement(case, "skipped", {"message": message, "type": "skip"})
    elif f.status == "warn":
        ET.SubElement(case, "system-out").text = f"warning: {message}"
    return case


def _no_checks_case() -> ET.Element:
    # An empty or all-skipped run must never look green in CI.
    case = ET.Element("testcase", {"classname": "tusz-guard", "name": "tusz-guard.run", "time": "0.000000"})
    ET.SubElement(case, "error", {"message": "no check was executed", "type": "error"}).text = (
        "tusz-guard check executed no check: every check was skipped or deselected")
    return case


def _change_properties(report: Report) -> list[tuple[str, str]]:
    """`changes` as properties: the ids that moved, the previous report, and the same lines the text shows."""
    c = report.changes
    if not c:
        return []
    props = [("changes.previous", safe(str((c.get("previous") or {}).get("path") or "none")))]
    for key in ("newly_failing", "newly_passing", "status_changed"):
        if c.get(key):
            props.append((f"changes.{key}", safe(", ".join(str(r["id"]) for r in c[key]))))
    return props + [("changes.summary", "\n".join(safe(line) for line in change_lines(c)))]


def render_junit(report: Report) -> str:
    """The report as an xunit2 document (root <testsuites>, one <testsuite>)."""
    counts = report.counts()
    cases = [_case(f, report.strict) for f in report.ordered]
    executed = len(report.findings) - counts["skip"]
    if executed == 0:
        cases.append(_no_checks_case())
    failures = sum(1 for f in report.findings if f.status != "error" and blocks(f, report.strict))
    errors = counts["error"] + (1 if executed == 0 else 0)
    total = str(len(cases))
    time = f"{sum(f.duration_s for f in report.findings):.6f}"
    attrs = {"name": f"tusz-guard {report.command}", "tests": total, "failures": str(failures), "errors": str(errors),
             "skipped": str(counts["skip"]), "time": time}
    root = ET.Element("testsuites", attrs)
    stamp = {"timestamp": report.generated_at} if report.generated_at else {}
    suite = ET.SubElement(root, "testsuite", {**attrs, **stamp})
    props = ET.SubElement(suite, "properties")
    for name, value in (("cache_dir", report.cache_dir), ("fingerprint", report.fingerprint),
                        ("configs", ", ".join(c.path for c in report.configs)), ("status", report.status),
                        *((f"override {k}", v) for c in report.configs[:1] for k, v in c.overrides.items())):
        ET.SubElement(props, "property", {"name": name, "value": safe(value)})
    for name, value in _change_properties(report):       # already escaped, line by line
        ET.SubElement(props, "property", {"name": name, "value": value})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
