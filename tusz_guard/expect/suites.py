"""Suite files: read and check them before anything runs, so a malformed suite is a config error (exit 2).

A suite is a Great Expectations 1.x ExpectationSuite as JSON. Which table it runs on comes from
`meta.tusz_guard.table`, or from its name when that is a table name (recordings, cache_entries, windows).
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tusz_guard.errors import ConfigError
from tusz_guard.expect.schema import COLUMNS, PARAMETERS, TABLES, TableName

SUITE_KEYS = frozenset({"name", "expectations", "meta", "notes", "id", "suite_parameters"})
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_COLUMN_LIST_KWARGS = ("column_list",)


@dataclass(frozen=True)
class SuiteFile:
    """One suite file, read and checked: its raw JSON, the table it runs on and where it came from."""

    path: Path
    shown: str
    name: str
    table: TableName
    data: dict[str, Any]

    @property
    def n_expectations(self) -> int:
        return len(self.data["expectations"])


def read_suites(folder: Path, shown: str) -> list[SuiteFile]:
    """Every *.json in folder (sorted), structurally checked; ConfigError naming the file otherwise."""
    if not folder.is_dir():
        raise ConfigError(f"expectations folder {shown} does not exist",
                          hint="pass --expectations DIR with a folder of suite .json files, or --no-expectations")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())
    if not files:
        raise ConfigError(f"expectations folder {shown} holds no suite (*.json)",
                          hint="add a suite (see docs/expectations.md) or pass --no-expectations")
    suites = [read_suite(p, f"{shown.rstrip('/')}/{p.name}") for p in files]
    _unique_names(suites)
    return suites


def read_suite(path: Path, shown: str) -> SuiteFile:
    """Parse one suite file and check its structure, table, columns and parameters (no GX import)."""
    data = _load_json(path, shown)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("suite has no name", file=shown, key="name", hint='add "name": "<suite name>"')
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)}", file=shown,
                          hint=f"a suite holds only {', '.join(sorted(SUITE_KEYS))}")
    table = _table_of(data, shown)
    expectations = data.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise ConfigError("suite has no expectations", file=shown, key="expectations",
                          hint="give a non-empty list of {\"type\": ..., \"kwargs\": {...}}")
    for i, exp in enumerate(expectations):
        _check_expectation(exp, table, shown, f"expectations[{i}]")
    return SuiteFile(path=path, shown=shown, name=name, table=table, data=data)


def _load_json(path: Path, shown: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", file=shown,
                          hint="fix the suite file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the suite ({exc.__class__.__name__})", file=shown) from None
    if not isinstance(data, dict):
        raise ConfigError(f"a suite must be a JSON object, got {type(data).__name__}", file=shown)
    return data


def _table_of(data: dict[str, Any], shown: str) -> TableName:
    meta = data.get("meta") or {}
    own = meta.get("tusz_guard") if isinstance(meta, dict) else None
    table = own.get("table") if isinstance(own, dict) else data["name"]
    if table not in TABLES:
        where = "meta.tusz_guard.table" if isinstance(own, dict) else "name"
        raise ConfigError(f"no table named {table!r}{_did_you_mean(str(table), TABLES)}", file=shown, key=where,
                          hint=f"set meta.tusz_guard.table to one of {', '.join(TABLES)}")
    return table


def _check_expectation(exp: Any, table: TableName, shown: str, where: str) -> None:
    if not isinstance(exp, dict) or not isinstance(exp.get("type"), str) or not isinstance(exp.get("kwargs"), dict):
        raise ConfigError("an expectation must be an object with a \"type\" string and a \"kwargs\" object",
                          file=shown, key=where)
    kwargs = exp["kwargs"]
    for key in _COLUMN_KWARGS:
        if key in kwargs:
            _check_column(kwargs[key], table, shown, f"{where}.kwargs.{key}")
    for key in _COLUMN_LIST_KWARGS:
        for j, column in enumerate(kwargs.get(key) or []):
            _check_column(column, table, shown, f"{where}.kwargs.{key}[{j}]")
    condition = kwargs.get("row_condition")
    if isinstance(condition, dict) and isinstance(condition.get("column"), dict):
        _check_column(condition["column"].get("name"), table, shown, f"{where}.kwargs.row_condition.column.name")
    for name in _parameters(kwargs):
        if name not in PARAMETERS:
            raise ConfigError(f"unknown suite parameter {name!r}{_did_you_mean(name, PARAMETERS)}", file=shown,
                              key=where, hint=f"tusz-guard provides {', '.join(PARAMETERS)}")


def _check_column(column: Any, table: TableName, shown: str, where: str) -> None:
    if column not in COLUMNS[table]:
        raise ConfigError(f"table {table} has no column {column!r}{_did_you_mean(str(column), COLUMNS[table])}",
                          file=shown, key=where, hint=f"columns: {', '.join(COLUMNS[table])}")


def _parameters(value: Any) -> list[str]:
    """Every {"$PARAMETER": name} inside a kwargs value."""
    if isinstance(value, dict):
        if "$PARAMETER" in value:
            return [str(value["$PARAMETER"])]
        return [n for v in value.values() for n in _parameters(v)]
    if isinstance(value, list):
        return [n for v in value for n in _parameters(v)]
    return []


def _unique_names(suites: list[SuiteFile]) -> None:
    seen: dict[str, str] = {}
    for suite in suites:
        if suite.name in seen:
            raise ConfigError(f"suite name {suite.name!r} is also used by {seen[suite.name]}", file=suite.shown,
                              key="name", hint="give every suite its own name: it is the check id")
        seen[suite.name] = suite.shown


def _did_you_mean(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def to_gx_suite(suite: SuiteFile) -> Any:
    """The Great Expectations ExpectationSuite; each expectation is validated first (GX would drop it silently)."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    for i, exp in enumerate(suite.data["expectations"]):
        try:
            ExpectationConfiguration(**exp).to_domain_obj()
        except Exception as exc:     # GX raises many types (not found, pydantic, type errors): all mean a bad rule
            raise ConfigError(f"invalid expectation {exp.get('type')!r}: {_first_line(exc)}", file=suite.shown,
                              key=f"expectations[{i}]", hint="see docs/expectations.md for the format") from None
    try:
        built = gx.ExpectationSuite(**suite.data)
    except Exception as exc:
        raise ConfigError(f"not a Great Expectations suite: {_first_line(exc)}", file=suite.shown) from None
    if len(built.expectations) != suite.n_expectations:
        raise ConfigError(f"Great Expectations accepted {len(built.expectations)} of {suite.n_expectations} "
                          "expectations", file=suite.shown, hint="check each expectation's type and kwargs")
    return built


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0][:300]
