"""`tusz-guard init`: a consistent smoke/train pair that passes the config checks."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.cache.fingerprint import fingerprint
from tusz_guard.cli import run
from tusz_guard.config import load_config


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = run([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_init_output_passes_the_config_checks(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    project = tmp_path / "proj"
    code, out = _run(capsys, "init", "--data-dir", tiny_corpus, "--project-dir", project)
    assert code == 0, out
    assert out.splitlines() == [
        f"note: using {tiny_corpus / 'edf'} (the edf/ folder under {tiny_corpus})",
        "wrote tusz-guard.toml", "wrote configs/smoke.yaml", "wrote configs/train.yaml",
        "config checks: PASS: 4 passed, 0 warning(s), 0 failed, 0 error(s), 0 skipped",
        "next: tusz-guard build-cache configs/smoke.yaml   then tusz-guard check configs/train.yaml",
    ]
    train, smoke = project / "configs" / "train.yaml", project / "configs" / "smoke.yaml"
    code, out = _run(capsys, "check", train, smoke, "--select", "config.*", "--strict")
    assert code == 0, out
    assert "PASS: 4 passed, 0 warning(s), 0 failed, 0 error(s), 0 skipped (--strict: warnings block)" in out


def test_the_pair_shares_cache_and_preprocessing(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    project = tmp_path / "proj"
    (project / "data").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "data" / "tusz").symlink_to(tiny_corpus)
    code, out = _run(capsys, "init", "--data-dir", project / "data" / "tusz" / "edf", "--project-dir", project,
                     "--smoke-files", "7")
    assert code == 0, out
    assert "wrote tusz-guard.toml" not in out          # pyproject.toml already marks the root
    smoke, train = (load_config(project / "configs" / f"{n}.yaml") for n in ("smoke", "train"))
    assert smoke.raw["data"]["data_dir"] == train.raw["data"]["data_dir"] == "data/tusz/edf"
    assert smoke.cache_dir == train.cache_dir == project / "cache" / "tusz"
    assert fingerprint(smoke) == fingerprint(train)
    assert smoke.config.preprocessing == train.config.preprocessing
    assert smoke.config.windows == train.config.windows
    assert (smoke.config.experiment.kind, smoke.config.data.limit_files, smoke.config.training.epochs) == ("smoke", 7, 1)
    assert (train.config.experiment.kind, train.config.data.limit_files, train.config.training.epochs) == ("full", None, 10)
    assert smoke.output_dir != train.output_dir


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    data = tmp_path / "nowhere"
    assert _run(capsys, "init", "--data-dir", data, "--project-dir", tmp_path)[0] == 0
    code, out = _run(capsys, "init", "--data-dir", data, "--project-dir", tmp_path)
    assert code == 2
    assert out == (f"error: configs/smoke.yaml, configs/train.yaml already exist(s) in {tmp_path} "
                   "(pass --force to overwrite)\n")
    code, out = _run(capsys, "init", "--data-dir", data, "--project-dir", tmp_path, "--force")
    assert code == 0
    assert out.splitlines()[0] == f"note: {data} does not exist yet; the configs name it anyway"


def test_init_reports_a_conflicting_sibling(tmp_path: Path, capsys) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "configs" / "old.yaml").write_text("data:\n  cache_dir: cache/tusz\npreprocessing:\n  clip: 5.0\n")
    code, out = _run(capsys, "init", "--data-dir", tmp_path / "d", "--project-dir", tmp_path)
    assert code == 1
    assert "FAIL  config.consistency  configs/train.yaml and configs/old.yaml preprocess differently (clip: 10.0 -> 5.0)" in out
