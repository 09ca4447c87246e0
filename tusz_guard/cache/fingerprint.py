"""The cache fingerprint: a hash of every config key that changes an entry's content (never the windows)."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from tusz_guard.config.schema import Config
from tusz_guard.corpus.channels import CHANNELS_10_20

FORMAT_VERSION = 1
# Bump when the annotation parsing or label rasterisation changes what labels.npy holds.
PARSER_VERSION = 1
# Bump when the signal pipeline (reader, interpolation, filters, scaling) changes what signal.npy holds.
PREPROCESS_VERSION = 1
# Keys whose value is a set: order carries no meaning, so they are sorted before hashing.
_SET_KEYS = ("interpolate", "seizure_labels", "background_labels")


def _unwrap(config: Any) -> Config:
    """Accept a schema Config or a LoadedConfig (which carries it as `.config`)."""
    return config if isinstance(config, Config) else config.config


def fingerprint_params(config: Any) -> dict[str, Any]:
    """The content-affecting parameters, JSON-ready, in a fixed key order."""
    cfg = _unwrap(config)
    pre, labels = cfg.preprocessing, cfg.labels
    return {
        "sampling_rate": pre.sampling_rate,
        "channels": list(CHANNELS_10_20),
        "interpolate": sorted(pre.interpolate),
        "bandpass": None if pre.bandpass is None else [float(pre.bandpass[0]), float(pre.bandpass[1])],
        "notch": None if pre.notch is None else float(pre.notch),
        "normalize": pre.normalize,
        "clip": None if pre.clip is None else float(pre.clip),
        "dtype": pre.dtype,
        "annotations": cfg.data.annotations,
        "seizure_labels": sorted(labels.seizure),
        "background_labels": sorted(labels.background),
        "parser_version": PARSER_VERSION,
        "preprocess_version": PREPROCESS_VERSION,
    }


def fingerprint_of(params: dict[str, Any]) -> str:
    """16 hex chars of sha256 over the canonical JSON of params (set-like lists sorted)."""
    canonical = {k: (sorted(v) if k in _SET_KEYS and isinstance(v, list) else v) for k, v in params.items()}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(config: Any) -> str:
    """The fingerprint of a config (schema Config or LoadedConfig)."""
    return fingerprint_of(fingerprint_params(config))


def diff_params(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human lines for every differing key: 'clip: 10.0 -> 5.0', 'seizure_labels: + mysz'."""
    lines = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            lines.append(f"{key}: {_show(old[key])} -> (absent)")
        elif key not in old:
            lines.append(f"{key}: (absent) -> {_show(new[key])}")
        elif old[key] != new[key]:
            lines.append(_diff_one(key, old[key], new[key]))
    return lines


def _diff_one(key: str, old: Any, new: Any) -> str:
    if key in _SET_KEYS and isinstance(old, list) and isinstance(new, list):
        added = [f"+ {v}" for v in sorted(set(new) - set(old))]
        removed = [f"- {v}" for v in sorted(set(old) - set(new))]
        if added or removed:
            return f"{key}: {', '.join(added + removed)}"
    return f"{key}: {_show(old)} -> {_show(new)}"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)
