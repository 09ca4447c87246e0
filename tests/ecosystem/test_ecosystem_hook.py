"""The pre-commit hook: config.* checks on the changed configs only, compared with their siblings, no corpus."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tusz_guard import hooks

ROOT = Path(__file__).resolve().parents[2]
NO_CORPUS = Path("/nonexistent/tusz")   # the hook must never need it


def _hook(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = hooks.run([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out + out.err


def _pair(make_project, smoke_cache: str = "cache/tusz") -> tuple[Path, Path]:
    train = make_project(NO_CORPUS, name="train")
    smoke = make_project(NO_CORPUS, name="smoke", kind="smoke", cache_dir=smoke_cache, data={"limit_files": 5})
    return train, smoke


def test_consistent_change_passes_without_a_corpus(make_project, capsys) -> None:
    train, _ = _pair(make_project)
    code, out = _hook(capsys, train)
    assert code == 0
    assert "PASS  config.consistency  2 config(s) in 1 fingerprint group(s); each group reads one cache of its own" in out
    assert out.rstrip().endswith("PASS: 4 passed, 0 warning(s), 0 failed, 0 error(s), 0 skipped")


def test_changed_config_is_compared_with_its_unchanged_sibling(make_project, capsys) -> None:
    # The incident: smoke built cache/train, train read cache/tusz. Only smoke.yaml changed.
    _, smoke = _pair(make_project, smoke_cache="cache/train")
    code, out = _hook(capsys, smoke)
    assert code == 1
    assert ("FAIL  config.consistency  configs/smoke.yaml and configs/train.yaml share preprocessing "
            in out)
    assert "but read different caches: cache/train vs cache/tusz; set data.cache_dir of configs/smoke.yaml " \
           "to cache/tusz so both use one cache" in out
    assert "BLOCKED: 3 passed, 0 warning(s), 1 failed, 0 error(s), 0 skipped" in out


def test_only_changed_files_are_held_to_the_schema(make_project, capsys) -> None:
    train, _ = _pair(make_project)
    broken = train.parent / "old.yaml"
    broken.write_text("data:\n  cahce_dir: cache/tusz\n")
    code, out = _hook(capsys, train)          # old.yaml is an unchanged sibling: a warning
    assert code == 0
    assert "WARN  config.schema" in out and "sibling configs/old.yaml" in out
    assert _hook(capsys, train, "--strict")[0] == 1
    code, out = _hook(capsys, train, broken)  # changed: it blocks
    assert code == 1
    assert "FAIL  config.schema" in out
    assert "configs/old.yaml: ==> At key: data.cahce_dir unknown key 'cahce_dir'; " \
           "did you mean 'data.cache_dir'?" in out


def test_limit_files_on_a_full_config_blocks(make_project, capsys) -> None:
    train = make_project(NO_CORPUS, name="train", data={"limit_files": 50})
    code, out = _hook(capsys, train)
    assert code == 1
    assert "FAIL  config.paths " in out
    assert ("configs/train.yaml: data.limit_files=50 on a 'full' config would train on "
            "a subset; remove data.limit_files or set experiment.kind: smoke") in out


def test_no_config_among_the_files_passes_silently(tmp_path, capsys) -> None:
    (tmp_path / "README.md").write_text("hello\n")
    assert _hook(capsys) == (0, "")
    assert _hook(capsys, tmp_path / "README.md") == (0, "")


def test_every_file_unloadable_blocks_and_names_each(tmp_path, capsys) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("- just\n- a list\n")
    code, out = _hook(capsys, bad, tmp_path / "gone.yml")
    assert code == 1
    assert f"FAIL  config.schema  {bad}: expected a mapping at the top level, got list" in out
    assert "gone.yml: config file not found (check the path)" in out
    assert out.rstrip().endswith("BLOCKED: none of 2 config file(s) loads")


def test_quiet_prints_nothing_on_success(make_project, capsys) -> None:
    train, _ = _pair(make_project)
    assert _hook(capsys, "--quiet", train) == (0, "")


def test_no_corpus_scan_and_no_heavy_imports(make_project) -> None:
    """Why the hook is sub-second: it never builds the ledger and never imports torch, MNE, scipy or GE."""
    train, _ = _pair(make_project)
    probe = (
        "import sys\n"
        "import tusz_guard.corpus.ledger as ledger, tusz_guard.checks.snapshot as snap\n"
        "def boom(*a, **k): raise AssertionError('the hook scanned the corpus')\n"
        "ledger.build_ledger = snap.build_ledger = boom\n"
        "from tusz_guard.hooks import run\n"
        f"code = run([{str(train)!r}, '--quiet'])\n"
        "heavy = ('torch', 'mne', 'scipy', 'great_expectations', 'pandas', 'dask', 'edfio')\n"
        "print(code, sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=train.parents[1])
    assert done.stdout.strip() == "0 []", done.stderr


def test_manifest_describes_the_hook() -> None:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in manifest] == ["tusz-guard-config"]
    hook = manifest[0]
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["require_serial"] is True
    files = re.compile(hook["files"])
    assert [bool(files.search(p)) for p in ("configs/train.yaml", "configs/sub/smoke.yml", "ci/x.yaml",
                                            "configs/notes.md")] == [True, True, False, False]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts.get(hook["entry"]) == "tusz_guard.hooks:main"
