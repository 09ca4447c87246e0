"""Load a config file: safe YAML, ${VAR} expansion, strict schema, paths resolved against the project root."""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tusz_guard.config.schema import Config
from tusz_guard.errors import ConfigError

ROOT_MARKERS = ("pyproject.toml", ".git", "tusz-guard.toml")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A config holds a few hundred values; YAML aliases can make a tiny file expand exponentially ("billion
# laughs"), so the walk stops long before that can hang or exhaust memory.
MAX_VALUES = 100_000


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config plus the absolute paths every command uses."""

    path: Path
    project_root: Path
    config: Config
    raw: dict[str, Any]
    data_dir: Path
    cache_dir: Path
    output_dir: Path

    @property
    def name(self) -> str:
        return self.config.experiment.name

    def display(self, path: Path) -> str:
        """A path relative to the project root when inside it, else absolute."""
        try:
            return path.relative_to(self.project_root).as_posix()
        except ValueError:
            return str(path)


def find_project_root(config_path: Path) -> Path:
    """Nearest ancestor of the config holding a root marker, else the config's own folder."""
    folder = config_path.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


def load_config(path: str | Path) -> LoadedConfig:
    """Read, expand, validate and resolve one config file; raise ConfigError on any problem."""
    # normpath: a config given as ../configs/x.yaml must give the same project root as its absolute path
    config_path = Path(os.path.normpath(Path(path).expanduser().absolute()))
    shown = str(path)
    raw = _read_yaml(config_path, shown)
    expanded = _expand(raw, shown, "")
    config = _validate(expanded, shown)
    root = find_project_root(config_path)
    return LoadedConfig(
        path=config_path,
        project_root=root,
        config=config,
        raw=expanded,
        data_dir=_resolve(root, config.data.data_dir),
        cache_dir=_resolve(root, config.data.cache_dir),
        output_dir=_resolve(root, config.experiment.output_dir),
    )


def _resolve(root: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return Path(os.path.normpath(p if p.is_absolute() else root / p))


def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError("config file not found", file=shown, hint="check the path")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc.__class__.__name__}", file=shown) from None
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise ConfigError("invalid YAML: nested too deeply", file=shown, hint="flatten the config") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"invalid YAML{where}: {problem}", file=shown) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping at the top level, got {type(data).__name__}", file=shown)
    if _count_values(data, MAX_VALUES) > MAX_VALUES:
        raise ConfigError(f"config expands to more than {MAX_VALUES:,} values (YAML anchors/aliases)", file=shown,
                          hint="write the values out instead of nesting aliases")
    return data


def _count_values(data: Any, limit: int) -> int:
    """Values in the document, counting each alias use again; stops counting once past `limit`."""
    count, stack = 0, [data]
    while stack and count <= limit:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def _expand(value: Any, shown: str, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, shown, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, shown, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in os.environ:
                raise ConfigError(f"environment variable ${{{name}}} is not set", file=shown, key=key,
                                  hint=f"export {name}=... or write the value")
            return os.environ[name]
        return _VAR.sub(sub, value)
    return value


def _validate(data: dict[str, Any], shown: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(str(p) for p in first["loc"])
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        if first["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'{_did_you_mean(loc)}{more}"
        elif first["type"] == "missing":
            message = f"required key missing{more}"
        else:
            got = first.get("input")
            got_text = f" (got {got!r})" if not isinstance(got, (dict, list)) else ""
            message = f"{_clean(first['msg'])}{got_text}{more}"
        raise ConfigError(message, file=shown, key=".".join(loc)) from None


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _fields_at(loc: tuple[str, ...]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None) if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _did_you_mean(loc: tuple[str, ...]) -> str:
    key, parent = loc[-1], loc[:-1]
    close = difflib.get_close_matches(key, _fields_at(parent), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{'.'.join((*parent, close[0]))}'?"
    for section in Config.model_fields:
        if key in _fields_at((section,)):
            return f"; did you mean '{section}.{key}'? (the key belongs in '{section}')"
    allowed = _fields_at(parent)
    return f"; allowed keys: {', '.join(allowed)}" if allowed else ""
