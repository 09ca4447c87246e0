"""Suite files: the shipped ones load; a malformed one is a ConfigError (exit 2) naming the file and the fix."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tusz_guard.errors import ConfigError, GuardError
from tusz_guard.expect import BUNDLED_SUITE_DIR, resolve_suite_dir
from tusz_guard.expect.suites import read_suite, read_suites, to_gx_suite

REPO_SUITES = Path(__file__).resolve().parents[2] / "expectations"
SHIPPED = ("cache_entries", "recordings", "windows")


def _write(folder: Path, name: str, doc: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _suite(name: str = "recordings", **extra: object) -> dict[str, object]:
    return {"name": name, "expectations": [{"type": "expect_column_values_to_not_be_null",
                                            "kwargs": {"column": "path"}}], **extra}


def test_shipped_suites_load_and_build_in_gx() -> None:
    suites = read_suites(REPO_SUITES, "expectations")
    assert [s.name for s in suites] == list(SHIPPED)
    assert [s.table for s in suites] == list(SHIPPED)
    for suite in suites:
        assert len(to_gx_suite(suite).expectations) == suite.n_expectations


def test_bundled_copy_equals_repository_suites() -> None:
    repo = {p.name: json.loads(p.read_text()) for p in sorted(REPO_SUITES.glob("*.json"))}
    bundled = {p.name: json.loads(p.read_text()) for p in sorted(BUNDLED_SUITE_DIR.glob("*.json"))}
    assert bundled == repo, "tusz_guard/expect/suites/ must be a copy of expectations/ (cp expectations/*.json ...)"


def test_package_import_loads_neither_gx_nor_pandas() -> None:
    code = ("import sys, tusz_guard.expect; "
            "print(sorted(m for m in ('great_expectations', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("doc", "message"), [
    ("{not json", "==> File s/recordings.json invalid JSON at line 1, column 2: Expecting property name enclosed in "
                  "double quotes (fix the suite file)"),
    ([1, 2], "==> File s/recordings.json a suite must be a JSON object, got list"),
    ({"expectations": []}, "==> File s/recordings.json ==> At key: name suite has no name "
                           "(add \"name\": \"<suite name>\")"),
    (_suite(rules=[]), "==> File s/recordings.json unknown key(s) rules "
                       "(a suite holds only expectations, id, meta, name, notes, suite_parameters)"),
    ({"name": "recordings", "expectations": []}, "==> File s/recordings.json ==> At key: expectations suite has no "
     "expectations (give a non-empty list of {\"type\": ..., \"kwargs\": {...}})"),
    (_suite("recording"), "==> File s/recordings.json ==> At key: name no table named 'recording' (did you mean "
                          "'recordings'?) (set meta.tusz_guard.table to one of recordings, cache_entries, windows)"),
    ({"name": "recordings", "expectations": [{"type": "expect_column_values_to_not_be_null"}]},
     "==> File s/recordings.json ==> At key: expectations[0] an expectation must be an object with a \"type\" "
     "string and a \"kwargs\" object"),
    ({"name": "recordings", "expectations": [{"type": "expect_column_values_to_not_be_null",
                                              "kwargs": {"column": "sfrq"}}]},
     "==> File s/recordings.json ==> At key: expectations[0].kwargs.column table recordings has no column 'sfrq' "
     "(did you mean 'sfreq'?)"),
    ({"name": "recordings", "expectations": [{"type": "expect_column_values_to_be_between",
                                              "kwargs": {"column": "sfreq", "max_value": {"$PARAMETER": "clp"}}}]},
     "==> File s/recordings.json ==> At key: expectations[0] unknown suite parameter 'clp' (did you mean 'clip'?)"),
])
def test_malformed_suite_is_a_config_error(tmp_path: Path, doc: object, message: str) -> None:
    path = _write(tmp_path, "recordings", doc)
    with pytest.raises(ConfigError) as info:
        read_suite(path, "s/recordings.json")
    assert info.value.exit_code == 2
    assert str(info.value).startswith(message)


def test_unknown_expectation_type_is_a_config_error(tmp_path: Path) -> None:
    # GX itself only logs such an expectation and drops it: the suite would silently check less.
    doc = {"name": "recordings", "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "path"}},
        {"type": "expect_column_values_to_be_sorted", "kwargs": {"column": "path"}}]}
    suite = read_suite(_write(tmp_path, "recordings", doc), "s/recordings.json")
    with pytest.raises(ConfigError) as info:
        to_gx_suite(suite)
    assert info.value.exit_code == 2
    assert str(info.value) == ("==> File s/recordings.json ==> At key: expectations[1] invalid expectation "
                               "'expect_column_values_to_be_sorted': expect_column_values_to_be_sorted not found "
                               "(see docs/expectations.md for the format)")


def test_bad_kwargs_are_a_config_error(tmp_path: Path) -> None:
    doc = {"name": "recordings", "expectations": [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "sfreq"}}]}
    suite = read_suite(_write(tmp_path, "recordings", doc), "s/recordings.json")
    with pytest.raises(ConfigError, match=r"^==> File s/recordings.json ==> At key: expectations\[0\] invalid "
                                          r"expectation 'expect_column_values_to_be_in_set': "):
        to_gx_suite(suite)


def test_folder_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^expectations folder s does not exist"):
        read_suites(tmp_path / "missing", "s")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"^expectations folder s holds no suite \(\*\.json\)"):
        read_suites(tmp_path / "empty", "s")
    _write(tmp_path / "dup", "a", _suite("mine", meta={"tusz_guard": {"table": "recordings"}}))
    _write(tmp_path / "dup", "b", _suite("mine", meta={"tusz_guard": {"table": "recordings"}}))
    with pytest.raises(ConfigError) as info:
        read_suites(tmp_path / "dup", "s")
    assert str(info.value) == ("==> File s/b.json ==> At key: name suite name 'mine' is also used by s/a.json "
                               "(give every suite its own name: it is the check id)")


def test_custom_suite_names_its_table_in_meta(tmp_path: Path) -> None:
    path = _write(tmp_path, "my_rules", _suite("my_rules", meta={"tusz_guard": {"table": "cache_entries"}}))
    assert read_suite(path, "x").table == "cache_entries"


def test_suite_dir_resolution(tmp_path: Path, make_project, tiny_clean_corpus: Path) -> None:
    from tusz_guard.config import load_config

    cfg = load_config(make_project(tiny_clean_corpus))
    assert resolve_suite_dir(cfg) == BUNDLED_SUITE_DIR
    (cfg.project_root / "expectations").mkdir()
    assert resolve_suite_dir(cfg) == cfg.project_root / "expectations"
    assert resolve_suite_dir(cfg, tmp_path) == tmp_path
    with pytest.raises(GuardError, match=r"^--expectations nowhere: no such folder"):
        resolve_suite_dir(cfg, "nowhere")


def test_a_suite_exported_from_gx_loads_back(tmp_path: Path) -> None:
    for suite in read_suites(REPO_SUITES, "expectations"):
        exported = to_gx_suite(suite).to_json_dict()
        exported["meta"] = {**(exported.get("meta") or {}), "tusz_guard": {"table": suite.table}}
        again = read_suite(_write(tmp_path, suite.name, exported), suite.name)
        assert [e["type"] for e in again.data["expectations"]] == [e["type"] for e in suite.data["expectations"]]
        assert len(to_gx_suite(again).expectations) == suite.n_expectations
