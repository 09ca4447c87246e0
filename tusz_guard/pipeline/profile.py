"""The `[pipeline]` table of tusz-guard.toml: which configs are a team's own, which keys say what, the cache layout."""
from __future__ import annotations

import difflib
import glob
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tusz_guard.config.keys import fields_at
from tusz_guard.config.schema import BACKGROUND_LABELS, SEIZURE_LABELS
from tusz_guard.corpus.ledger import Role
from tusz_guard.errors import ConfigError
from tusz_guard.pipeline.template import EntryTemplate

PROFILE_FILE = "tusz-guard.toml"
TABLE = "pipeline"
STAMP_NAME = ".tusz-guard-stamp.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Keys(_Strict):
    """Dotted keys of the pipeline's own YAML."""

    data_dir: str
    cache_dir: str
    other_cache_keys: tuple[str, ...] = ()
    split_policy: str | None = None
    validation_split: str | None = None
    sampling_rate: str | None = None
    window_s: str | None = None
    stride_s: str | None = None
    output_dir: str | None = None
    seed: str | None = None
    n_channels: str | None = None
    content: tuple[str, ...] = ()


class Smoke(_Strict):
    env_limit: str | None = None
    path_contains: str | None = None


class Labels(_Strict):
    seizure: tuple[str, ...] = SEIZURE_LABELS
    background: tuple[str, ...] = BACKGROUND_LABELS


DEFAULT_SPLITS: dict[Role, str] = {"train": "train", "val": "dev"}


class Cache(_Strict):
    entry: str
    splits: dict[Role, str] = Field(default_factory=lambda: dict(DEFAULT_SPLITS))
    windows_array: str = "windows"
    labels_array: str | None = "labels"
    index: str | None = None
    manifest: str | None = None
    stamp: str = STAMP_NAME

    @field_validator("entry")
    @classmethod
    def _template(cls, v: str) -> str:
        return EntryTemplate.parse(v).text

    @field_validator("index", "manifest")
    @classmethod
    def _per_split(cls, v: str | None) -> str | None:
        if v is not None and "{split}" not in v:
            raise ValueError(f"'{v}' needs a {{split}}: the pipeline keeps one per split folder")
        return v


class Profile(_Strict):
    """A team's pipeline as tusz-guard sees it (paths in `configs` are globs relative to the project root)."""

    name: str = "pipeline"
    configs: tuple[str, ...]
    annotations: Literal["csv_bi", "csv"] = "csv_bi"
    keys: Keys
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    smoke: Smoke = Smoke()
    labels: Labels = Labels()
    cache: Cache

    @field_validator("values")
    @classmethod
    def _known_values(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for key, table in v.items():
            if key != "split_policy":
                raise ValueError(f"values.{key}: only split_policy words are translated")
            bad = [w for w, ours in table.items() if ours not in ("official", "holdout")]
            if bad:
                raise ValueError(f"split_policy.{bad[0]} = '{table[bad[0]]}'; allowed: official, holdout")
        return v

    @property
    def template(self) -> EntryTemplate:
        return EntryTemplate(self.cache.entry)


def find_profile_file(start: Path) -> Path | None:
    """The nearest tusz-guard.toml in `start`'s folder or above."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / PROFILE_FILE).is_file():
            return candidate / PROFILE_FILE
    return None


def read_profile(path: Path) -> Profile | None:
    """The [pipeline] table of one tusz-guard.toml (None when it has none); ConfigError with a breadcrumb."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc.__class__.__name__}", file=PROFILE_FILE) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=PROFILE_FILE) from None
    table = doc.get(TABLE)
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("expected a table", file=PROFILE_FILE, key=TABLE)
    return _validate(table)


def _validate(table: dict[str, Any]) -> Profile:
    try:
        return Profile.model_validate(table)
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
            message = f"{str(first['msg']).removeprefix('Value error, ')}{more}"
        raise ConfigError(message, file=PROFILE_FILE, key=".".join((TABLE, *loc))) from None


def _fields_at(loc: tuple[str, ...]) -> list[str]:
    return fields_at(Profile, loc)


def _did_you_mean(loc: tuple[str, ...]) -> str:
    allowed = _fields_at(loc[:-1])
    close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{'.'.join((TABLE, *loc[:-1], close[0]))}'?"
    return f"; allowed keys: {', '.join(allowed)}" if allowed else ""


def profile_configs(profile: Profile, root: Path) -> list[Path]:
    """Every config file the profile names, sorted, absolute."""
    found: set[Path] = set()
    for pattern in profile.configs:
        for hit in glob.glob(str(root / pattern), recursive=True):
            if os.path.isfile(hit):
                found.add(Path(os.path.normpath(hit)))
    return sorted(found)


def profile_for(config_path: Path) -> tuple[Profile, Path] | None:
    """(profile, project root) when `config_path` is one of the configs a [pipeline] profile names."""
    path = Path(os.path.normpath(config_path.expanduser().absolute()))
    toml = find_profile_file(path)
    if toml is None:
        return None
    profile = read_profile(toml)
    if profile is None or path not in profile_configs(profile, toml.parent):
        return None
    return profile, toml.parent
