"""Issues 12.3, 12.12, 13.2, 13.3, 13.6, 13.12: bounded numbers, duplicate keys, every problem in one run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tusz_guard.cli import run
from tusz_guard.config import ConfigProblems, load_config
from tusz_guard.errors import ConfigError
from tusz_guard.hooks import run as hook

GOOD = "experiment: {name: t}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    return tmp_path


@pytest.mark.parametrize(("text", "expected"), [
    ("windows: {stride_s: .inf}", "==> At key: windows.stride_s Input should be a finite number (got inf)"),
    ("windows: {stride_s: 1.0e308}", "==> At key: windows.stride_s Input should be less than or equal to 3600"),
    ("windows: {length_s: .nan}", "==> At key: windows.length_s Input should be a finite number (got nan)"),
    ("preprocessing: {notch: -60}", "==> At key: preprocessing.notch Input should be greater than 0 (got -60)"),
    ("preprocessing: {notch: 0}", "==> At key: preprocessing.notch Input should be greater than 0 (got 0)"),
    ("preprocessing: {notch: .nan}", "==> At key: preprocessing.notch Input should be a finite number (got nan)"),
    ("preprocessing: {bandpass: [0.5, .inf]}", "==> At key: preprocessing.bandpass.1 Input should be a finite number"),
    ("training: {learning_rate: .inf}", "==> At key: training.learning_rate Input should be a finite number (got inf)"),
    ("training: {num_workers: 100000}",
     "==> At key: training.num_workers Input should be less than or equal to 256 (got 100000)"),
    ("training: {epochs: 10000000}", "==> At key: training.epochs Input should be less than or equal to 100000"),
    ("preprocessing: {clip: 1.0e300}", "==> At key: preprocessing.clip Input should be less than or equal to"),
])
def test_numbers_are_finite_and_bounded(project: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(project / "c.yaml", text + "\n"))
    assert expected in str(err.value)


def test_a_broken_sibling_is_a_finding_not_a_crash(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(project / "configs" / "train.yaml", GOOD)
    write(project / "configs" / "wip.yaml", "windows: {stride_s: .inf}\n")
    assert run(["check", str(good), "--select", "config.*"]) == 0
    out = capsys.readouterr().out
    assert "WARN  config.schema" in out and "sibling configs/wip.yaml: ==> At key: windows.stride_s" in out
    assert hook([str(good)]) == 0


def test_duplicate_keys_are_rejected_with_both_lines(project: Path) -> None:
    path = write(project / "c.yaml", "windows: {length_s: 60}\ndata: {cache_dir: c}\nwindows: {stride_s: 5}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"==> File {path} duplicate key 'windows' at lines 1 and 3: the second would silently "
                              "replace the first (keep one of them)")


def test_duplicate_nested_key_and_merge_keys(project: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate key 'cache_dir' at lines 2 and 3"):
        load_config(write(project / "c.yaml", "data:\n  cache_dir: a\n  cache_dir: b\n"))
    # a YAML merge (`<<`) that a key then overrides is not a duplicate
    cfg = load_config(write(project / "m.yaml", "windows: {<<: {length_s: 30, stride_s: 5}, stride_s: 10}\n"))
    assert (cfg.config.windows.length_s, cfg.config.windows.stride_s) == (30.0, 10.0)


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_an_empty_config_is_an_error(project: Path, text: str) -> None:
    with pytest.raises(ConfigError, match=r"the config is empty \(no keys at all\)"):
        load_config(write(project / "c.yaml", text))


def test_every_problem_in_one_run_one_line_each(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(project / "c.yaml", "windows: {stride_s: .inf}\ntraining: {num_workers: 100000, epochs: 0}\n"
                 "data: {cahce_dir: x}\n")
    with pytest.raises(ConfigProblems) as err:
        load_config(path)
    assert len(err.value.problems) == 4
    assert run(["check", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" ==> At key: ")[1].split()[0] for line in lines] == [
        "data.cahce_dir", "windows.stride_s", "training.epochs", "training.num_workers"]
    assert all(line.startswith(f"error: ==> File {path} ==> At key: ") for line in lines)
    assert "more problem" not in "".join(lines)


@pytest.mark.parametrize(("fmt", "name"), [("json", "r.json"), ("junit", "r.xml")])
def test_a_config_error_still_writes_the_requested_report(project: Path, fmt: str, name: str) -> None:
    path = write(project / "c.yaml", "windows: {stride_s: .inf}\ntraining: {epochs: 0}\n")
    out = project / name
    assert run(["check", str(path), "--format", fmt, "-o", str(out)]) == 2
    text = out.read_text()
    if fmt == "json":
        schema = json.loads(text)["checks"][0]
        assert (schema["id"], schema["status"]) == ("config.schema", "fail")
        assert schema["message"].startswith("2 problem(s): ")
    else:
        assert 'name="config.schema"' in text and "<failure" in text and "windows.stride_s" in text


def test_report_dir_gets_the_failing_report_too(project: Path) -> None:
    path = write(project / "c.yaml", "training: {epochs: 0}\n")
    assert run(["check", str(path), "--report-dir", str(project / "rep")]) == 2
    assert json.loads((project / "rep" / "latest.json").read_text())["status"] == "fail"


def test_missing_config_suggests_the_nearest_yaml(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "configs" / "train.yaml", GOOD)
    assert run(["check", str(project / "configs" / "trian.yaml")]) == 2
    assert capsys.readouterr().err.strip().endswith(f"(did you mean {project / 'configs' / 'train.yaml'}?)")


def test_missing_config_without_a_near_name(project: Path) -> None:
    write(project / "configs" / "train.yaml", GOOD)
    with pytest.raises(ConfigError, match=r"config file not found \(check the path\)$"):
        load_config(project / "configs" / "zzz.yaml")


def test_the_user_guide_example_is_what_check_prints(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "user-guide.md").read_text()
    shown = [line for line in guide.splitlines() if line.startswith("error: ==> File configs/train.yaml")]
    assert len(shown) == 3
    write(project / "configs" / "train.yaml", "experiment: {cache_dir: cache/full_training}\n"
          "data: {cache_dir: cache/tusz}\nwindows: {stride_s: .inf}\ntraining: {num_workers: 100000}\n")
    monkeypatch.chdir(project)
    assert run(["check", "configs/train.yaml"]) == 2
    assert capsys.readouterr().err.splitlines() == shown


def test_a_url_output_dir_is_a_config_error_not_a_local_folder(tmp_path: Path, capsys) -> None:
    """Issue 16: `s3://bucket/x` was silently read as <project>/s3:/bucket/x; results are written locally."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    config = tmp_path / "train.yaml"
    config.write_text("experiment: {output_dir: 's3://bucket/results'}\ndata: {data_dir: edf}\n")
    assert run(["check", str(config), "--select", "config.*"]) == 2
    err = capsys.readouterr().err
    assert "==> At key: experiment.output_dir s3://bucket/results is a URL: training writes its results" in err


def test_a_url_cache_dir_is_kept_as_a_url_never_joined_to_the_root(tmp_path: Path) -> None:
    from tusz_guard.config import load_config
    from tusz_guard.storage.location import Location

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    config = tmp_path / "train.yaml"
    config.write_text("data: {data_dir: 's3://corpus/edf/', cache_dir: 's3://bucket/cache/tusz'}\n")
    cfg = load_config(config)
    assert cfg.cache_url == Location("s3", "bucket/cache/tusz") and cfg.data_url == Location("s3", "corpus/edf")
    assert str(cfg.cache_dir) == "/dev/null/s3/bucket/cache/tusz" and not str(cfg.cache_dir).startswith(str(tmp_path))
    assert cfg.display(cfg.cache_dir) == "s3://bucket/cache/tusz"
