"""The one bounded JSON reader for anything this run did not write (cache files, archive manifests).

json.loads recurses once per nesting level, so 100,000 '[' end in RecursionError; a nesting limit checked
before parsing turns that into an ordinary error naming the file.
"""
from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64                      # the deepest tusz-guard document nests 4 levels
MAX_BYTES = 512 * 2 ** 20           # an index of 100,000 entries is ~60 MB

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\[\]|\{\}")


class JsonLimitError(ValueError):
    """The document is larger or nests deeper than the reader allows."""


def loads_bounded(data: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """json.loads with a size and a nesting limit: JsonLimitError, or json.JSONDecodeError when malformed."""
    if len(data) > max_bytes:
        raise JsonLimitError(f"larger than {max_bytes:,} bytes")
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        doc = json.loads(text)
    except RecursionError:          # deeper than the interpreter's limit (unbalanced input ends here too)
        raise JsonLimitError(f"nested deeper than {max_depth} levels") from None
    if _too_deep(text, max_depth):
        raise JsonLimitError(f"nested deeper than {max_depth} levels")
    return doc


def _too_deep(text: str, max_depth: int) -> bool:
    """True when removing innermost [] / {} pairs max_depth times leaves brackets (regex passes run in C)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(max_depth):
        if not brackets:
            return False
        shorter = _EMPTY_PAIR.sub("", brackets)
        if shorter == brackets:
            return False          # unreachable for a document json.loads accepted
        brackets = shorter
    return bool(brackets)
