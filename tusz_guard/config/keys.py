"""Dotted keys of a config document ("data.cache_dir"): one lookup, one field listing, for every reader."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

MISSING: Any = object()      # what `get_dotted` returns for a key that is not there (None is a value)


def get_dotted(doc: Mapping[str, Any], dotted: str, default: Any = MISSING) -> Any:
    """The value at a dotted key of a nested mapping, else `default`."""
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def fields_at(root: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """The field names of the model nested at `loc` under `root` (empty when loc is not a section)."""
    model: type[BaseModel] = root
    for part in loc:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None) if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
