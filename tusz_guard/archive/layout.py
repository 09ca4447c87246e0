"""Member names: normalisation, safety of a name and where a member sits in the cache layout."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tusz_guard.cache.store import ENTRY_FILES, INDEX_NAME, LOCK_NAME, META_NAME, TEMP_PREFIX
from tusz_guard.errors import GuardError
from tusz_guard.textsafe import is_plain

if TYPE_CHECKING:
    from tusz_guard.config import LoadedConfig

MANIFEST_NAME = "tusz-guard-archive.json"
Kind = Literal["manifest", "cache_meta", "index", "entry", "lock", "temp", "other"]
# <prefix>/entries/<stem>/<file>; the stem never starts with '.', so entries/.tmp-* never counts.
_ENTRY = re.compile(r"^(?:(?P<prefix>.*)/)?entries/(?P<stem>[^/.][^/]*)/(?P<file>[^/]+)$")
_TEMP = re.compile(r"^(?:(?P<prefix>.*)/)?entries/" + re.escape(TEMP_PREFIX))


@dataclass(frozen=True)
class Place:
    """Where a normalised member path sits: its kind, the cache prefix it belongs to, the entry stem."""

    kind: Kind
    prefix: str | None = None
    stem: str | None = None
    file: str | None = None

    @property
    def rel(self) -> str:
        """The path relative to the cache root ('' when not part of a cache)."""
        if self.kind == "entry":
            return f"entries/{self.stem}/{self.file}"
        return {"cache_meta": META_NAME, "index": INDEX_NAME}.get(self.kind, "")


def name_problem(name: str) -> str | None:
    """Why a member name is unsafe to extract, or None: absolute, '..', NUL or control characters, empty."""
    if "\x00" in name:
        return "name holds a NUL byte"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        # terminal escapes in a name can rewrite what a user reads; tusz-guard never writes such names
        return "name holds control characters"
    if not is_plain(name):      # C1 controls (U+009B is a CSI), bidi overrides, bytes that are not UTF-8
        return "name holds control, bidi-override or undecodable characters"
    if name.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", name):
        return "absolute path"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return "path climbs out with '..'"
    if not normalise(name):
        return "empty name"
    return None


def normalise(name: str) -> str:
    """'./cache//tusz/x/' -> 'cache/tusz/x' (callers check name_problem first)."""
    norm = posixpath.normpath(name.strip("/")) if name.strip("/") else ""
    return "" if norm == "." else norm


def place(path: str) -> Place:
    """Classify a normalised member path against the cache layout (docs/cache-format.md)."""
    head, base = posixpath.split(path)
    if base == MANIFEST_NAME:
        return Place("manifest", head)
    if base == META_NAME:
        return Place("cache_meta", head)
    if base == INDEX_NAME and "/entries/" not in f"/{head}/":
        return Place("index", head)
    if base == LOCK_NAME:
        return Place("lock", head)
    if _TEMP.match(path) or base.startswith(TEMP_PREFIX):
        return Place("temp")
    m = _ENTRY.match(path)
    if m and m.group("file") in ENTRY_FILES:
        return Place("entry", m.group("prefix") or "", m.group("stem"), m.group("file"))
    return Place("other")


def member_name(prefix: str, rel: str) -> str:
    """The archive name of a file at `rel` inside the cache whose prefix is `prefix`."""
    return f"{prefix}/{rel}" if prefix else rel


def config_prefix(cfg: LoadedConfig) -> str:
    """The config's cache dir relative to the project root: the prefix of every member of its archive."""
    if cfg.cache_url is not None:     # an archive's members are named after a cache inside the project
        raise GuardError(f"data.cache_dir is {cfg.cache_url.shown}: an archive is made of, and unpacked into, a "
                         "local cache", hint="verify the archive without --config, or with a config whose "
                         "data.cache_dir is local; `tusz-guard verify-copy` proves a copy on object storage")
    try:
        rel = cfg.cache_dir.relative_to(cfg.project_root).as_posix()
    except ValueError:
        raise GuardError(f"data.cache_dir {cfg.cache_dir} is outside the project root {cfg.project_root}",
                         hint="archives store paths relative to the project root; set data.cache_dir to a "
                              "path inside the project (a symlink there may point anywhere)") from None
    if rel in ("", "."):
        raise GuardError(f"data.cache_dir is the project root {cfg.project_root}",
                         hint="set data.cache_dir to a folder such as cache/tusz")
    return rel
