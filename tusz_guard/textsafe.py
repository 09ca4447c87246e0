"""The one escape for foreign strings (file and member names, header fields, messages quoting them).

A name read from a corpus or an archive is data, not terminal input: a newline in it could print a fake
"PASS" line, an escape sequence (CSI, OSC; C1 controls such as U+009B act as CSI on many terminals) could
retitle or rewrite the terminal, bidi overrides could reorder what a reader sees, and the undecodable
bytes that os and tarfile keep as surrogates (surrogateescape) crash any strict UTF-8 writer. Every
renderer passes foreign text through `safe`; markup escaping (HTML, XML) is applied on top of it.
"""
from __future__ import annotations

import re
from typing import Any

# C0 controls and DEL, C1 controls, bidi marks/embeddings/overrides/isolates, line and paragraph separators,
# and lone surrogates (undecodable bytes of a file name, or broken UTF-16).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    code = ord(c)
    if c in _NAMED:
        return _NAMED[c]
    if 0xDC80 <= code <= 0xDCFF:              # surrogateescape: show the original byte, as Python writes bytes
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe(text: str) -> str:
    """`text` with every control, bidi and surrogate character written as a visible escape (\\n, \\x1b, \\xff)."""
    return _UNSAFE.sub(_escape, text)


def is_plain(text: str) -> bool:
    """True when `safe` would leave `text` unchanged (no control, bidi or surrogate character)."""
    return _UNSAFE.search(text) is None


def safe_value(value: Any) -> Any:
    """`safe` applied to every string inside nested lists, tuples and dicts (keys included)."""
    if isinstance(value, str):
        return safe(value)
    if isinstance(value, dict):
        return {safe_value(k): safe_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe_value(v) for v in value]
    return value

