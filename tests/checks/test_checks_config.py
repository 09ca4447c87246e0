"""config.schema, config.paths, config.consistency: a passing and a failing case each."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.app.preflight import config_gate
from tusz_guard.config import load_config


def _data(project: Path) -> Path:
    return load_config(project / "configs" / "train.yaml").data_dir


def test_config_schema_passes(project: Path, run_check) -> None:
    f = run_check(project / "configs" / "train.yaml", "config.schema")
    assert (f.status, f.message) == ("pass", "1 config(s) validate against the schema and set only keys that are read")


def test_config_schema_fails_on_a_key_nothing_reads(project: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", _data(project), data={"validation_split": 0.3})
    f = run_check(cfg, "config.schema")
    assert f.status == "fail"
    assert f.message == ("1 problem(s): configs/train.yaml: data.validation_split (read only when data.split_policy "
                         "is 'holdout'; remove it or set data.split_policy: holdout)")


def test_config_schema_fails_on_a_given_config_that_does_not_validate(project: Path, run_check) -> None:
    bad = project / "configs" / "other.yaml"
    bad.write_text("data:\n  cache_dri: cache/x\n")
    report = config_gate(load_config(project / "configs" / "train.yaml"), [bad])
    f = report.findings[0]
    assert f.id == "config.schema" and f.status == "fail"
    assert "configs/other.yaml: ==> At key: data.cache_dri unknown key 'cache_dri'; did you mean 'data.cache_dir'?" \
        in f.message
    assert "==> File" not in f.message          # the finding names the file once


def test_config_schema_warns_on_a_broken_sibling(project: Path, run_check) -> None:
    (project / "configs" / "broken.yaml").write_text("experiment: [1, 2\n")
    f = run_check(project / "configs" / "train.yaml", "config.schema")
    assert f.status == "warn"
    assert f.message.startswith("1 of 2 config(s) validate; sibling configs/broken.yaml: invalid YAML at line 2")


def test_config_paths_passes(project: Path, run_check) -> None:
    cfg = project / "configs" / "train.yaml"
    f = run_check(cfg, "config.paths")
    assert f.status == "pass"
    assert f.message == (f"cache_dir {project / 'cache' / 'tusz'} (from data.cache_dir of configs/train.yaml); "
                         "no other key names a cache path")
    assert f.details["effective"]["configs/train.yaml"]["cache_dir"] == str(project / "cache" / "tusz")


def test_config_paths_fails_on_limit_files_in_a_full_config(project: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", _data(project), data={"limit_files": 50})
    f = run_check(cfg, "config.paths")
    assert (f.status, f.message) == ("fail", "configs/train.yaml: data.limit_files=50 on a 'full' config would train "
                                     "on a subset; remove data.limit_files or set experiment.kind: smoke")


def test_config_paths_warns_when_the_default_cache_dir_wins(project: Path, run_check) -> None:
    cfg = project / "configs" / "train.yaml"
    cfg.write_text(f"data:\n  data_dir: {_data(project)}\n")
    f = run_check(cfg, "config.paths")
    assert f.status == "warn"
    assert f.message == (f"configs/train.yaml: data.cache_dir is not set; the default 'cache/tusz' -> "
                         f"{project / 'cache' / 'tusz'} is used (set it explicitly)")


def test_config_paths_fails_on_a_second_cache_path_in_the_environment(project: Path, run_check,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUSZ_CACHE_DIR", "cache/data")
    f = run_check(project / "configs" / "train.yaml", "config.paths")
    assert f.status == "fail"
    assert f.message == (f"environment variable TUSZ_CACHE_DIR=cache/data names a different cache path than "
                         f"data.cache_dir of configs/train.yaml ({project / 'cache' / 'tusz'}); unset it or set it "
                         "to that path")


def test_config_paths_fails_when_output_dir_is_inside_the_cache(project: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", _data(project), experiment={"output_dir": "cache/tusz/results"})
    f = run_check(cfg, "config.paths")
    assert (f.status, f.message) == ("fail", "configs/train.yaml: experiment.output_dir (cache/tusz/results) overlaps "
                                     "data.cache_dir (cache/tusz); give each its own folder")


def test_config_paths_fails_when_output_dir_is_under_a_file(project: Path, write_cfg, run_check) -> None:
    """train used to pass the preflight and stop at its first write (issue 12.14): check says it first."""
    (project / "results").write_text("a file where the outputs' folder should be")
    cfg = write_cfg(project, "train", _data(project))
    f = run_check(cfg, "config.paths")
    assert (f.status, f.message) == ("fail", f"configs/train.yaml: experiment.output_dir (results/train) cannot be "
                                     f"written: {project / 'results'} is a file, not a folder; choose another path")


def test_config_paths_passes_an_output_dir_that_will_be_created(project: Path, write_cfg, run_check) -> None:
    cfg = write_cfg(project, "train", _data(project), experiment={"output_dir": "results/deeper/still/train"})
    assert run_check(cfg, "config.paths").status == "pass"
    assert not (project / "results" / "deeper").exists()        # a probe: check creates nothing


def test_config_consistency_passes_for_a_smoke_config_on_the_same_cache(project: Path, write_cfg, run_check) -> None:
    write_cfg(project, "smoke", _data(project), kind="smoke", data={"limit_files": 2})
    f = run_check(project / "configs" / "train.yaml", "config.consistency")
    assert f.status == "pass"
    assert f.message == "2 config(s) in 1 fingerprint group(s); each group reads one cache of its own"


def test_config_consistency_fails_when_same_preprocessing_reads_two_caches(project: Path, write_cfg, run_check) -> None:
    write_cfg(project, "smoke", _data(project), cache_dir="cache/train", kind="smoke")
    cfg = project / "configs" / "train.yaml"
    fp = load_config(cfg)
    from tusz_guard.cache.fingerprint import fingerprint
    f = run_check(cfg, "config.consistency")
    assert f.status == "fail"
    assert f.message == (f"configs/train.yaml and configs/smoke.yaml share preprocessing (fingerprint "
                         f"{fingerprint(fp)}) but read different caches: cache/tusz vs cache/train; set "
                         "data.cache_dir of configs/smoke.yaml to cache/tusz so both use one cache")


def test_config_consistency_fails_when_different_preprocessing_shares_a_cache(project: Path, write_cfg, run_check) -> None:
    write_cfg(project, "clip5", _data(project), preprocessing={"clip": 5.0})
    f = run_check(project / "configs" / "train.yaml", "config.consistency")
    assert f.status == "fail"
    assert f.message == ("configs/train.yaml and configs/clip5.yaml preprocess differently (clip: 10.0 -> 5.0) but "
                         "share the cache cache/tusz; give configs/clip5.yaml its own data.cache_dir")


def test_config_gate_reads_no_corpus(project: Path) -> None:
    report = config_gate(load_config(project / "configs" / "train.yaml"))
    assert [f.id for f in report.findings] == ["config.schema", "config.paths", "config.consistency", "config.environment"]
    assert report.totals == {} and report.status == "pass"
