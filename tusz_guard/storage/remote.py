"""fsspec adapters for a Location: list, stat, ranged and streamed reads, streamed writes.

Credentials come only from each protocol's usual places (environment, ~/.aws, gcloud, azure config files); an S3
endpoint from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. Every storage failure becomes one GuardError line with the
location redacted; no secret is ever part of a message.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from typing import Any, BinaryIO

from tusz_guard.envvars import ENDPOINT_VARS, SECRET_VARS
from tusz_guard.errors import GuardError
from tusz_guard.storage.location import Location

CHUNK = 8 << 20
POOL_CONNECTIONS = 64
_STORAGE_MODULES = frozenset({"botocore", "aiobotocore", "aiohttp", "s3fs", "fsspec", "gcsfs", "adlfs", "azure",
                              "google", "urllib3", "requests"})
_CREDENTIAL_CODES = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken",
                               "InvalidToken", "InvalidClientTokenId", "AuthorizationHeaderMalformed", "403"})
_THROTTLE_CODES = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
                             "TooManyRequests", "RequestThrottled", "503", "429"})
_PACKAGES = {"s3": "s3fs (pip install 'tusz-guard[s3]')", "s3a": "s3fs (pip install 'tusz-guard[s3]')",
             "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}
CREDENTIAL_HINT = {"s3": "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE (~/.aws/credentials)",
                   "gs": "run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS",
                   "az": "set AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_KEY or sign in with `az login`"}


def filesystem(loc: Location) -> Any:
    """A fresh fsspec filesystem for the location's protocol (no instance or listing cache: a copy can change)."""
    import fsspec

    try:
        cls = fsspec.get_filesystem_class(loc.protocol)
    except ValueError:
        raise GuardError(f"{loc.shown}: unknown storage protocol '{loc.protocol}://'",
                         hint="use a local folder or an fsspec protocol such as s3://, gs://, az://") from None
    except ImportError:
        need = _PACKAGES.get(loc.protocol, f"the fsspec package for {loc.protocol}://")
        raise GuardError(f"{loc.shown}: {loc.protocol}:// needs {need}", hint="install it and retry") from None
    with storage_errors(loc, "connect to"):
        return cls(skip_instance_cache=True, **_options(loc.protocol))


def _options(protocol: str) -> dict[str, Any]:
    if protocol not in ("s3", "s3a"):
        return {"use_listings_cache": False} if protocol not in ("file", "local", "memory") else {}
    endpoint = next((os.environ[v] for v in ENDPOINT_VARS if os.environ.get(v)), None)
    # botocore keeps 10 connections per client by default: the corpus scan has 32 requests in flight
    return {"use_listings_cache": False, "config_kwargs": {"max_pool_connections": POOL_CONNECTIONS},
            **({"endpoint_url": endpoint} if endpoint else {})}


def fs_path(fs: Any, loc: Location) -> str:
    """The path string the filesystem uses for the location ('bucket/prefix', or an absolute local path)."""
    return str(fs._strip_protocol(loc.format())).rstrip("/")


def list_files(fs: Any, loc: Location) -> dict[str, int]:
    """Every object below the location, by path relative to it, with its size (one recursive listing)."""
    root = fs_path(fs, loc)
    with storage_errors(loc, "list"):
        found = fs.find(root, detail=True)
    return {name[len(root) + 1:]: int(info.get("size") or 0) for name, info in found.items()
            if name.startswith(root + "/") and info.get("type", "file") != "directory"}


def read_small(fs: Any, loc: Location) -> bytes | None:
    """A whole (small) object, None when it does not exist."""
    with storage_errors(loc, "read"):
        try:
            return bytes(fs.cat_file(fs_path(fs, loc)))
        except FileNotFoundError:
            return None


def stream_sha256(fs: Any, loc: Location, size: int, chunk: int = CHUNK) -> tuple[str, int]:
    """(sha256, bytes read) of one object of listed `size`, read front to back in ranged reads of `chunk` bytes.

    No HEAD request (the listing gave the size); memory stays at one chunk. The last read asks for one byte past
    the listed end, so an object that grew or shrank since it was listed reads as another size.
    """
    digest, got, path = hashlib.sha256(), 0, fs_path(fs, loc)
    with storage_errors(loc, "read"):
        while True:
            want = min(chunk, size + 1 - got)
            data = _range(fs, path, got, got + want)
            digest.update(data)
            got += len(data)
            if len(data) < want or got > size:
                return digest.hexdigest(), got


def _range(fs: Any, path: str, start: int, end: int) -> bytes:
    """Bytes [start, end); empty past the end of the object (S3 answers 416 InvalidRange there)."""
    try:
        return bytes(fs.cat_file(path, start=start, end=end))
    except OSError as exc:
        if _code(exc) == "InvalidRange" or "range is not satisfiable" in str(exc):
            return b""
        raise


def read_range(fs: Any, loc: Location, start: int, end: int) -> bytes:
    """Bytes [start, end) of one object (one ranged GET on object stores)."""
    with storage_errors(loc, "read"):
        return bytes(fs.cat_file(fs_path(fs, loc), start=start, end=end))


def read_listed(fs: Any, loc: Location, size: int) -> bytes:
    """A whole object of the size its listing gave, in one ranged GET (a plain GET costs s3fs a HEAD first)."""
    return read_range(fs, loc, 0, size) if size else b""


def stat_size(fs: Any, loc: Location) -> int | None:
    """An object's size, None when it does not exist."""
    with storage_errors(loc, "stat"):
        try:
            return int(fs.info(fs_path(fs, loc))["size"])
        except FileNotFoundError:
            return None


@contextlib.contextmanager
def open_write(fs: Any, loc: Location) -> Iterator[BinaryIO]:
    """A binary writer for the location (multipart upload on S3, streamed: nothing staged locally)."""
    with storage_errors(loc, "write"), fs.open(fs_path(fs, loc), "wb") as f:
        yield f


# ---- errors -------------------------------------------------------------------------------------------
@contextlib.contextmanager
def storage_errors(loc: Location, action: str) -> Iterator[None]:
    """Turn a storage failure into one GuardError line: what, where (redacted), why, the fix."""
    try:
        yield
    except GuardError:
        raise
    except Exception as exc:
        if not is_storage_error(exc):
            raise
        why, hint = describe(exc, loc.protocol)
        raise StorageError(redact(f"cannot {action} {loc.shown}: {why}", loc.secrets), hint=redact(hint, loc.secrets),
                           object_gone=isinstance(exc, FileNotFoundError)) from None


class StorageError(GuardError):
    """A storage failure as one line. object_gone: the object itself is missing (a fact about that file); every
    other failure (credentials, bucket, throttling, connection) is the store's, and says nothing about the file."""

    def __init__(self, message: str, *, hint: str | None = None, object_gone: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.object_gone = object_gone


def is_storage_error(exc: BaseException) -> bool:
    """OSError (what fsspec raises) or an exception of a storage client library (botocore, aiohttp, ...)."""
    return isinstance(exc, OSError) or any(k.__module__.split(".")[0] in _STORAGE_MODULES for k in type(exc).__mro__)


def describe(exc: BaseException, protocol: str) -> tuple[str, str]:
    """(why, hint) for a storage failure, from the error code when the server sent one."""
    code, text = _code(exc), _text(exc)
    cred = CREDENTIAL_HINT.get(protocol.rstrip("a"), "check the protocol's credentials")
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError") or "credentials" in text.lower() and not code:
        return "no credentials found", cred
    if code in _CREDENTIAL_CODES or isinstance(exc, PermissionError):
        return f"access denied ({code or text})", cred
    if code == "NoSuchBucket" or "bucket does not exist" in text.lower():
        return "the bucket does not exist", "check the bucket name in the URL"
    if code in _THROTTLE_CODES or "slow down" in text.lower() or "throttl" in text.lower():
        return f"the server is throttling requests ({code or text})", "retry later or lower --workers"
    if isinstance(exc, FileNotFoundError):
        return "not found", "check the URL"
    if isinstance(exc, (ConnectionError, TimeoutError)) or "connect" in name.lower() or "connect" in text.lower():
        return f"connection failed ({name})", "check the network and AWS_ENDPOINT_URL"
    return f"{name}: {text}", "retry; if it persists, check the storage service"


def _code(exc: BaseException) -> str:
    for item in _chain(exc):
        response = getattr(item, "response", None)
        if isinstance(response, dict):
            error = response.get("Error") or {}
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            return str(error.get("Code") or status or "")
    return ""


def _text(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    item: BaseException | None = exc
    while item is not None and id(item) not in seen:
        seen.add(id(item))
        yield item
        item = item.__cause__ or item.__context__


def redact(text: str, extra: tuple[str, ...] = ()) -> str:
    """Replace the value of every credential variable set in the environment (and `extra`: a URL's own password
    and query string) with '***'."""
    for value in (*(os.environ.get(var) for var in SECRET_VARS), *extra):
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text
