"""Docs that cannot drift: every `tusz-guard ...` line in README.md and docs/user-guide.md runs on a generated
corpus, in document order, and the summary lines the docs show (`PASS: ...`, `BLOCKED: ...`, `blocked: ...`)
are the ones the tool prints. A `# after `CMD`` comment on a shown command runs `tusz-guard CMD` first.
About 8-15 s each on 2 cores: under the ~20 s that would make them slow tests.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tusz_guard import hooks
from tusz_guard.cli import run

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
SUMMARY = re.compile(r"^(PASS|BLOCKED|blocked): ")
AFTER = re.compile(r"#\s*after `([^`]+)`")
FILE_COMMENT = re.compile(r"^# (\S+\.ya?ml)\s*$", re.M)
# Lines that name a machine of their own (a placeholder path, another tool): shown, not replayed.
NOT_REPLAYED = ("tusz-guard init --data-dir /mnt/",)


@dataclass(frozen=True)
class Step:
    command: str
    expected: tuple[str, ...]        # summary lines shown under the command


def steps(doc: Path) -> list[Step]:
    """Commands of the fenced blocks in order: `$ ` lines of transcripts, plain lines of bash blocks."""
    found: list[Step] = []
    for lang, body in FENCE.findall(doc.read_text(encoding="utf-8")):
        if lang == "yaml":
            continue
        prompts = [line for line in body.splitlines() if line.startswith("$ ")]
        found += _transcript(body) if prompts else _bash(body)
    return [s for s in found if _ours(s.command)]


def _transcript(body: str) -> list[Step]:
    out: list[Step] = []
    for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
        command, *output = chunk.splitlines()
        out.append(Step(command.strip(), tuple(x.strip() for x in output if SUMMARY.match(x.strip()))))
    return out


def _bash(body: str) -> list[Step]:
    return [Step(line.split("  #")[0].strip(), ()) for line in body.splitlines() if line.strip()
            and not line.lstrip().startswith("#")]


def _ours(command: str) -> bool:
    return command.startswith(("tusz-guard", "sed -i")) and not command.startswith(NOT_REPLAYED)


def execute(command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run one documented line in-process; its exit code and every output line."""
    if command.startswith("sed -i"):
        _sed(command)
        return 0, []
    words = shlex.split(command.split("  #")[0])
    code = hooks.run(words[1:]) if words[0] == "tusz-guard-config" else run(words[1:])
    captured = capsys.readouterr()
    return code, [x.strip() for x in (captured.out + captured.err).splitlines()]


def _sed(command: str) -> None:
    """`sed -i 's#OLD#NEW#' FILE`, the one sed form the docs use."""
    _, _, expr, target = shlex.split(command)
    _, old, new, _ = expr.split("#")
    path = Path(target)
    path.write_text(path.read_text().replace(old, new))


def replay(doc: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    """(command, expected summary line) for every shown summary the tool did not print, and every documented
    command that ended in an internal error (exit 3) whether or not the docs show its summary."""
    drift = []
    for step in steps(doc):
        before = AFTER.search(step.command)
        if before:
            code, _ = execute(f"tusz-guard {before.group(1)}", capsys)
            drift += [(before.group(1), "an exit code other than 3 (internal error)")] if code == 3 else []
        code, lines = execute(step.command, capsys)
        drift += [(step.command, want) for want in step.expected if want not in lines]
        drift += [(step.command, "an exit code other than 3 (internal error)")] if code == 3 else []
    return drift


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    (project / "configs").mkdir(parents=True)
    (project / "tusz-guard.toml").write_text("")
    monkeypatch.chdir(project)
    return project


def _user_guide_configs(project: Path) -> None:
    """The smoke/train pair exactly as the user guide shows it."""
    text = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    block = next(body for lang, body in FENCE.findall(text) if lang == "yaml" and "configs/smoke.yaml" in body)
    parts = FILE_COMMENT.split(block)[1:]
    for name, body in zip(parts[::2], parts[1::2], strict=False):
        assert yaml.safe_load(body)
        (project / name).write_text(body)


def _demo_configs(project: Path) -> None:
    """The configs `make demo` writes (scripts/demo.sh), whose transcript the README shows."""
    script = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    common = script.split("common='", 1)[1].split("'", 1)[0]
    for name in ("smoke", "train"):
        body = script.split(f'cat > "$DEMO/configs/{name}.yaml" <<YAML\n', 1)[1].split("\nYAML", 1)[0]
        (project / "configs" / f"{name}.yaml").write_text(body.replace("$common", common) + "\n")


def test_docs_show_commands_with_summaries() -> None:
    for doc in ("README.md", "docs/user-guide.md"):
        assert any(s.expected for s in steps(ROOT / doc)), doc


def test_user_guide_commands_print_what_the_guide_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, monkeypatch)
    assert run(["synth", "data/tusz"]) == 0          # the guide's corpus: `tusz-guard synth data/tusz`
    _user_guide_configs(project)
    capsys.readouterr()
    assert replay(ROOT / "docs" / "user-guide.md", capsys) == []


def test_readme_commands_print_what_the_readme_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, monkeypatch)
    assert run(["synth", "corpus", "--profile", "demo", "--seed", "0"]) == 0
    _demo_configs(project)
    capsys.readouterr()
    assert replay(ROOT / "README.md", capsys) == []
