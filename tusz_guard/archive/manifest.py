"""The archive manifest: the first member of every packed archive (docs/archive-format.md)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tusz_guard.jsonread import JsonLimitError, loads_bounded

SCHEMA = "tusz-guard/archive/v1"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 256 << 20        # a manifest larger than this is not ours


class ManifestError(ValueError):
    """The manifest member is not a valid tusz-guard archive manifest."""


@dataclass(frozen=True)
class ManifestMember:
    """One member as packed: archive name, size in bytes, sha256 of its content."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class RoleCoverage:
    """How many of a role's included recordings the archive holds current entries for."""

    included: int
    covered: int
    stale: int
    missing: int

    @property
    def complete(self) -> bool:
        return self.covered == self.included


@dataclass(frozen=True)
class Manifest:
    """What the archive holds and what it is for; written before any cache file."""

    prefix: str
    fingerprint: str
    config: str
    config_name: str
    cache_format_version: int
    partial: bool
    coverage: dict[str, RoleCoverage]
    recordings: dict[str, tuple[str, ...]]       # role -> entry keys covered (current for the config)
    members: tuple[ManifestMember, ...]
    created_by: str
    schema: str = SCHEMA
    format_version: int = FORMAT_VERSION
    _by_name: dict[str, ManifestMember] = field(default_factory=dict, repr=False, compare=False)

    @property
    def total_bytes(self) -> int:
        return sum(m.size for m in self.members)

    def member(self, name: str) -> ManifestMember | None:
        if not self._by_name:
            self._by_name.update((m.name, m) for m in self.members)
        return self._by_name.get(name)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict in a fixed key order (the manifest is part of a deterministic archive)."""
        return {
            "schema": self.schema, "format_version": self.format_version, "created_by": self.created_by,
            "prefix": self.prefix, "fingerprint": self.fingerprint, "config": self.config,
            "config_name": self.config_name, "cache_format_version": self.cache_format_version,
            "partial": self.partial,
            "coverage": {role: vars(c) for role, c in self.coverage.items()},
            "recordings": {role: list(keys) for role, keys in self.recordings.items()},
            "totals": {"members": len(self.members), "bytes": self.total_bytes},
            "members": [vars(m) for m in self.members],
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=1) + "\n").encode("utf-8")


def parse_manifest(data: bytes) -> Manifest:
    """Parse and validate manifest bytes; ManifestError says what is wrong."""
    try:
        doc = loads_bounded(data, max_bytes=MAX_MANIFEST_BYTES)
    except JsonLimitError as exc:
        raise ManifestError(f"refused: {exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ManifestError(f"schema is not '{SCHEMA}'")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ManifestError(f"format_version {doc.get('format_version')!r} is not {FORMAT_VERSION}")
    try:
        return _build(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ManifestError(f"malformed ({exc.__class__.__name__}: {exc})") from None


def _build(doc: dict[str, Any]) -> Manifest:
    members = tuple(ManifestMember(_str(m["name"]), _int(m["size"]), _sha(m["sha256"])) for m in doc["members"])
    totals = doc["totals"]
    if _int(totals["members"]) != len(members) or _int(totals["bytes"]) != sum(m.size for m in members):
        raise ValueError("totals disagree with the member list")
    coverage = {_str(r): RoleCoverage(**{k: _int(c[k]) for k in ("included", "covered", "stale", "missing")})
                for r, c in doc["coverage"].items()}
    recordings = {_str(r): tuple(_str(k) for k in keys) for r, keys in doc["recordings"].items()}
    return Manifest(prefix=_str(doc["prefix"]), fingerprint=_str(doc["fingerprint"]), config=_str(doc["config"]),
                    config_name=_str(doc["config_name"]), cache_format_version=_int(doc["cache_format_version"]),
                    partial=bool(doc["partial"]), coverage=coverage, recordings=recordings, members=members,
                    created_by=_str(doc["created_by"]))


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError(f"expected a string, got {type(v).__name__}")
    return v


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise TypeError(f"expected a non-negative integer, got {v!r}")
    return v


def _sha(v: Any) -> str:
    s = _str(v)
    if len(s) != 64 or any(c not in "0123456789abcdef" for c in s):
        raise ValueError(f"not a sha256 hex digest: {s!r}")
    return s
