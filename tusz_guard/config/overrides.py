"""`--set KEY=VALUE` and `TUSZ_GUARD_SET`: what a launcher changes in a config before the run reads it.

An override is parsed once here (dotted key, YAML value) and applied to the raw document before `${VAR}`
expansion and schema validation, so an overridden value is judged by exactly the rules a value in the file is.
"""
from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from tusz_guard.errors import ConfigError

ENV_VAR = "TUSZ_GUARD_SET"
FLAG = "--set"
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*")


@dataclass(frozen=True)
class Override:
    """One dotted key set to one YAML value, and where it came from (`--set` or TUSZ_GUARD_SET)."""

    key: str
    value: Any
    text: str
    source: str

    def describe(self) -> str:
        return f"{self.key}={self.text} (from {self.source})"


def parse_one(pair: str, source: str = FLAG) -> Override:
    """`data.cache_dir=cache/x` -> Override; a ConfigError naming the pair and its fix otherwise."""
    key, sep, text = pair.partition("=")
    key = key.strip()
    if not sep:
        raise ConfigError(f"{source} {pair!r} has no '='", hint="write KEY=VALUE, e.g. data.cache_dir=cache/tusz")
    if not _KEY.fullmatch(key):
        raise ConfigError(f"{source} {pair!r}: {key!r} is not a dotted key", hint="e.g. data.cache_dir")
    if text.strip() == "":
        raise ConfigError(f"{source} {pair!r} has no value", key=key,
                          hint=f"write {key}=null for null or {key}='' for an empty string")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ConfigError(f"{source} {pair!r}: the value is not valid YAML", key=key,
                          hint="quote it, e.g. KEY='a: b'") from None
    return Override(key=key, value=value, text=text.strip(), source=source)


def parse(pairs: Iterable[str], source: str = FLAG) -> tuple[Override, ...]:
    return tuple(parse_one(p, source) for p in pairs)


def from_env(environ: Mapping[str, str] | None = None) -> tuple[Override, ...]:
    """TUSZ_GUARD_SET="k=v;k=v" (blank items ignored), for launchers that cannot change the command line."""
    text = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return parse((item for item in text.split(";") if item.strip()), ENV_VAR)


def collect(pairs: Sequence[str], environ: Mapping[str, str] | None = None) -> tuple[Override, ...]:
    """The environment's overrides first, then the command line's: a later value of the same key wins."""
    return (*from_env(environ), *parse(pairs))


def apply(document: Mapping[str, Any], overrides: Sequence[Override]) -> dict[str, Any]:
    """A deep copy of `document` with every override set (missing sections are created)."""
    out: dict[str, Any] = copy.deepcopy(dict(document))
    for o in overrides:
        *parents, last = o.key.split(".")
        node = out
        for i, part in enumerate(parents):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parents[:i + 1])
                raise ConfigError(f"{o.describe()}: {where} is a {type(child).__name__}, not a section",
                                  key=f"{o.key} (from {o.source})", hint=f"set {where} itself")
            node = child
        node[last] = copy.deepcopy(o.value)
    return out


def source_of(key: str, overrides: Sequence[Override]) -> Override | None:
    """The override that set `key` or one of its parents or children (the last one wins), else None."""
    found = None
    for o in overrides:
        if key == o.key or key.startswith(o.key + ".") or o.key.startswith(key + "."):
            found = o
    return found


def mark(problems: list[ConfigError], overrides: Sequence[Override]) -> None:
    """Breadcrumbs of problems an override caused: "==> At key: data.cache_dir (from --set)"."""
    for p in problems:
        if p.key is None or "(from " in p.key:
            continue
        o = source_of(p.key, overrides)
        if o is not None:
            p.key = f"{p.key} (from {o.source})"
