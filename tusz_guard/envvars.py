"""Every environment variable that changes what tusz-guard does: one table, read by the report and its checks.

A leaf module (standard library only): the CLI, the storage layer and the snapshot read their names from here,
so a variable the tool reads is listed in the report, and a misspelt TUSZ_GUARD_* variable is a warning.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tusz_guard.storage.location import redact_urls

PREFIX = "TUSZ_GUARD_"
ENDPOINT_VARS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
SECRET_VARS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AZURE_STORAGE_KEY",
               "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CONNECTION_STRING", "GOOGLE_OAUTH_ACCESS_TOKEN")
HIDDEN = "***"


@dataclass(frozen=True)
class EnvVar:
    """A variable the tool reads, what it changes, and whether its value is a secret (never printed)."""

    name: str
    meaning: str
    secret: bool = False


KNOWN: tuple[EnvVar, ...] = (
    EnvVar("TUSZ_GUARD_SET", "config overrides applied before validation, as --set (k=v;k=v)"),
    EnvVar("TUSZ_GUARD_LOG_DIR", "folder for crash logs (tracebacks of tusz-guard bugs)"),
    EnvVar("TUSZ_GUARD_MEMO_DIR", "folder of the scan memo (default: the user's cache folder)"),
    EnvVar("TUSZ_GUARD_REQUIRE_BROWSER", "the project's test suite: browser tests fail instead of skipping"),
    # read by the CI templates in ci/ (shell), not by the Python package: listed so they never warn
    EnvVar("TUSZ_GUARD_ARGS", "ci/ templates: extra `check` options"),
    EnvVar("TUSZ_GUARD_REPORT_DIR", "ci/ templates: where the reports go"),
    EnvVar("TUSZ_GUARD_CONFIGS", "ci/ templates: the configs to check"),
    EnvVar("TUSZ_GUARD_PACKAGE", "ci/ templates: the tusz-guard package to install"),
    *(EnvVar(v, "endpoint of the S3-compatible server for s3:// locations") for v in ENDPOINT_VARS),
    *(EnvVar(v, "storage credential (value never shown)", secret=True) for v in SECRET_VARS),
)


@dataclass(frozen=True)
class EnvSetting:
    """One variable as set for this run: its name, its value (hidden when secret) and what it changes."""

    name: str
    value: str
    meaning: str


def settings(extra: Iterable[EnvVar] = (), environ: Mapping[str, str] | None = None) -> tuple[EnvSetting, ...]:
    """The variables of KNOWN (and `extra`, e.g. a pipeline profile's) that are set, in table order."""
    env = os.environ if environ is None else environ
    seen: dict[str, EnvSetting] = {}
    for var in (*KNOWN, *extra):
        if var.name in env and var.name not in seen:
            shown = HIDDEN if var.secret else str(redact_urls(env[var.name]))     # a URL's user:password@ too
            seen[var.name] = EnvSetting(var.name, shown, var.meaning)
    return tuple(seen.values())


def unknown(environ: Mapping[str, str] | None = None) -> tuple[tuple[str, str | None], ...]:
    """TUSZ_GUARD_* variables the tool does not read, each with the closest known name (or None)."""
    env = os.environ if environ is None else environ
    ours = [v.name for v in KNOWN if v.name.startswith(PREFIX)]
    out = []
    for name in sorted(env):
        if name.startswith(PREFIX) and name not in ours:
            close = difflib.get_close_matches(name, ours, n=1, cutoff=0.6)
            out.append((name, close[0] if close else None))
    return tuple(out)
