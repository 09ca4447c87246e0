"""Nested mappings as dotted keys (a leaf module: the report's light start imports it, so no pydantic here)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{'data': {'cache_dir': 'x'}} -> {'data.cache_dir': 'x'} (any Mapping nests; other values are leaves)."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}
