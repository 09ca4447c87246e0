"""Where a cache or archive lives: a local path or an fsspec URL, as an immutable value (no I/O here).

`s3://bucket/cache/tusz` is a URL, never the relative local path `s3:/bucket/...`; a plain path (relative or
absolute) and `file://` stay local. Shown forms are redacted: credentials never reach a message.

A config's path keys stay `Path`s (LoadedConfig.cache_dir, data_dir); a URL value becomes its *stand-in*, a path
below /dev/null that encodes it (`/dev/null/s3/bucket/cache`). Nothing can ever be created there (a folder below a
character device is ENOTDIR), so a writer that forgot to refuse a URL fails instead of writing a local folder; equal
URLs give equal stand-ins and nested URLs nested ones, so path comparisons (overlap, "same cache") stay right.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tusz_guard.errors import GuardError

LOCAL = "file"
STAND_IN_ROOT = Path("/dev/null")
_URL = re.compile(r"^(?P<proto>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.DOTALL)
_USERINFO = re.compile(r"^(?P<user>[^/@:]*)(?::[^/@]*)?@")
_SECRET_QUERY = re.compile(r"\?.*$", re.DOTALL)


@dataclass(frozen=True)
class Location:
    """A protocol ('file' for local) and its path: 'bucket/key/prefix' for object stores, absolute for local."""

    protocol: str
    path: str

    @classmethod
    def parse(cls, text: str | Path, base: Path | None = None) -> "Location":
        """Parse a URL or a path (relative paths resolve against `base`, default the working directory)."""
        raw = str(text)
        if not raw.strip():
            raise GuardError("empty location", hint="give a folder or a URL such as s3://bucket/cache/tusz")
        match = _URL.match(raw)
        if match is None:
            path = Path(raw).expanduser()
            return cls(LOCAL, str(path if path.is_absolute() else (base or Path.cwd()) / path))
        proto, rest = match["proto"].lower(), match["rest"]
        if proto in (LOCAL, "local"):
            return cls(LOCAL, str(Path("/" + rest.lstrip("/"))))
        rest = rest.rstrip("/")
        if not rest or rest.startswith("/"):
            raise GuardError(f"{redact_url(raw)}: no bucket or host after '{proto}://'",
                             hint=f"write it as {proto}://bucket/prefix")
        return cls(proto, rest)

    @property
    def is_local(self) -> bool:
        return self.protocol == LOCAL

    @property
    def local_path(self) -> Path:
        """The local path; GuardError for a remote location."""
        if not self.is_local:
            raise GuardError(f"{self.shown} is not a local path")
        return Path(self.path)

    def format(self) -> str:
        """The string that parses back to this value (round trip)."""
        return self.path if self.is_local else f"{self.protocol}://{self.path}"

    @property
    def shown(self) -> str:
        """The form for messages and reports: user:password@ and query strings (SAS tokens) removed."""
        return redact_url(self.format())

    def join(self, *parts: str) -> "Location":
        """A location below this one (posix separators, also for local paths)."""
        return Location(self.protocol, str(PurePosixPath(self.path, *parts)))

    def relative(self, full: str) -> str:
        """A path below this location, relative to it ('entries/k/meta.json')."""
        return str(PurePosixPath(full).relative_to(PurePosixPath(self.path)))

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def secrets(self) -> tuple[str, ...]:
        """The password of user:password@ and the query string, which a storage library may echo in an error."""
        found = []
        userinfo = _USERINFO.match(self.path)
        if userinfo and ":" in userinfo.group(0):
            found.append(userinfo.group(0)[len(userinfo["user"]) + 1:-1])
        if "?" in self.path:
            query = self.path.split("?", 1)[1]
            found.append(query)                  # and each value: a library may echo one (X-Amz-Signature=...)
            found += [part.split("=", 1)[1] for part in query.split("&") if "=" in part]
        return tuple(f for f in found if f)

    @property
    def stand_in(self) -> Path:
        """The local Path a config keeps for this location: itself when local, else the unwritable stand-in.

        The stand-in holds no user:password@ and no query string: a message that formats the path can never print
        a secret. The readable URL comes from the config value (LoadedConfig.cache_url / data_url)."""
        if self.is_local:
            return Path(self.path)
        return STAND_IN_ROOT / self.protocol / _USERINFO.sub("", self.path, 1).split("?", 1)[0]

    @classmethod
    def from_stand_in(cls, path: Path) -> "Location | None":
        """The URL a stand-in path encodes; None for a real local path."""
        try:
            rel = path.relative_to(STAND_IN_ROOT)
        except ValueError:
            return None
        parts = rel.parts
        return cls(parts[0], "/".join(parts[1:])) if len(parts) >= 2 else None


def shown_path(path: Path) -> str:
    """A config path for messages and reports: the redacted URL of a stand-in, else the path itself."""
    loc = Location.from_stand_in(path)
    return str(path) if loc is None else loc.shown


_ANY_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+")


def redact_urls(value: object) -> object:
    """Every URL inside a string redacted (a config value, an override's text); other values unchanged."""
    return _ANY_URL.sub(lambda m: redact_url(m.group(0)), value) if isinstance(value, str) else value


def redact_url(text: str) -> str:
    """A URL without credentials: 'ftp://user:pw@host/x?sig=...' -> 'ftp://user:***@host/x?***'."""
    match = _URL.match(text)
    if match is None:
        return text
    rest = _USERINFO.sub(lambda m: f"{m['user']}:***@" if m.group(0).count(":") else m.group(0), match["rest"], 1)
    rest = _SECRET_QUERY.sub("?***", rest)
    return f"{match['proto']}://{rest}"
