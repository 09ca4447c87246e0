"""config.paths and config.consistency for a team's own configs (pure functions of a Snapshot)."""
from __future__ import annotations

import json
from typing import Any

from tusz_guard.checks.base import listing
from tusz_guard.checks.snapshot import ConfigLoad, Snapshot
from tusz_guard.pipeline.foreign_config import ForeignConfig
from tusz_guard.results import Outcome, Status, worst


def _foreign(loads: tuple[ConfigLoad, ...]) -> list[tuple[ConfigLoad, ForeignConfig]]:
    return [(c, c.config) for c in loads if isinstance(c.config, ForeignConfig)]


def _path_problems(load: ConfigLoad, cfg: ForeignConfig) -> list[str]:
    read = cfg.cache_key
    name = cfg.profile.name
    out = []
    for other in cfg.other_cache_keys:
        if other.path is not None and other.path != read.path:
            out.append(f"{load.shown}: {other.key} = {other.value} names a different cache than {read.key} = "
                       f"{read.value}; {name} reads {read.key} ({cfg.display(cfg.cache_dir)}); set {other.key} to "
                       f"{read.value} or remove it")
    if cfg.env_limit is not None and not cfg.smoke:
        var, value = cfg.env_limit
        why = f"its path does not contain '{cfg.profile.smoke.path_contains}'" if cfg.profile.smoke.path_contains \
            else "the profile names no smoke configs"
        out.append(f"{load.shown} is not a smoke config ({why}) but the environment sets {var}={value}: the run "
                   f"would use {value} file(s) per role; unset {var} for a full run")
    return out


def paths_outcome(s: Snapshot) -> Outcome:
    """Every other cache key names the cache the pipeline reads; no file limit on a full config (F1, F12)."""
    found = [m for load, cfg in _foreign(s.given) for m in _path_problems(load, cfg)]
    effective = {load.shown: {"data_dir": str(cfg.data_dir), "cache_dir": str(cfg.cache_dir),
                              "cache_key": cfg.cache_key.key, "smoke": cfg.smoke,
                              "other_cache_keys": {k.key: k.value for k in cfg.other_cache_keys},
                              "limit_files": cfg.config.data.limit_files,
                              "env_limit": dict([cfg.env_limit]) if cfg.env_limit else {}}
                 for load, cfg in _foreign(s.given)}
    details = {"effective": effective, "problems": found}
    if found:
        return Outcome("fail", listing(found, 2), details)
    cfg = s.cfg
    assert isinstance(cfg, ForeignConfig)
    others = ", ".join(k.key for k in cfg.other_cache_keys) or "no other key"
    limit = cfg.config.data.limit_files
    tail = f"; smoke run limited to {limit:,} file(s) per role" if limit else "; no file limit"
    return Outcome("pass", f"cache_dir {cfg.cache_dir} (from {cfg.cache_key.key} of {s.show(cfg.path)}, the key "
                   f"{cfg.profile.name} reads); {others} absent or the same{tail}", details)


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def content_diff(a: ForeignConfig, b: ForeignConfig) -> list[str]:
    """'preprocessing.bandpass: [0.5, 120.0] -> [1.0, 40.0]' for every content key whose values differ."""
    old, new = dict(a.content), dict(b.content)
    return [f"{k}: {_show(old.get(k))} -> {_show(new.get(k))}" for k in dict.fromkeys([*old, *new])
            if old.get(k) != new.get(k)]


def _pair(a: ConfigLoad, ca: ForeignConfig, b: ConfigLoad, cb: ForeignConfig) -> str | None:
    key = ca.cache_key.key
    if ca.content_hash == cb.content_hash and ca.cache_dir != cb.cache_dir:
        keep, move = ((b, cb), (a, ca)) if ca.smoke and not cb.smoke else ((a, ca), (b, cb))
        return (f"{a.shown} and {b.shown} have equal {', '.join(k for k, _ in ca.content) or 'content keys'} but "
                f"read different caches: {ca.display(ca.cache_dir)} vs {cb.display(cb.cache_dir)}; set {key} of "
                f"{move[0].shown} to {keep[1].cache_key.value} so both use one cache")
    if ca.content_hash != cb.content_hash and ca.cache_dir == cb.cache_dir:
        return (f"{a.shown} and {b.shown} produce different entries ({'; '.join(content_diff(ca, cb))}) but share "
                f"the cache {ca.display(ca.cache_dir)}; give {b.shown} its own {key}")
    return None


def consistency_outcome(s: Snapshot) -> Outcome:
    """Configs with equal content values read one cache; configs with different ones do not share one (F2)."""
    loaded = _foreign(s.configs)
    problems: list[tuple[Status, str]] = []
    for i, (a, ca) in enumerate(loaded):
        for b, cb in loaded[i + 1:]:
            msg = _pair(a, ca, b, cb)
            if msg:
                problems.append(("fail" if a.given or b.given else "warn", msg))
    details = {"configs": [{"config": c.shown, "given": c.given, "smoke": cfg.smoke, "content_hash": cfg.content_hash,
                            "cache_dir": str(cfg.cache_dir)} for c, cfg in loaded],
               "problems": [m for _, m in problems]}
    if problems:
        return Outcome(worst(st for st, _ in problems), listing([m for _, m in problems], 2), details)
    groups = len({cfg.content_hash for _, cfg in loaded})
    return Outcome("pass", f"{len(loaded):,} config(s) in {groups:,} content group(s); each group reads one cache of "
                   "its own", details)
