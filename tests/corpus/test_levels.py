"""Issue 13.5: a data_dir one level too deep (or too high) fails at once, naming the folder meant."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.cli import run
from tusz_guard.corpus.levels import DataDirLevel, level_problem, probe


@pytest.mark.parametrize(("level", "policy", "expected"), [
    (DataDirLevel(Path("/c/edf/train"), (), ("train", "dev", "eval")), "official",
     "data.data_dir (X) holds none of train/ dev/ eval/; split_policy official needs train/ dev/ eval/ (missing "
     "train/ dev/ eval/); did you mean the parent folder (/c/edf)?"),
    (DataDirLevel(Path("/c"), (), (), ("train", "dev", "eval")), "official",
     "data.data_dir (X) holds none of train/ dev/ eval/; split_policy official needs train/ dev/ eval/ (missing "
     "train/ dev/ eval/); did you mean its edf/ folder (/c/edf)?"),
    (DataDirLevel(Path("/c/edf"), ("train", "dev")), "official",
     "data.data_dir (X) holds only train/ dev/; split_policy official needs train/ dev/ eval/ (missing eval/); "
     "data.data_dir must be the folder holding them"),
    (DataDirLevel(Path("/c/edf"), ("train", "eval")), "holdout", None),
    (DataDirLevel(Path("/c/edf"), ("train", "dev", "eval")), "official", None),
    (DataDirLevel(Path("/c/nothing"), None), "official", None),      # absent: corpus.layout's business
])
def test_level_problem(level: DataDirLevel, policy: str, expected: str | None) -> None:
    assert level_problem(level, policy, "X") == expected


def _corpus(root: Path) -> Path:
    for split in ("train", "dev", "eval"):
        (root / "edf" / split).mkdir(parents=True)
    return root / "edf"


def test_probe_reads_the_folder_parent_and_edf_child(tmp_path: Path) -> None:
    edf = _corpus(tmp_path / "c")
    assert probe(edf / "train") == DataDirLevel(edf / "train", (), ("train", "dev", "eval"), ())
    assert probe(tmp_path / "c").edf_splits == ("train", "dev", "eval")


def test_init_refuses_a_split_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edf = _corpus(tmp_path / "c")
    assert run(["init", "--data-dir", str(edf / "train"), "--project-dir", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"error: --data-dir ({edf / 'train'}) holds none of train/ dev/ eval/; split_policy official needs "
                   f"train/ dev/ eval/ (missing train/ dev/ eval/); did you mean the parent folder ({edf})? "
                   "(nothing written)")
    assert not (tmp_path / "p" / "configs").exists()


def test_check_config_paths_fails_on_a_split_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edf = _corpus(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    cfg = tmp_path / "configs" / "train.yaml"
    cfg.parent.mkdir()
    cfg.write_text("data: {data_dir: edf/train, cache_dir: cache/tusz}\n")
    assert run(["check", str(cfg), "--select", "config.paths"]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "config.paths" in x)
    assert line.startswith("FAIL  config.paths  configs/train.yaml: data.data_dir (edf/train) holds none of")
    assert line.endswith(f"did you mean the parent folder ({edf})?")
