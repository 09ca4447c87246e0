"""`24h`, `90m`, `1h30m`, `1d`, `3600s`, `3600`: a duration on the command line, in seconds (leaf module)."""
from __future__ import annotations

import math
import re

_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
MAX_SECONDS = 366 * 86400.0


def parse_duration(text: str) -> float:
    """Seconds > 0; ValueError naming the accepted forms otherwise."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    else:
        parts = _PART.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value.replace(" ", ""):
            raise ValueError(f"{text!r} is not a duration; write e.g. 24h, 90m, 1h30m, 2d or 3600 (seconds)")
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{text!r}: a time limit must be more than 0")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{text!r} is more than a year; write the platform's real limit")
    return seconds


def show_duration(seconds: float) -> str:
    """3725 -> '1 h 02 min'; 45 -> '45 s'."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60):,} h {int(minutes % 60):02d} min"
