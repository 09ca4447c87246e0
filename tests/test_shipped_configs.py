"""Issue 13.1: every config the project ships or writes passes the tool's own config checks.

configs/*.yaml, what `tusz-guard init` writes, and every fenced ```yaml block in README.md and docs/*.md whose
top-level keys are config sections (a block may hold several files, each introduced by `# <name>.yaml`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tusz_guard.cli import run
from tusz_guard.config import Config

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```ya?ml\n(.*?)^```", re.M | re.S)
FILE_COMMENT = re.compile(r"^# (\S+\.ya?ml)\s*$", re.M)


def doc_snippets() -> list[tuple[str, str]]:
    """(where, yaml text) of every config-shaped YAML block in the docs."""
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, block in enumerate(FENCE.findall(doc.read_text(encoding="utf-8"))):
            for j, part in enumerate(p for p in FILE_COMMENT.split(block) if p.strip()):
                if _looks_like_config(part):
                    found.append((f"{doc.relative_to(ROOT)}#{i}.{j}", part))
    return found


def _looks_like_config(text: str) -> bool:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and bool(data) and set(data) <= set(Config.model_fields)


def _check_alone(project: Path, text: str, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text("")
    path = project / "configs" / "c.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    code = run(["check", str(path), "--select", "config.*"])
    assert code == 0, capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "configs").glob("*.yaml")))
def test_shipped_config_passes_its_own_check(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", str(ROOT / "configs" / name), "--select", "config.*"]) == 0, capsys.readouterr().out


def test_the_docs_hold_config_snippets() -> None:
    assert len(doc_snippets()) >= 2        # the user guide's smoke/train pair at least


@pytest.mark.parametrize(("where", "text"), doc_snippets(), ids=[w for w, _ in doc_snippets()])
def test_doc_config_snippet_passes(where: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _check_alone(tmp_path, text, capsys)


def test_init_output_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for split in ("train", "dev", "eval"):
        (tmp_path / "corpus" / "edf" / split).mkdir(parents=True)
    assert run(["init", "--data-dir", str(tmp_path / "corpus"), "--project-dir", str(tmp_path / "p")]) == 0
    for name in ("smoke.yaml", "train.yaml"):
        assert run(["check", str(tmp_path / "p" / "configs" / name), "--select", "config.*"]) == 0, \
            capsys.readouterr().out
