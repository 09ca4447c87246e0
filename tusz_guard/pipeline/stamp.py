"""The stamp: the one file tusz-guard writes into a foreign cache, recording what produced its entries."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tusz_guard.cache.store import utc_now
from tusz_guard.errors import GuardError
from tusz_guard.pipeline.foreign_cache import ForeignCache, read_foreign_cache
from tusz_guard.pipeline.foreign_config import ForeignConfig

STAMP_SCHEMA = "tusz-guard/pipeline-stamp/v1"


def stamp_document(cfg: ForeignConfig, cache: ForeignCache) -> dict[str, Any]:
    """Content-key values and their hash, and each entry's size and mtime."""
    return {"schema": STAMP_SCHEMA, "pipeline": cfg.profile.name, "config": cfg.display(cfg.path),
            "stamped_at": utc_now(), "content": {k: v for k, v in cfg.content}, "content_hash": cfg.content_hash,
            "entries": {e.rel: [e.size, e.mtime_ns] for e in sorted(cache.all_entries(), key=lambda e: e.rel)}}


def write_stamp(cfg: ForeignConfig) -> tuple[Path, int]:
    """Write the stamp into the cache root atomically; (path, entries stamped)."""
    root = cfg.cache_dir
    if not root.is_dir():
        raise GuardError(f"{cfg.display(root)} does not exist: nothing to stamp",
                         hint=f"build the cache first, or check {cfg.cache_key.key} of {cfg.display(cfg.path)}")
    cache = read_foreign_cache(root, cfg.profile, headers=False)
    doc = stamp_document(cfg, cache)
    target = root / cfg.profile.cache.stamp
    fd, tmp = tempfile.mkstemp(prefix=".tmp-stamp-", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, default=str)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GuardError(f"cannot write {target}: {exc.strerror}") from None
    return target, len(doc["entries"])
