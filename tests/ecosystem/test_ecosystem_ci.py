"""ci/: the generic preflight script end to end on a generated corpus, and the GitHub/GitLab templates."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "ci" / "preflight.sh"
BIN = Path(sys.executable).parent
TORCH_PIN = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"


def _env(**extra: str) -> dict[str, str]:
    # a user's environment, except where memos go: tests never write to the user's cache folder
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUSZ_GUARD") or k == "TUSZ_GUARD_MEMO_DIR"}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", **extra}


def _sh(cwd: Path, *cmd: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=_env(**env))


def _cases(xml: Path) -> dict[str, str]:
    """testcase name -> outcome (pass, failure, error, skipped)."""
    out = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        child = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "pass")
        out[case.get("name", "")] = child
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user project made with the CLI: `tusz-guard synth` + `tusz-guard init` (configs/train.yaml + smoke.yaml)."""
    root = tmp_path_factory.mktemp("ci") / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    assert _sh(root, "tusz-guard", "synth", "data/tusz").returncode == 0
    done = _sh(root, "tusz-guard", "init", "--data-dir", "data/tusz")
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A private copy of the template project (its data_dir is relative, so the copy is self-contained)."""
    return Path(shutil.copytree(template, tmp_path / "project"))


def test_preflight_blocks_without_cache_then_passes(project: Path) -> None:
    first = _sh(project, "bash", SCRIPT)
    assert first.returncode == 1, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "preflight: tusz-guard check configs/train.yaml configs/smoke.yaml (reports in reports/)"
    assert lines[-1] == ("preflight: exit 1, BLOCKED: fix the failing checks above (the HTML report explains each); "
                         "reports: reports/latest.xml, reports/latest.html")
    cases = _cases(project / "reports" / "latest.xml")
    assert cases["cache.coverage"] == "failure"
    assert cases["config.consistency"] == "pass"
    assert (project / "reports" / "latest.html").read_text().lstrip().lower().startswith("<!doctype html")

    built = _sh(project, "tusz-guard", "build-cache", "configs/train.yaml", "--workers", "1")
    assert built.returncode == 0, built.stdout + built.stderr
    second = _sh(project, "bash", SCRIPT, TUSZ_GUARD_REPORT_DIR="out/guard")
    assert second.returncode == 0, second.stdout
    assert second.stdout.splitlines()[-1] == \
        "preflight: exit 0, passed; reports: out/guard/latest.xml, out/guard/latest.html"
    assert "failure" not in _cases(project / "out" / "guard" / "latest.xml").values()


def test_extra_args_are_not_globbed(project: Path) -> None:
    (project / "config.txt").write_text("a file the shell would match for config.*\n")
    done = _sh(project, "bash", SCRIPT, "configs/smoke.yaml", TUSZ_GUARD_ARGS="--select config.* --strict")
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(_cases(project / "reports" / "latest.xml")) == ["config.schema", "config.paths", "config.consistency", "config.environment"]
    assert "config:    configs/smoke.yaml (smoke)" in done.stdout


def test_no_config_is_a_usage_error(tmp_path: Path) -> None:
    done = _sh(tmp_path, "bash", SCRIPT)
    assert done.returncode == 2
    assert done.stderr == "preflight: no config given and none matches configs/*.yaml (pass the config paths)\n"


def test_a_bad_config_exits_2(project: Path) -> None:
    (project / "configs" / "train.yaml").write_text("data:\n  cahce_dir: x\n")
    done = _sh(project, "bash", SCRIPT)
    assert done.returncode == 2
    assert "unknown key 'cahce_dir'; did you mean 'data.cache_dir'?" in done.stderr


# ---- the GitHub and GitLab templates -------------------------------------------------------------------
def _github() -> dict:
    return yaml.safe_load((ROOT / "ci" / "github" / "tusz-guard.yml").read_text())


def _gitlab() -> dict:
    return yaml.safe_load((ROOT / "ci" / "gitlab" / "tusz-guard.gitlab-ci.yml").read_text())


def test_github_workflow_shape() -> None:
    steps = _github()["jobs"]["preflight"]["steps"]
    by_name = {s.get("name", s.get("uses")): s for s in steps}
    assert by_name["actions/setup-python@v5"]["with"]["python-version"] == "3.11"
    install = by_name["Install tusz-guard (CPU torch first, so pip never pulls a CUDA build)"]["run"]
    assert install.index(TORCH_PIN) < install.index('pip install "$TUSZ_GUARD_PACKAGE"')
    upload = by_name["Upload reports"]
    assert (upload["uses"], upload["if"]) == ("actions/upload-artifact@v4", "always()")
    assert upload["with"]["path"] == "${{ env.TUSZ_GUARD_REPORT_DIR }}/"


def test_gitlab_job_shape() -> None:
    job = _gitlab()["tusz-guard"]
    assert job["image"] == "python:3.11-slim"
    assert job["before_script"][0] == TORCH_PIN
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "reports/latest.xml"
    assert job["artifacts"]["paths"] == ["reports/"]


def test_github_check_step_runs_and_fails_on_block(project: Path) -> None:
    """The workflow's own check step, run with bash as Actions does: blocked -> non-zero, reports written."""
    workflow = _github()
    step = next(s for s in workflow["jobs"]["preflight"]["steps"] if s.get("name") == "tusz-guard check")
    env = {k: str(v) for k, v in workflow["env"].items()}
    done = _sh(project, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"], **env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _cases(project / "reports" / "latest.xml")["cache.coverage"] == "failure"
    assert any(line.startswith("BLOCKED: ") for line in (project / "reports" / "check.txt").read_text().splitlines())


def test_gitlab_script_runs_and_fails_on_block(project: Path) -> None:
    job = _gitlab()["tusz-guard"]
    env = {k: str(v) for k, v in job["variables"].items() if k.startswith("TUSZ_GUARD")}
    done = _sh(project, "bash", "-e", "-c", "\n".join(job["script"]), **env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (project / job["artifacts"]["reports"]["junit"]).is_file()
    assert (project / "reports" / "latest.html").is_file()


def test_preflight_script_is_executable() -> None:
    assert os.access(SCRIPT, os.X_OK)
    assert shutil.which("bash") is not None


def test_github_job_summary_is_the_markdown_report() -> None:
    steps = {s.get("name", s.get("uses")): s for s in _github()["jobs"]["preflight"]["steps"]}
    assert "--format markdown" in steps["tusz-guard check"]["run"]
    summary = steps["Job summary"]
    assert summary["if"] == "always()"
    assert 'cat "$TUSZ_GUARD_REPORT_DIR/latest.md" >> "$GITHUB_STEP_SUMMARY"' in summary["run"]
