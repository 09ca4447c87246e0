"""The engine: glob selection, fail-fast, a crashing check becomes `error`, nothing executed is never green."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.app.preflight import preflight
from tusz_guard.checks.base import Check
from tusz_guard.checks.engine import all_ids, choose, registered, run_one
from tusz_guard.checks.snapshot import gather_config_snapshot
from tusz_guard.config import load_config
from tusz_guard.errors import GuardError
from tusz_guard.results import overall_status

IDS = ["config.schema", "config.paths", "config.consistency", "config.environment", "corpus.layout", "corpus.ledger", "corpus.headers",
       "labels.vocabulary", "labels.parse", "labels.seizures", "splits.disjoint", "cache.fingerprint",
       "cache.coverage", "cache.disk_space", "cache.index", "cache.integrity", "windows.count", "run.time_budget", "run.resources", "archive.safety", "archive.readable",
       "archive.totals", "archive.completeness", "archive.checksums", "archive.prefix", "archive.fingerprint",
       "archive.coverage", "copy.index", "copy.listing", "copy.checksums"]


def test_every_documented_id_is_registered_in_report_order() -> None:
    assert all_ids() == IDS


@pytest.mark.parametrize(("select", "skip", "expected"), [
    (["cache.*"], [], ["cache.fingerprint", "cache.coverage", "cache.disk_space", "cache.index", "cache.integrity"]),
    (["cache.*"], ["cache.in*"], ["cache.fingerprint", "cache.coverage", "cache.disk_space"]),
    (["config.paths", "windows.count"], [], ["config.paths", "windows.count"]),
    ([], ["c*"], ["labels.vocabulary", "labels.parse", "labels.seizures", "splits.disjoint", "windows.count",
                  "run.time_budget", "run.resources"]),
])
def test_select_and_skip_take_globs(select: list[str], skip: list[str], expected: list[str]) -> None:
    pool = [c for c in registered() if c.family != "archive"]
    assert [c.id for c in choose(pool, select, skip)] == expected


def test_an_unknown_id_is_a_usage_error() -> None:
    with pytest.raises(GuardError, match="no check id matches 'cache.coverge'") as caught:
        choose(registered(), ["cache.coverge"])
    assert "did you mean 'cache.coverage'?" in str(caught.value)


def test_a_crashing_check_becomes_an_error_finding(project: Path) -> None:
    snap = gather_config_snapshot(load_config(project / "configs" / "train.yaml"))

    def broken(_: object) -> None:
        raise KeyError("boom")

    f = run_one(snap, Check("demo.crash", "Crashes", broken))  # type: ignore[arg-type]
    assert (f.id, f.status) == ("demo.crash", "error")
    assert f.message == ("the check crashed: KeyError: 'boom' (a bug in tusz-guard; the other checks still ran)")


def test_fail_fast_stops_after_the_first_failure(project: Path, write_cfg) -> None:
    cfg = load_config(project / "configs" / "train.yaml")
    write_cfg(project, "smoke", cfg.data_dir, cache_dir="cache/train", kind="smoke")
    report = preflight(cfg, fail_fast=True)
    statuses = [(f.id, f.status) for f in report.findings]
    assert statuses[:3] == [("config.schema", "pass"), ("config.paths", "pass"), ("config.consistency", "fail")]
    assert {s for _, s in statuses[3:]} == {"skip"}
    assert report.findings[3].message == "not run: --fail-fast stopped after config.consistency"


def test_nothing_executed_is_never_green() -> None:
    assert overall_status([]) == "fail"


def test_strict_turns_warnings_into_a_block(project: Path) -> None:
    cfg = project / "configs" / "train.yaml"
    cfg.write_text(f"data:\n  data_dir: {load_config(cfg).data_dir}\n")     # default cache_dir: a warning
    loaded = load_config(cfg)
    assert preflight(loaded, select=["config.*"]).exit_code == 0
    assert preflight(loaded, select=["config.*"], strict=True).exit_code == 1
