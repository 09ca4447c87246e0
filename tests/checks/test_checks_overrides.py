"""--set KEY=VALUE and TUSZ_GUARD_SET: the run as the launcher will execute it (issue 17.1)."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tusz_guard.cli import run
from tusz_guard.config import load_config
from tusz_guard.config.overrides import ENV_VAR, apply, collect, parse_one
from tusz_guard.errors import ConfigError


def test_a_value_is_yaml_and_a_key_is_dotted() -> None:
    o = parse_one("windows.stride_s=30")
    assert (o.key, o.value, o.source) == ("windows.stride_s", 30, "--set")
    assert parse_one("preprocessing.bandpass=[1, 40]").value == [1, 40]
    assert parse_one("preprocessing.notch=null").value is None
    assert parse_one("data.cache_dir=a=b").value == "a=b"      # only the first '=' splits


@pytest.mark.parametrize("pair, words", [
    ("data.cache_dir", "has no '='"),
    ("=x", "is not a dotted key"),
    ("data..cache_dir=x", "is not a dotted key"),
    ("data.cache_dir=", "has no value"),
    ("data.cache_dir=[unclosed", "not valid YAML"),
])
def test_a_malformed_pair_is_one_clear_error(pair: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        parse_one(pair)


def test_the_environment_comes_first_and_the_command_line_wins() -> None:
    found = collect(("data.cache_dir=cli",), {ENV_VAR: "data.cache_dir=env; ;windows.stride_s=5"})
    assert [(o.key, o.value, o.source) for o in found] == [
        ("data.cache_dir", "env", ENV_VAR), ("windows.stride_s", 5, ENV_VAR), ("data.cache_dir", "cli", "--set")]
    assert apply({}, found) == {"data": {"cache_dir": "cli"}, "windows": {"stride_s": 5}}


def test_apply_never_changes_the_document_it_was_given() -> None:
    doc = {"data": {"cache_dir": "a"}}
    assert apply(doc, collect(("data.cache_dir=b",), {})) == {"data": {"cache_dir": "b"}}
    assert doc == {"data": {"cache_dir": "a"}}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), st.integers(0, 9)),
                max_size=6))
def test_the_last_override_of_a_key_wins(items: list[tuple[str, str, int]]) -> None:
    found = collect([f"{s}.{k}={v}" for s, k, v in items], {})
    out = apply({}, found)
    expected: dict[str, dict[str, int]] = {}
    for s, k, v in items:
        expected.setdefault(s, {})[k] = v
    assert out == expected


def test_setting_inside_a_value_that_is_not_a_section_names_it(make_project, tiny_clean_corpus: Path) -> None:
    cfg = make_project(tiny_clean_corpus)
    with pytest.raises(ConfigError) as err:
        load_config(cfg, collect(("data.cache_dir.x=1",), {}))
    assert "data.cache_dir is a str, not a section" in str(err.value)
    assert "train.yaml" in str(err.value)


def test_a_bad_override_is_judged_by_the_schema_with_its_source(make_project, tiny_clean_corpus: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = make_project(tiny_clean_corpus)
    monkeypatch.setenv(ENV_VAR, "windows.stride_s=-3")
    assert run(["check", str(cfg), "--no-expectations", "--set", "data.nope=1", "--set", "windows.length_s=abc"]) == 2
    err = capsys.readouterr().err
    assert "==> At key: data.nope (from --set) unknown key 'nope'" in err
    assert "==> At key: windows.length_s (from --set)" in err
    assert "==> At key: windows.stride_s (from TUSZ_GUARD_SET)" in err
    assert "Traceback" not in err


def test_a_launcher_override_changes_what_check_judges_in_every_format(project: Path, tmp_path: Path) -> None:
    """The committed config reads a built cache; the launcher points it at an empty folder: check must fail."""
    cfg = project / "configs" / "train.yaml"
    ok = tmp_path / "ok.json"
    assert run(["check", str(cfg), "--no-expectations", "--select", "cache.coverage", "-o", str(ok)]) == 0
    out = tmp_path / "reports"
    code = run(["check", str(cfg), "--no-expectations", "--select", "cache.coverage", "--set",
                "data.cache_dir=cache/elsewhere", "--format", "json", "--format", "junit", "--format", "html",
                "--report-dir", str(out)])
    assert code == 1
    doc = json.loads((out / "latest.json").read_text())
    assert doc["cache_dir"] == str(project / "cache" / "elsewhere")
    assert doc["configs"][0]["overrides"] == {"data.cache_dir": "cache/elsewhere (from --set)"}
    assert doc["configs"][0]["values"]["data.cache_dir"] == "cache/elsewhere"
    props = {p.get("name"): p.get("value") for p in ET.parse(out / "latest.xml").iter("property")}
    assert props["override data.cache_dir"] == "cache/elsewhere (from --set)"
    html = (out / "latest.html").read_text()
    assert "cache/elsewhere" in html and '<span class="override">(from --set)</span>' in html


def test_text_report_names_the_override(project: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "data.cache_dir=cache/env")
    run(["check", str(project / "configs" / "train.yaml"), "--no-expectations", "--select", "config.*"])
    assert "override:  data.cache_dir=cache/env (from TUSZ_GUARD_SET)" in capsys.readouterr().out


def test_print_config_is_the_effective_config_and_loads_back(project: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = project / "configs" / "train.yaml"
    monkeypatch.setenv("STRIDE", "20")
    assert run(["check", str(cfg), "--print-config", "--set", "windows.stride_s=${STRIDE}",
                "--set", "data.cache_dir=cache/x"]) == 0
    text = capsys.readouterr().out
    doc = yaml.safe_load(text)
    assert doc["windows"]["stride_s"] == 20.0 and doc["data"]["cache_dir"] == "cache/x"
    assert doc["preprocessing"]["sampling_rate"] == 256            # defaults are written out
    assert "# override: windows.stride_s=${STRIDE} (from --set)" in text
    copy = project / "configs" / "printed.yaml"
    copy.write_text(text)
    again = load_config(copy)
    direct = load_config(cfg, collect(("windows.stride_s=20", "data.cache_dir=cache/x"), {}))
    assert again.config == direct.config


def test_build_cache_and_inventory_take_the_override_too(project: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    cfg = project / "configs" / "train.yaml"
    assert run(["build-cache", str(cfg), "--dry-run", "--set", "data.cache_dir=cache/other"]) == 0
    out = capsys.readouterr().out
    assert str(project / "cache" / "other") in out and "missing" in out
    assert run(["inventory", str(cfg), "--set", "data.exclude=['*']"]) == 0
    assert "excluded_by_config" in capsys.readouterr().out


def test_a_pipeline_config_takes_overrides_of_mapped_keys_only(tmp_path: Path, tiny_clean_corpus: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "pipe"
    (project / "configs").mkdir(parents=True)
    (project / "tusz-guard.toml").write_text(
        '[pipeline]\nname = "team"\nconfigs = ["configs/*.yaml"]\n'
        '[pipeline.keys]\ndata_dir = "data.data_dir"\ncache_dir = "data.cache_dir"\n'
        '[pipeline.cache]\nentry = "{split}/{stem}_windows.npz"\nsplits = { train = "train", val = "dev" }\n'
        'windows_array = "windows"\n')
    cfg = project / "configs" / "train.yaml"
    shutil.copytree(tiny_clean_corpus / "edf", project / "edf")
    cfg.write_text(yaml.safe_dump({"data": {"data_dir": "edf", "cache_dir": "cache/a", "their_key": 1}}))
    assert run(["check", str(cfg), "--print-config", "--set", "data.cache_dir=cache/b"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["data"]["cache_dir"] == "cache/b"
    assert run(["check", str(cfg), "--set", "data.their_kye=2"]) == 2
    err = capsys.readouterr().err
    assert "the pipeline profile does not read this key" in err and "(from --set)" in err
