"""The one bounded JSON reader for anything this run did not write (cache files, archive manifests).

json.loads recurses once per nesting level, so 100,000 '[' end in RecursionError; a nesting limit checked
before parsing turns that into an ordinary error naming the file.
"""
from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64                      # the deepest tusz-guard document nests 4 levels
MAX_BYTES = 512 * 2 ** 20           # an index of 100,000 entries is ~60 MB



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
    if _too_deep(doc, max_depth):
        raise JsonLimitError(f"nested deeper than {max_depth} levels")
    return doc


def _too_deep(doc: Any, max_depth: int) -> bool:
    """True when the parsed document nests containers deeper than max_depth (a walk over containers only:
    ~10x faster than scanning the text for brackets on a 8 MB cache index)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > max_depth:
            return True
        stack += [(c, depth + 1) for c in children if isinstance(c, (dict, list))]
    return False
