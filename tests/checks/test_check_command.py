"""`tusz-guard check` end to end: the catalogue's incident, exit codes, report files, imports kept light."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tusz_guard.cli import run
from tusz_guard.results import SEVERITY


@pytest.fixture
def incident(tmp_path: Path, tiny_clean_corpus: Path, write_cfg, build_cache) -> Path:
    """A smoke config built cache/train; then the full config arrives, reading cache/tusz (catalogue row 2)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    smoke = write_cfg(project, "smoke", tiny_clean_corpus / "edf", cache_dir="cache/train", kind="smoke",
                      data={"limit_files": 3})
    build_cache(smoke)
    write_cfg(project, "train", tiny_clean_corpus / "edf", cache_dir="cache/tusz")
    return project


def test_incident_blocks_then_passes_after_building_the_right_cache(incident: Path, tiny_clean_corpus: Path,
                                                                    write_cfg, build_cache, capsys,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(incident)
    assert run(["check", "configs/train.yaml", "--format", "json", "-o", "out.json"]) == 1
    report = json.loads((incident / "out.json").read_text())
    coverage = next(c for c in report["checks"] if c["id"] == "cache.coverage")
    assert coverage["status"] == "fail"
    assert coverage["message"].startswith("cache/tusz does not exist: 17 recording(s) would be processed live during "
                                          "training (17 missing, 0 stale; ")
    assert ("cache/train holds 6 of 17 needed recordings with the same fingerprint; it is `data.cache_dir` of "
            "configs/smoke.yaml") in coverage["message"]
    assert report["totals"]["train"]["would_process_live"] == 11
    assert report["cache_dir"] == str(incident / "cache" / "tusz")
    captured = capsys.readouterr()     # no text report asked for: paths, verdict and report: lines on stderr
    assert captured.out == ""
    err = captured.err
    assert err.splitlines()[0] == f"cache_dir: {incident / 'cache' / 'tusz'}  (fingerprint {report['fingerprint']})"
    assert err.rstrip().endswith("report: out.json")

    # the fix the checks name: one cache for both configs, then build it
    write_cfg(incident, "smoke", tiny_clean_corpus / "edf", cache_dir="cache/tusz", kind="smoke",
              data={"limit_files": 3})
    build_cache(incident / "configs" / "train.yaml")
    assert run(["check", "configs/train.yaml"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if " cache.coverage " in x)
    assert line.split()[:2] == ["WARN", "cache.coverage"]    # passes; only the test role is not cached
    assert line.endswith("cache/tusz holds all 17 train+val recordings; test: 3 of 3 not cached")


def test_build_cache_is_gated_by_the_config_checks(incident: Path, capsys) -> None:
    assert run(["build-cache", str(incident / "configs" / "train.yaml"), "--workers", "1"]) == 1
    assert "config.consistency" in capsys.readouterr().err
    assert not (incident / "cache" / "tusz").exists()


def test_a_config_error_exits_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("data:\n  cache_dri: x\n")
    assert run(["check", str(bad)]) == 2
    assert "did you mean 'data.cache_dir'?" in capsys.readouterr().err


def test_reports_go_to_reports_dir_with_stable_latest_names(project: Path, capsys) -> None:
    cfg = project / "configs" / "train.yaml"
    assert run(["check", str(cfg), "--format", "json", "--format", "junit", "--format", "html"]) == 0
    reports = project / "reports"
    assert sorted(p.name for p in reports.glob("latest.*")) == ["latest.html", "latest.json", "latest.xml"]
    assert json.loads((reports / "latest.json").read_text())["status"] == "pass"
    err = capsys.readouterr().err
    assert err.rstrip().splitlines()[-1] == f"report: {reports / 'latest.html'}"
    assert err.splitlines()[0].startswith(f"cache_dir: {project / 'cache' / 'tusz'}")


def test_one_output_path_takes_one_format(project: Path, capsys) -> None:
    cfg = project / "configs" / "train.yaml"
    assert run(["check", str(cfg), "--format", "json", "--format", "junit", "-o", "x"]) == 2
    assert "-o takes exactly one file format" in capsys.readouterr().err


def test_check_imports_neither_torch_nor_mne_nor_great_expectations(project: Path) -> None:
    cfg = project / "configs" / "train.yaml"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           f"from tusz_guard.cli import run; raise SystemExit(run(['check', {str(cfg)!r}, '--no-expectations']))"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "tusz_guard" in imported
    assert not imported & {"torch", "mne", "great_expectations", "scipy", "dask"}


def test_archive_findings_join_the_report(project: Path, tmp_path: Path, capsys) -> None:
    bogus = tmp_path / "cache.tar.gz"
    bogus.write_text("not an archive")
    cfg = project / "configs" / "train.yaml"
    assert run(["check", str(cfg), "--select", "config.*", "--select", "archive.*", "--archive", str(bogus),
                "--format", "json", "-o", str(tmp_path / "r.json")]) == 1
    doc = json.loads((tmp_path / "r.json").read_text())
    ids = [c["id"] for c in doc["checks"]]
    status = {c["id"]: c["status"] for c in doc["checks"]}
    engine = ["config.schema", "config.paths", "config.consistency", "config.environment", "archive.safety",
              "archive.readable", "archive.totals", "archive.completeness", "archive.checksums", "archive.prefix",
              "archive.fingerprint", "archive.coverage"]
    assert ids == sorted(engine, key=lambda i: SEVERITY.index(status[i]))      # cause first, engine order within
    assert status["archive.readable"] == "fail" and ids.index("archive.readable") < ids.index("config.schema")
    # one shape of the archive section, whichever command wrote it (verify-archive's summary)
    section = doc["sections"]["archive"]
    assert section["archive"] == str(bogus) and section["status"]["archive.readable"] == "fail"


def test_archive_checks_are_selected_like_any_other(project: Path, tmp_path: Path, capsys) -> None:
    """Regression: `--skip archive.coverage` was 'no check id matches' (archive findings were not registered)."""
    bogus = tmp_path / "cache.tar.gz"
    bogus.write_text("not an archive")
    cfg = str(project / "configs" / "train.yaml")
    assert run(["check", cfg, "--select", "archive.*", "--skip", "archive.coverage", "--archive", str(bogus),
                "--format", "json", "-o", str(tmp_path / "r.json")]) == 1
    ids = [c["id"] for c in json.loads((tmp_path / "r.json").read_text())["checks"]]
    assert "archive.coverage" not in ids and "archive.safety" in ids


@pytest.mark.parametrize(("pattern", "hint"), [
    ("cache.nope", "no check id matches 'cache.nope'"),
    ("expectations.nope", "no check id matches 'expectations.nope'"),      # was: ran nothing, exit 1
    ("expectations.recordngs", "did you mean 'expectations.recordings'?"),
    ("archive.*", "archive.* checks need an archive"),
    ("cahce.*", "did you mean 'cache.*'?"),                                  # a mistyped family glob
])
def test_every_unknown_pattern_is_a_usage_error(project: Path, capsys, pattern: str, hint: str) -> None:
    assert run(["check", str(project / "configs" / "train.yaml"), "--select", pattern]) == 2
    assert hint in capsys.readouterr().err


def test_a_suite_id_under_no_expectations_says_why_it_cannot_run(project: Path, capsys) -> None:
    """It used to say 'no check id matches' for an id that exists."""
    assert run(["check", str(project / "configs" / "train.yaml"), "--no-expectations", "--select",
                "expectations.recordings"]) == 2
    assert "expectations.* checks are the Great Expectations suites, which --no-expectations leaves out" in \
        capsys.readouterr().err


def test_list_names_every_check_with_its_inputs(capsys) -> None:
    assert run(["check", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ids = [line.split()[0] for line in lines]
    assert ids[0] == "config.schema" and "archive.coverage" in ids and "expectations.windows" in ids
    assert next(line for line in lines if line.startswith("archive.prefix")).split("  ")[1:3] != []
    assert "archive + config + corpus" in next(line for line in lines if line.startswith("archive.prefix"))


def test_deep_check_passes_on_a_sound_cache(project: Path, capsys) -> None:
    assert run(["check", str(project / "configs" / "train.yaml"), "--deep", "--select", "cache.*"]) == 0
    assert "(--deep)" in capsys.readouterr().out
