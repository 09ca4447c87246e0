"""The snapshot of a foreign pipeline: its configs (through the profile) and its NPZ caches, as CacheViews."""
from __future__ import annotations

from pathlib import Path

from tusz_guard.checks.snapshot import CacheView, ConfigLoad
from tusz_guard.errors import ConfigError, GuardError
from tusz_guard.pipeline.foreign_cache import read_foreign_cache
from tusz_guard.pipeline.foreign_config import ForeignConfig, load_any, load_foreign
from tusz_guard.pipeline.profile import profile_configs

NPZ = "npz"


def foreign_configs(cfg: ForeignConfig, extra: tuple[str | Path, ...]) -> tuple[ConfigLoad, ...]:
    """The primary, the other given configs, then every other config the profile names (checked together)."""
    loads = [_load(cfg, cfg.display(cfg.path), True)]
    seen = {cfg.path}
    for item in extra:
        path = Path(item).expanduser().absolute()
        if path not in seen:
            seen.add(path)
            loads.append(_try(lambda p=path: load_any(p), cfg.display(path), path, True))
    for path in profile_configs(cfg.profile, cfg.project_root):
        if path not in seen:
            seen.add(path)
            loads.append(_try(lambda p=path: load_foreign(p, cfg.profile, cfg.project_root, cfg_env(cfg)),
                              cfg.display(path), path, False))
    return tuple(loads)


def cfg_env(cfg: ForeignConfig) -> dict[str, str]:
    """The environment the primary was judged with, as far as the profile reads it."""
    return {cfg.env_limit[0]: cfg.env_limit[1]} if cfg.env_limit else {}


def _load(cfg, shown: str, given: bool) -> ConfigLoad:
    mark = cfg.content_hash if isinstance(cfg, ForeignConfig) else None
    if mark is None:
        from tusz_guard.cache.fingerprint import fingerprint
        mark = fingerprint(cfg)
    return ConfigLoad(path=cfg.path, shown=shown, given=given, config=cfg, fingerprint=mark)


def _try(load, shown: str, path: Path, given: bool) -> ConfigLoad:
    try:
        return _load(load(), shown, given)
    except GuardError as exc:
        error = exc.render(with_file=False) if isinstance(exc, ConfigError) and exc.file == shown else str(exc)
        return ConfigLoad(path=path, shown=shown, given=given, error=error)


def users(configs: tuple[ConfigLoad, ...], root: Path) -> tuple[str, ...]:
    return tuple(c.shown for c in configs if c.config is not None and c.config.cache_dir == root)


def foreign_view(cfg: ForeignConfig, root: Path, configs: tuple[ConfigLoad, ...], *, headers: bool = True,
                 deep: bool = False) -> CacheView:
    """A CacheView of a foreign cache: no tusz-guard index or entries; the NPZ facts under `npz`."""
    return CacheView(root=root, shown=cfg.display(root), exists=root.is_dir(), dir_exists=root.is_dir(),
                     used_by=users(configs, root), kind=NPZ,
                     npz=read_foreign_cache(root, cfg.profile, headers=headers, deep=deep))


def sibling_roots(cfg: ForeignConfig, configs: tuple[ConfigLoad, ...]) -> list[Path]:
    """Folders next to the cache holding a role folder, and every other config's cache (and cache keys)."""
    found: set[Path] = set()
    folders = set(cfg.profile.cache.splits.values())
    parent = cfg.cache_dir.parent
    if parent.is_dir():
        for child in parent.iterdir():
            if child.is_dir() and any((child / cfg.profile.template.folder(f)).is_dir() for f in folders):
                found.add(child)
    for load in configs:
        c = load.config
        if c is not None and c.cache_dir.is_dir():
            found.add(c.cache_dir)
        for key in getattr(c, "other_cache_keys", ()):
            if key.path is not None and key.path.is_dir():
                found.add(key.path)
    found.discard(cfg.cache_dir)
    return sorted(found)


def foreign_caches(cfg: ForeignConfig, configs: tuple[ConfigLoad, ...], deep: bool
                   ) -> tuple[CacheView, tuple[CacheView, ...]]:
    """The cache the config reads (headers read; values with deep) and its siblings (listed only)."""
    primary = foreign_view(cfg, cfg.cache_dir, configs, deep=deep)
    siblings = tuple(foreign_view(cfg, p, configs, headers=False) for p in sibling_roots(cfg, configs))
    return primary, siblings
