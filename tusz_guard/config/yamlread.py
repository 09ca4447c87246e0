"""Safe YAML that refuses duplicate mapping keys (yaml.safe_load would let the second one win silently)."""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

MERGE_TAG = "tag:yaml.org,2002:merge"


class DuplicateKeyError(yaml.YAMLError):
    """A mapping sets one key twice; both line numbers (1-based) are kept for the message."""

    def __init__(self, key: object, first_line: int, second_line: int) -> None:
        super().__init__(f"duplicate key '{key}' at lines {first_line} and {second_line}")
        self.key, self.first_line, self.second_line = key, first_line, second_line


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader semantics, except that a key repeated inside one mapping is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:     # `<<: *base` overrides are YAML's documented way to repeat keys
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, Hashable) and key in seen:
                raise DuplicateKeyError(key, seen[key], line)
            if isinstance(key, Hashable):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def safe_load_unique(text: str) -> Any:
    """yaml.safe_load, plus DuplicateKeyError for a key set twice in one mapping."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
