"""The two ways in: the config gate in front of build-cache, and the full preflight in front of train."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tusz_guard.checks.base import worst
from tusz_guard.checks.engine import CONFIG_CHECKS, choose, run_checks
from tusz_guard.checks.model import Finding, Report
from tusz_guard.checks.snapshot import gather_config_snapshot, gather_snapshot
from tusz_guard.checks.summary import build_report
from tusz_guard.config import LoadedConfig


def config_gate(cfg: LoadedConfig, extra: Iterable[str | Path] = ()) -> Report:
    """config.* checks only (no corpus scan): what build-cache runs before writing anything."""
    snap = gather_config_snapshot(cfg, tuple(extra))
    return build_report(snap, run_checks(snap, choose([CONFIG_CHECKS])))


def preflight(cfg: LoadedConfig, extra: Iterable[str | Path] = (), *, deep: bool = False,
              archive: str | Path | None = None, select: Iterable[str] = (), skip: Iterable[str] = (),
              fail_fast: bool = False, strict: bool = False) -> Report:
    """Every selected check over one snapshot (plus archive.* findings with `archive`)."""
    checks = choose(select, skip)
    beyond_config = any(not c.id.startswith("config.") for c in checks)
    snap = gather_snapshot(cfg, tuple(extra), deep=deep, corpus=beyond_config, caches=beyond_config)
    findings = run_checks(snap, checks, fail_fast)
    extra_sections = {}
    if archive is not None and not (fail_fast and any(f.status in ("fail", "error") for f in findings)):
        found = archive_findings(archive, cfg)
        findings += found
        extra_sections["archive"] = {"path": str(archive), "status": worst(f.status for f in found),
                                     "problems": [f"{f.id}: {f.message}" for f in found if f.status != "pass"]}
    return build_report(snap, findings, strict, extra_sections)


def archive_findings(archive: str | Path, cfg: LoadedConfig) -> list[Finding]:
    """archive.* findings from the archive verifier (imported lazily: it is only needed with --archive)."""
    try:
        from tusz_guard.archive.verify import archive_findings as verify
    except ImportError as exc:
        return [Finding("archive.verify", "error", "Archive matches the config",
                        f"cannot verify {archive}: the archive verifier is not installed ({exc})")]
    try:
        return list(verify(Path(archive), cfg))
    except Exception as exc:  # the verifier's own bug must not hide the other findings
        from tusz_guard.errors import GuardError

        status = "fail" if isinstance(exc, GuardError) else "error"
        return [Finding("archive.verify", status, "Archive matches the config", f"{archive}: {exc}")]
