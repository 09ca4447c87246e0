"""Storage errors become one line with a fix; secrets never appear; a file that changes size mid-read is named."""
from __future__ import annotations

from pathlib import Path

import pytest

from tusz_guard.errors import GuardError
from tusz_guard.storage import remote
from tusz_guard.storage.location import Location
from tusz_guard.storage.verify_copy import hash_all
from tusz_guard.storage.wants import Want


def _client_error(code: str, status: int = 400) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "ListObjectsV2")


def _raised(exc: Exception, protocol: str = "s3") -> GuardError:
    with pytest.raises(GuardError) as err, remote.storage_errors(Location(protocol, "bucket/x"), "list"):
        raise exc
    return err.value


@pytest.mark.parametrize("code, why", [
    ("InvalidAccessKeyId", "access denied (InvalidAccessKeyId)"),
    ("SignatureDoesNotMatch", "access denied (SignatureDoesNotMatch)"),
    ("NoSuchBucket", "the bucket does not exist"),
    ("SlowDown", "the server is throttling requests (SlowDown)"),
])
def test_server_error_codes_map_to_one_line(code: str, why: str) -> None:
    err = _raised(_client_error(code))
    assert err.message == f"cannot list s3://bucket/x: {why}" and err.exit_code == 2


def test_translated_errors_keep_their_cause() -> None:
    exc = PermissionError("The AWS Access Key Id you provided does not exist in our records.")
    exc.__cause__ = _client_error("InvalidAccessKeyId", 403)
    assert _raised(exc).message == "cannot list s3://bucket/x: access denied (InvalidAccessKeyId)"
    assert _raised(FileNotFoundError("nope")).message == "cannot list s3://bucket/x: not found"
    assert _raised(ConnectionResetError("peer")).message == ("cannot list s3://bucket/x: connection failed "
                                                             "(ConnectionResetError)")


def test_no_credentials() -> None:
    from botocore.exceptions import NoCredentialsError

    err = _raised(NoCredentialsError())
    assert err.message == "cannot list s3://bucket/x: no credentials found"
    assert err.hint == "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE (~/.aws/credentials)"


def test_secrets_in_a_server_message_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value")
    err = _raised(OSError("weird failure for key s3cr3t-value"))
    assert "s3cr3t-value" not in str(err) and "***" in err.message


def test_a_bug_is_not_disguised_as_a_storage_error() -> None:
    with pytest.raises(KeyError), remote.storage_errors(Location("s3", "b/x"), "list"):
        raise KeyError("bug")


def test_a_missing_fsspec_package_names_what_to_install() -> None:
    with pytest.raises(GuardError) as err:
        remote.filesystem(Location("gs", "bucket/x"))
    assert err.value.message == "gs://bucket/x: gs:// needs gcsfs"


def test_an_object_that_changes_size_mid_read_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"x" * 1000)
    loc = Location.parse(tmp_path)
    fs = remote.filesystem(loc)
    (problem, read), = hash_all(fs, loc, [Want("a.bin", 1500, "0" * 64)], {"a.bin": 1500}, workers=2)
    assert read == 1000 and problem is not None and problem.kind == "resized"
    assert problem.line() == "a.bin: changed size while it was read: listed 1,500 bytes, read 1,000"


def test_an_object_that_grew_since_the_listing_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"x" * 1000)
    loc = Location.parse(tmp_path)
    (problem, _), = hash_all(remote.filesystem(loc), loc, [Want("a.bin", 600, "0" * 64)], {"a.bin": 600}, workers=1)
    assert problem is not None and problem.line() == "a.bin: changed size while it was read: listed 600 bytes, " \
        "it holds more"


def test_ranged_reads_past_the_end_of_an_s3_object_read_as_its_end(s3) -> None:
    import hashlib

    s3.fs.pipe_file(f"{s3.bucket}/ten", b"0123456789")
    loc = Location.parse(s3.url("ten"))
    fs = remote.filesystem(loc)
    assert remote.stream_sha256(fs, loc, 15, chunk=5) == (hashlib.sha256(b"0123456789").hexdigest(), 10)
    assert remote.stream_sha256(fs, loc, 10, chunk=5) == (hashlib.sha256(b"0123456789").hexdigest(), 10)
    assert remote.stream_sha256(fs, loc, 7, chunk=5)[1] == 8        # grew: one byte past the listed end


def test_reads_are_streamed_in_chunks(tmp_path: Path) -> None:
    import hashlib

    data = bytes(range(256)) * 4099
    (tmp_path / "b.bin").write_bytes(data)
    loc = Location.parse(tmp_path)
    fs = remote.filesystem(loc)
    assert remote.stream_sha256(fs, loc.join("b.bin"), len(data), chunk=1000) == \
        (hashlib.sha256(data).hexdigest(), len(data))
    assert remote.read_range(fs, loc.join("b.bin"), 256, 260) == bytes(range(4))
