"""A team's own config read through its profile: only the mapped keys, adapted into a LoadedConfig.

The checks consume LoadedConfig; ForeignConfig is one, plus what only a foreign pipeline has (a second cache key,
content keys instead of a fingerprint, smoke-ness from the path and a file limit from the environment).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tusz_guard.config import LoadedConfig, load_config
from tusz_guard.config.keys import get_dotted
from tusz_guard.config.loader import (
    ConfigProblems,
    overridden,
    read_yaml,  # the project's one safe YAML reader (alias bomb guard)
    resolve_path,
)
from tusz_guard.config.overrides import Override, mark
from tusz_guard.config.schema import Config
from tusz_guard.errors import ConfigError, GuardError
from tusz_guard.pipeline.profile import PROFILE_FILE, Profile, find_profile_file, profile_for, read_profile

_MISSING = object()
# pipeline.keys entries that each map one value of the pipeline's YAML (n_channels, content and the other
# cache keys are read on their own)
VALUE_KEYS = ("data_dir", "cache_dir", "split_policy", "validation_split", "sampling_rate", "window_s", "stride_s",
              "output_dir", "seed")


@dataclass(frozen=True)
class CacheKey:
    """One key of the foreign config that names a cache (absent: value None)."""

    key: str
    value: str | None
    path: Path | None


@dataclass(frozen=True)
class ForeignConfig(LoadedConfig):
    """A LoadedConfig built from a foreign config's mapped keys, with the facts only a foreign pipeline has."""

    profile: Profile
    source: dict[str, Any]                      # the pipeline's own YAML, untouched
    cache_key: CacheKey                         # the key the pipeline reads
    other_cache_keys: tuple[CacheKey, ...]
    content: tuple[tuple[str, Any], ...]        # (content key, value) in profile order
    content_hash: str
    smoke: bool
    env_limit: tuple[str, str] | None           # (variable, value) when set in the environment given
    n_channels: int = 19                        # channels per window the pipeline stores


def get_key(doc: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted key, or _MISSING."""
    return get_dotted(doc, dotted, _MISSING)


def content_hash(content: tuple[tuple[str, Any], ...]) -> str:
    """16 hex chars of sha256 over the canonical JSON of the content keys and values."""
    text = json.dumps([[k, v] for k, v in content], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_own(path: str | Path, command: str, overrides: tuple[Override, ...] = ()) -> LoadedConfig:
    """tusz-guard's own config, for the commands that build, pack, unpack, copy or train on tusz-guard's cache:
    a team's pipeline config is refused in one line (not with the schema's list of every key it does not know)."""
    found = profile_for(Path(path))
    if found is not None:
        profile, root = found
        raise ConfigError(f"{path} is a config of the {profile.name} pipeline ([pipeline] in "
                          f"{root / PROFILE_FILE}): `tusz-guard {command}` works on tusz-guard's own cache",
                          hint=f"use {profile.name}'s own tools for that; `tusz-guard check`, `inventory`, `run` and "
                               "`stamp` take this config")
    return load_config(path, overrides)


def load_any(path: str | Path, env: Mapping[str, str] | None = None,
             overrides: tuple[Override, ...] = ()) -> LoadedConfig:
    """A profile's config through the profile, any other config through tusz-guard's own schema."""
    found = profile_for(Path(path))
    if found is not None:
        return load_foreign(Path(path), found[0], found[1], os.environ if env is None else env, overrides)
    try:
        return load_config(path, overrides)
    except ConfigError as exc:
        toml = find_profile_file(Path(path).expanduser().absolute())
        profile = read_profile(toml) if toml is not None else None
        if toml is not None and profile is not None:   # a team's config the globs miss reads as a tusz-guard config
            note = (f"it is not one of the configs pipeline.configs names in {toml.parent / PROFILE_FILE} "
                    f"({', '.join(profile.configs)})")
            last = exc.problems[-1] if isinstance(exc, ConfigProblems) else exc   # said once, after every problem
            last.hint = f"{last.hint}; {note}" if last.hint else note
        raise


def load_foreign(path: Path, profile: Profile, root: Path, env: Mapping[str, str],
                 overrides: tuple[Override, ...] = ()) -> ForeignConfig:
    """Read one foreign config: every mapped key must exist; nothing else in the file is judged."""
    config_path = Path(os.path.normpath(path.expanduser().absolute()))
    shown = _shown(config_path, root)
    _only_mapped(profile, overrides, shown)
    source = overridden(read_yaml(config_path, shown), overrides, shown)
    try:
        return _foreign(config_path, shown, source, profile, root, env, overrides)
    except ConfigError as exc:
        mark([exc], overrides)
        raise


def mapped_keys(profile: Profile) -> tuple[str, ...]:
    """Every dotted key of the pipeline's YAML that the profile reads."""
    k = profile.keys
    single = [getattr(k, name) for name in (*VALUE_KEYS, "n_channels")]
    return tuple(dict.fromkeys(v for v in (*single, *k.other_cache_keys, *k.content) if v is not None))


def _only_mapped(profile: Profile, overrides: tuple[Override, ...], shown: str) -> None:
    """An override of a key the profile does not read would change nothing tusz-guard judges: refuse it."""
    known = mapped_keys(profile)
    for o in overrides:
        if o.key not in known:
            close = difflib.get_close_matches(o.key, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"keys the profile reads: {', '.join(known)}"
            raise ConfigError(f"{o.describe()}: the pipeline profile does not read this key, so tusz-guard would not "
                              "judge the value the run uses", file=shown, key=f"{o.key} (from {o.source})", hint=hint)


def _foreign(config_path: Path, shown: str, source: dict[str, Any], profile: Profile, root: Path,
             env: Mapping[str, str], overrides: tuple[Override, ...]) -> ForeignConfig:
    keys = profile.keys
    values = {name: _required(source, getattr(keys, name), name, shown)
              for name in VALUE_KEYS if getattr(keys, name) is not None}
    content = tuple((k, _required(source, k, "content", shown)) for k in keys.content)
    smoke = profile.smoke.path_contains is not None and profile.smoke.path_contains in shown
    limit = _env_limit(profile, env)
    config = _config(profile, values, smoke, limit, shown)
    others = tuple(_cache_key(source, k, root) for k in keys.other_cache_keys)
    cache_dir = _resolve(root, str(values["cache_dir"]))
    return ForeignConfig(
        path=config_path, project_root=root, config=config, raw=config.model_dump(mode="json", exclude_defaults=True),
        data_dir=_resolve(root, config.data.data_dir), cache_dir=cache_dir,
        output_dir=_resolve(root, config.experiment.output_dir), profile=profile, source=source,
        cache_key=CacheKey(keys.cache_dir, str(values["cache_dir"]), cache_dir), other_cache_keys=others,
        content=content, content_hash=content_hash(content), smoke=smoke, env_limit=limit,
        n_channels=_channels(profile, source, content, shown), overrides=overrides)


def _channels(profile: Profile, source: Mapping[str, Any], content: tuple[tuple[str, Any], ...], shown: str) -> int:
    """keys.n_channels when mapped, else a content key named n_channels, else the 19 of the 10-20 montage."""
    if profile.keys.n_channels is not None:
        value = _required(source, profile.keys.n_channels, "n_channels", shown)
    else:
        value = next((v for k, v in content if k.rsplit(".", 1)[-1] == "n_channels"), 19)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"expected a positive whole number of channels (got {value!r})", file=shown,
                          key=profile.keys.n_channels or "n_channels")
    return value


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _required(source: Mapping[str, Any], dotted: str, name: str, shown: str) -> Any:
    value = get_key(source, dotted)
    if value is _MISSING:
        where = "content" if name == "content" else name
        raise ConfigError(f"'{dotted}' is not in {shown}; map pipeline.keys.{where} to a key the configs have",
                          file=PROFILE_FILE, key=f"pipeline.keys.{where}")
    return value


def _cache_key(source: Mapping[str, Any], dotted: str, root: Path) -> CacheKey:
    value = get_key(source, dotted)
    if value is _MISSING or value is None:
        return CacheKey(dotted, None, None)
    return CacheKey(dotted, str(value), _resolve(root, str(value)))


def _env_limit(profile: Profile, env: Mapping[str, str]) -> tuple[str, str] | None:
    name = profile.smoke.env_limit
    if name is None or env.get(name) in (None, ""):
        return None
    return name, env[name]


def _limit_value(limit: tuple[str, str] | None) -> int | None:
    if limit is None:
        return None
    try:
        value = int(limit[1])
    except ValueError:
        raise GuardError(f"environment variable {limit[0]}={limit[1]!r} is not a whole number of files",
                         hint=f"unset {limit[0]} or set it to a count") from None
    if value < 1:
        raise GuardError(f"environment variable {limit[0]}={value} must be at least 1", hint=f"unset {limit[0]}")
    return value


def _policy(profile: Profile, word: Any, shown: str) -> str:
    table = profile.values.get("split_policy", {})
    ours = table.get(str(word), str(word))
    if ours not in ("official", "holdout"):
        allowed = ", ".join([*table, "official", "holdout"])
        raise ConfigError(f"split policy '{word}' has no meaning for tusz-guard; allowed: {allowed} (or add it to "
                          "[pipeline.values.split_policy] in tusz-guard.toml)", file=shown, key=profile.keys.split_policy)
    return ours


def _config(profile: Profile, values: dict[str, Any], smoke: bool, limit: tuple[str, str] | None,
            shown: str) -> Config:
    """The tusz-guard Config the mapped keys mean: tusz-guard's own preprocessing keys stay unset (not ours)."""
    data: dict[str, Any] = {"data_dir": str(values["data_dir"]), "cache_dir": str(values["cache_dir"]),
                            "annotations": profile.annotations, "limit_files": _limit_value(limit)}
    if "split_policy" in values:
        data["split_policy"] = _policy(profile, values["split_policy"], shown)
    if data.get("split_policy") == "holdout" and "validation_split" in values:
        data["validation_split"] = values["validation_split"]
    experiment: dict[str, Any] = {"name": f"{profile.name}:{Path(shown).stem}", "kind": "smoke" if smoke else "full"}
    for ours, theirs in (("output_dir", "output_dir"), ("seed", "seed")):
        if theirs in values:
            experiment[ours] = values[theirs] if ours == "seed" else str(values[theirs])
    doc = {"experiment": experiment, "data": data,
           "preprocessing": {"bandpass": None, "notch": None,
                             **({"sampling_rate": values["sampling_rate"]} if "sampling_rate" in values else {})},
           "windows": {k: values[v] for k, v in (("length_s", "window_s"), ("stride_s", "stride_s")) if v in values},
           "labels": {"seizure": list(profile.labels.seizure), "background": list(profile.labels.background)}}
    try:
        return Config.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        theirs = _their_key(profile, loc)
        raise ConfigError(f"{str(first['msg']).removeprefix('Value error, ')} (got {first.get('input')!r})",
                          file=shown, key=theirs) from None


def _their_key(profile: Profile, ours: str) -> str:
    keys = profile.keys
    table = {"data.data_dir": keys.data_dir, "data.cache_dir": keys.cache_dir, "data.split_policy": keys.split_policy,
             "data.validation_split": keys.validation_split, "preprocessing.sampling_rate": keys.sampling_rate,
             "windows.length_s": keys.window_s, "windows.stride_s": keys.stride_s,
             "experiment.output_dir": keys.output_dir, "experiment.seed": keys.seed}
    for prefix, theirs in table.items():
        if ours.startswith(prefix) and theirs:
            return theirs
    return ours


def _resolve(root: Path, value: str) -> Path:
    if "://" in value:       # never <root>/s3:/bucket/...: a profile's paths are read by the team's own code, locally
        from tusz_guard.storage.location import redact_url
        raise GuardError(f"{redact_url(value)} is a URL: a pipeline profile's corpus and cache paths must be local",
                         hint="sync them to a local or mounted path; prove a remote copy with `tusz-guard verify-copy`")
    return resolve_path(root, value)
