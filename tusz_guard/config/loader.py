"""Load a config file: safe YAML, ${VAR} expansion, strict schema, paths resolved against the project root."""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tusz_guard.config.keys import fields_at
from tusz_guard.config.overrides import Override, apply, mark
from tusz_guard.config.schema import Config
from tusz_guard.config.yamlread import DuplicateKeyError, safe_load_unique
from tusz_guard.errors import ConfigError, GuardError
from tusz_guard.storage.location import Location, shown_path

ROOT_MARKERS = ("pyproject.toml", ".git", "tusz-guard.toml")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A config holds a few hundred values; YAML aliases can make a tiny file expand exponentially ("billion
# laughs"), so the walk stops long before that can hang or exhaust memory.
MAX_VALUES = 100_000


class ConfigProblems(ConfigError):
    """Every problem of one config file; renders as one line per problem, each with its breadcrumb."""

    def __init__(self, problems: list[ConfigError]) -> None:
        first = problems[0]
        super().__init__(first.message, file=first.file, key=first.key, hint=first.hint)
        self.problems = tuple(problems)

    def render(self, with_file: bool = True) -> str:
        return "\n".join(ConfigError.render(p, with_file) for p in self.problems)


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
    # what `--set` / TUSZ_GUARD_SET changed before validation (already applied to `config` and `raw`)
    overrides: tuple[Override, ...] = field(default=(), kw_only=True)

    @property
    def name(self) -> str:
        return self.config.experiment.name

    @property
    def cache_url(self) -> Location | None:
        """data.cache_dir when it is a URL (s3://...), as written (credentials kept for reading, never for
        messages: use .shown); cache_dir is then its unwritable stand-in."""
        return _url_of(self.cache_dir, self.config.data.cache_dir)

    @property
    def data_url(self) -> Location | None:
        """data.data_dir when it is a URL; data_dir is then its unwritable stand-in."""
        return _url_of(self.data_dir, self.config.data.data_dir)

    def display(self, path: Path) -> str:
        """A path relative to the project root when inside it, else absolute (a URL's stand-in: the URL)."""
        if Location.from_stand_in(path) is not None:
            return shown_path(path)
        try:
            return path.relative_to(self.project_root).as_posix()
        except ValueError:
            return str(path)


def _url_of(path: Path, value: str) -> Location | None:
    """The URL a config value names when its path is a stand-in (the value itself: the stand-in is redacted)."""
    return Location.parse(value) if Location.from_stand_in(path) is not None else None


def find_project_root(config_path: Path) -> Path:
    """Nearest ancestor of the config holding a root marker, else the config's own folder."""
    folder = config_path.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


def load_config(path: str | Path, overrides: tuple[Override, ...] = ()) -> LoadedConfig:
    """Read, override, expand, validate and resolve one config file; raise ConfigError on any problem."""
    # normpath: a config given as ../configs/x.yaml must give the same project root as its absolute path
    config_path = Path(os.path.normpath(Path(path).expanduser().absolute()))
    shown = str(path)
    raw = overridden(read_yaml(config_path, shown), overrides, shown)
    problems: list[ConfigError] = []     # every problem of the file in one run (pandera's lazy=True)
    expanded = _expand(raw, shown, "", problems)
    config = _validate(expanded, shown, problems)
    root = find_project_root(config_path)
    paths: dict[str, Path] = {}
    if config is not None:
        paths = _paths(config, root, shown, problems)
    if problems or config is None:
        mark(problems, overrides)
        raise ConfigProblems(problems)
    return LoadedConfig(
        path=config_path,
        project_root=root,
        config=config,
        raw=expanded,
        data_dir=paths["data.data_dir"],
        cache_dir=paths["data.cache_dir"],
        output_dir=paths["experiment.output_dir"],
        overrides=overrides,
    )


def overridden(raw: dict[str, Any], overrides: tuple[Override, ...], shown: str) -> dict[str, Any]:
    """`raw` with the overrides applied; a problem names the config file too."""
    try:
        return apply(raw, overrides)
    except ConfigError as exc:
        exc.file = shown
        raise


PATH_KEYS = ("data.data_dir", "data.cache_dir", "experiment.output_dir")
URL_KEYS = ("data.data_dir", "data.cache_dir")     # read through fsspec (docs/remote-storage.md); output stays local


def _paths(config: Config, root: Path, shown: str, problems: list[ConfigError]) -> dict[str, Path]:
    """Each path key resolved against the project root; a URL (data_dir, cache_dir only) kept as its stand-in."""
    values = {"data.data_dir": config.data.data_dir, "data.cache_dir": config.data.cache_dir,
              "experiment.output_dir": config.experiment.output_dir}
    out = {}
    for key, value in values.items():
        try:
            out[key] = _resolve(root, value, remote_ok=key in URL_KEYS)
        except GuardError as exc:
            problems.append(ConfigError(exc.message, file=shown, key=key, hint=exc.hint))
            out[key] = root
    return out


def resolve_path(root: Path, value: str) -> Path:
    """A config path value as the loader resolves it (the one rule): a URL's stand-in (never joined to the project
    root: `s3://b/x` is not the folder <root>/s3:/b/x), file:// its local path, else relative to the root."""
    if "://" in value:
        loc = Location.parse(value)
        return loc.stand_in if not loc.is_local else Path(os.path.normpath(loc.path))
    p = Path(value).expanduser()
    return Path(os.path.normpath(p if p.is_absolute() else root / p))


def _resolve(root: Path, value: str, *, remote_ok: bool) -> Path:
    path = resolve_path(root, value)
    if not remote_ok and Location.from_stand_in(path) is not None:
        raise GuardError(f"{Location.parse(value).shown} is a URL: training writes its results to a local folder",
                         hint="give a local or mounted path; copy the results to the bucket afterwards")
    return path


def read_yaml(path: Path, shown: str) -> dict[str, Any]:
    """A config file as a mapping: UTF-8, safe YAML, unique keys, bounded aliases; ConfigError otherwise."""
    if not path.is_file():
        raise ConfigError("config file not found", file=shown, hint=_nearest_config(path, shown))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc.__class__.__name__}", file=shown) from None
    data = _parse(text, shown)
    if data is None:   # an empty file would silently be a full config of defaults (issue 13.6)
        raise ConfigError("the config is empty (no keys at all)", file=shown,
                          hint="write the keys, or `{}` to mean every default on purpose")
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping at the top level, got {type(data).__name__}", file=shown)
    if _count_values(data, MAX_VALUES) > MAX_VALUES:
        raise ConfigError(f"config expands to more than {MAX_VALUES:,} values (YAML anchors/aliases)", file=shown,
                          hint="write the values out instead of nesting aliases")
    return data


def _parse(text: str, shown: str) -> Any:
    try:
        return safe_load_unique(text)
    except RecursionError:
        raise ConfigError("invalid YAML: nested too deeply", file=shown, hint="flatten the config") from None
    except DuplicateKeyError as exc:
        raise ConfigError(f"{exc}: the second would silently replace the first", file=shown,
                          hint="keep one of them") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"invalid YAML{where}: {problem}", file=shown) from None


def _nearest_config(path: Path, shown: str) -> str:
    """'did you mean configs/train.yaml?' for the closest YAML file in the same folder, else 'check the path'."""
    try:
        names = sorted(p.name for p in path.parent.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError:
        names = []
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.7)
    return f"did you mean {Path(shown).with_name(close[0]).as_posix()}?" if close else "check the path"


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


def _expand(value: Any, shown: str, key: str, problems: list[ConfigError]) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, shown, f"{key}.{k}" if key else str(k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, shown, f"{key}[{i}]", problems) for i, v in enumerate(value)]
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in os.environ:
                problems.append(ConfigError(f"environment variable ${{{name}}} is not set", file=shown, key=key,
                                            hint=f"export {name}=... or write the value"))
                return m.group(0)
            return os.environ[name]
        return _VAR.sub(sub, value)
    return value


def _validate(data: dict[str, Any], shown: str, problems: list[ConfigError]) -> Config | None:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(error, data, shown) for error in exc.errors()]
    except ArithmeticError as exc:    # a bound the schema missed must still be a config error, never exit 3
        problems.append(ConfigError(f"a number is out of range ({exc})", file=shown))
    return None


def _problem(error: Any, data: dict[str, Any], shown: str) -> ConfigError:
    loc = tuple(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'{_unknown_key_hint(loc, error.get('input'), data)}"
    elif error["type"] == "missing":
        message = "required key missing"
    else:
        got = error.get("input")
        got_text = f" (got {got!r})" if not isinstance(got, (dict, list)) else ""
        message = f"{_clean(error['msg'])}{got_text}"
    return ConfigError(message, file=shown, key=".".join(loc))


def _misplaced_hint(unknown: str, known: str, value: Any, data: dict[str, Any]) -> str:
    """A key set in the wrong section. When it names a path that differs from the known key's, it is a second
    path (the incident's `experiment.cache_dir: cache/full_training` beside `data.cache_dir: cache/tusz`):
    moving it into the key that is read would switch to the wrong one, so say which one is read."""
    read = _effective(known, data)
    if isinstance(value, str) and known.endswith("_dir") and isinstance(read, str):
        what = known.rsplit(".", 1)[1].removesuffix("_dir").replace("_", " ")
        if value != read:
            return (f": {unknown} ({value}) names a second {what}; {known} ({read}) is the one read; "
                    f"remove {unknown}")
        return f": {unknown} repeats {known} ({read}), which is the one read; remove {unknown}"
    return f"; did you mean '{known}'? (the key belongs in '{known.split('.')[0]}')"


def _effective(dotted: str, data: dict[str, Any]) -> Any:
    """The value a dotted key has in `data`, else the schema default."""
    section, key = dotted.split(".")
    node = data.get(section)
    if isinstance(node, dict) and key in node:
        return node[key]
    field = Config.model_fields[section]
    return getattr(field.default, key, None)


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _fields_at(loc: tuple[str, ...]) -> list[str]:
    return fields_at(Config, loc)


def _unknown_key_hint(loc: tuple[str, ...], value: Any, data: dict[str, Any]) -> str:
    key, parent = loc[-1], loc[:-1]
    close = difflib.get_close_matches(key, _fields_at(parent), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{'.'.join((*parent, close[0]))}'?"
    for section in Config.model_fields:
        if key in _fields_at((section,)):
            return _misplaced_hint(".".join(loc), f"{section}.{key}", value, data)
    allowed = _fields_at(parent)
    return f"; allowed keys: {', '.join(allowed)}" if allowed else ""
