"""config.*: schema, effective paths, and consistency between configs that share a folder."""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from tusz_guard.cache.fingerprint import diff_params, fingerprint_params
from tusz_guard.checks.base import check, listing
from tusz_guard.checks.snapshot import ConfigLoad, Snapshot
from tusz_guard.config import LoadedConfig
from tusz_guard.config.keys import get_dotted
from tusz_guard.config.loader import resolve_path
from tusz_guard.corpus.levels import level_problem
from tusz_guard.errors import GuardError
from tusz_guard.results import Outcome, Status, worst
from tusz_guard.storage.location import redact_urls, shown_path


def _get(raw: dict[str, Any], dotted: str) -> object:
    return get_dotted(raw, dotted, None)


def _pipeline(s: Snapshot) -> bool:
    from tusz_guard.pipeline.foreign_config import ForeignConfig
    return isinstance(s.cfg, ForeignConfig)


def _unused_keys(cfg: LoadedConfig) -> list[str]:
    """Keys set in the file that nothing reads under the chosen options (catalogue row 19)."""
    found = []
    if cfg.config.data.split_policy == "official" and _get(cfg.raw, "data.validation_split") is not None:
        found.append("data.validation_split (read only when data.split_policy is 'holdout'; remove it or "
                     "set data.split_policy: holdout)")
    return found


@check("config.schema", "Config files validate; every key is used")
def config_schema(s: Snapshot) -> Outcome:
    problems: list[str] = []
    warnings: list[str] = []
    for load in s.configs:
        if load.error is not None:    # one entry per problem: a file may have several (one line each)
            lines = [f"{load.shown}: {e}" for e in load.error.splitlines()]
            (problems if load.given else warnings).extend(
                lines if load.given else
                [f"sibling {line} (it cannot be compared with the others; fix or move it)" for line in lines])
            continue
        assert load.config is not None
        if load.given:
            problems += [f"{load.shown}: {k}" for k in _unused_keys(load.config)]
    details = {"problems": problems, "warnings": warnings, "configs": [c.shown for c in s.configs]}
    if problems:
        return Outcome("fail", f"{len(problems):,} problem(s): {listing(problems, 2)}", details)
    ok = sum(c.error is None for c in s.configs)
    if warnings:
        return Outcome("warn", f"{ok:,} of {len(s.configs):,} config(s) validate; {listing(warnings, 2)}", details)
    return Outcome("pass", f"{ok:,} config(s) validate against the schema and set only keys that are read", details)


def _path_problems(load: ConfigLoad, s: Snapshot) -> list[tuple[Status, str]]:
    cfg = load.config
    assert cfg is not None
    found: list[tuple[Status, str]] = []
    if _get(cfg.raw, "data.cache_dir") is None:
        found.append(("warn", f"{load.shown}: data.cache_dir is not set; the default "
                      f"'{cfg.config.data.cache_dir}' -> {shown_path(cfg.cache_dir)} is used (set it explicitly)"))
    if cfg.config.experiment.kind == "full" and cfg.config.data.limit_files is not None:
        found.append(("fail", f"{load.shown}: data.limit_files={cfg.config.data.limit_files:,} on a 'full' config "
                      "would train on a subset; remove data.limit_files or set experiment.kind: smoke"))
    for key, path in (("experiment.output_dir", cfg.output_dir), ("data.data_dir", cfg.data_dir)):
        if _overlaps(path, cfg.cache_dir):
            found.append(("fail", f"{load.shown}: {key} ({cfg.display(path)}) overlaps data.cache_dir "
                          f"({cfg.display(cfg.cache_dir)}); give each its own folder"))
    if cfg.output_dir in s.output_dirs:         # train would stop at its first write, after the preflight
        found.append(("fail", f"{load.shown}: experiment.output_dir ({cfg.display(cfg.output_dir)}) cannot be "
                      f"written: {s.output_dirs[cfg.output_dir]}"))
    level = s.data_dirs.get(cfg.data_dir)
    wrong_level = level_problem(level, cfg.config.data.split_policy, cfg.display(cfg.data_dir)) if level else None
    if wrong_level:
        found.append(("fail", f"{load.shown}: {wrong_level}"))
    for name, value in s.env.items():
        if _env_path(value, cfg.project_root) != cfg.cache_dir:
            found.append(("fail", f"environment variable {name}={redact_urls(value)} names a different cache path than "
                          f"data.cache_dir of {load.shown} ({shown_path(cfg.cache_dir)}); unset it or set it to that path"))
    return found


def _env_path(value: str, root: Path) -> Path:
    """A cache path from an environment variable, resolved as data.cache_dir is (a URL: its stand-in)."""
    try:
        return resolve_path(root, value)
    except GuardError:          # not a URL the storage layer can parse: compared as written (it differs anyway)
        return Path(value)


def _overlaps(a: Path, b: Path) -> bool:
    # Compare real paths too: a symlink alias of the cache (or of data_dir) is the same folder on disk.
    return any(x == y or x.is_relative_to(y) or y.is_relative_to(x)
               for x, y in ((a, b), (Path(os.path.realpath(a)), Path(os.path.realpath(b)))))


@check("config.paths", "Effective paths (defaults included) and no second cache path")
def config_paths(s: Snapshot) -> Outcome:
    if _pipeline(s):    # a team's own configs (tusz_guard.pipeline)
        from tusz_guard.pipeline.config_rules import paths_outcome
        return paths_outcome(s)
    found = [p for load in s.given if load.config is not None for p in _path_problems(load, s)]
    effective = {load.shown: {"data_dir": shown_path(load.config.data_dir), "cache_dir": shown_path(load.config.cache_dir),
                              "output_dir": str(load.config.output_dir), "kind": load.config.config.experiment.kind,
                              "limit_files": load.config.config.data.limit_files}
                 for load in s.given if load.config is not None}
    details = {"effective": effective, "problems": [m for _, m in found]}
    status = worst(st for st, _ in found)
    if found:
        return Outcome(status, listing([m for _, m in found], 2), details)
    return Outcome("pass", f"cache_dir {shown_path(s.cfg.cache_dir)} (from data.cache_dir of {s.show(s.cfg.path)}); "
                   "no other key names a cache path", details)


def _pair_problems(a: ConfigLoad, b: ConfigLoad) -> str | None:
    ca, cb = a.config, b.config
    assert ca is not None and cb is not None
    if a.fingerprint == b.fingerprint and ca.cache_dir != cb.cache_dir:
        # The full run's cache is the one worth keeping: point the other config at it.
        keep, move = (b, a) if cb.config.experiment.kind == "full" and ca.config.experiment.kind != "full" else (a, b)
        assert keep.config is not None and move.config is not None
        return (f"{a.shown} and {b.shown} share preprocessing (fingerprint {a.fingerprint}) but read different "
                f"caches: {ca.display(ca.cache_dir)} vs {cb.display(cb.cache_dir)}; set data.cache_dir of "
                f"{move.shown} to {move.config.display(keep.config.cache_dir)} so both use one cache")
    if a.fingerprint != b.fingerprint and ca.cache_dir == cb.cache_dir:
        diff = "; ".join(diff_params(fingerprint_params(ca), fingerprint_params(cb)))
        return (f"{a.shown} and {b.shown} preprocess differently ({diff}) but share the cache "
                f"{ca.display(ca.cache_dir)}; give {b.shown} its own data.cache_dir")
    return None


@check("config.consistency", "Configs that share preprocessing share one cache, and only those")
def config_consistency(s: Snapshot) -> Outcome:
    if _pipeline(s):    # a team's own configs: content keys instead of a fingerprint
        from tusz_guard.pipeline.config_rules import consistency_outcome
        return consistency_outcome(s)
    loaded = [c for c in s.configs if c.config is not None]
    problems: list[tuple[Status, str]] = []
    for i, a in enumerate(loaded):
        for b in loaded[i + 1:]:
            msg = _pair_problems(a, b)
            if msg:
                problems.append(("fail" if a.given or b.given else "warn", msg))
    groups: dict[str, list[str]] = defaultdict(list)
    for c in loaded:
        groups[c.fingerprint or ""].append(c.shown)
    details = {"configs": [{"config": c.shown, "given": c.given, "kind": c.config.config.experiment.kind,
                            "fingerprint": c.fingerprint, "cache_dir": shown_path(c.config.cache_dir)}
                           for c in loaded if c.config is not None],
               "problems": [m for _, m in problems]}
    if problems:
        return Outcome(worst(st for st, _ in problems), listing([m for _, m in problems], 2), details)
    return Outcome("pass", f"{len(loaded):,} config(s) in {len(groups):,} fingerprint group(s); each group reads "
                   "one cache of its own", details)


@check("config.environment", "Environment variables that change this run are listed; none is misspelt")
def config_environment(s: Snapshot) -> Outcome:
    listed = {e.name: e.value for e in s.environment}
    details = {"variables": [{"name": e.name, "value": e.value, "meaning": e.meaning} for e in s.environment],
               "unknown": [{"name": n, "did_you_mean": close} for n, close in s.unknown_env]}
    shown = ", ".join(f"{n}={v}" for n, v in listed.items()) if listed else "none set"
    if s.unknown_env:
        names = "; ".join(f"{n} is read by nothing" + (f" (did you mean {c}?)" if c else "") for n, c in s.unknown_env)
        return Outcome("warn", f"{names}; variables that change this run: {shown}", details)
    return Outcome("pass", f"variables that change this run: {shown}", details)
