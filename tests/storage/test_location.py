"""Location: URLs stay URLs, plain paths stay local, shown forms carry no credentials; round trips."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.errors import GuardError
from tusz_guard.storage.location import Location, redact_url


@pytest.mark.parametrize("text, protocol, path", [
    ("s3://bucket/cache/tusz", "s3", "bucket/cache/tusz"),
    ("s3://bucket/cache/tusz/", "s3", "bucket/cache/tusz"),
    ("S3://bucket/x", "s3", "bucket/x"),
    ("gs://b/x", "gs", "b/x"),
    ("az://container/x", "az", "container/x"),
    ("file:///data/cache", "file", "/data/cache"),
    ("/data/cache", "file", "/data/cache"),
    ("cache/tusz", "file", "/base/cache/tusz"),
    ("s3:/bucket/x", "file", "/base/s3:/bucket/x"),     # one slash: a (strange) local path, as a shell sees it
])
def test_parse(text: str, protocol: str, path: str) -> None:
    loc = Location.parse(text, base=Path("/base"))
    assert (loc.protocol, loc.path) == (protocol, path)
    assert Location.parse(loc.format(), base=Path("/elsewhere")) == loc


def test_a_url_is_never_a_relative_local_path() -> None:
    loc = Location.parse("s3://bucket/x", base=Path("/base"))
    assert not loc.is_local and loc.join("entries", "k").format() == "s3://bucket/x/entries/k"
    with pytest.raises(GuardError, match="is not a local path"):
        _ = loc.local_path


@pytest.mark.parametrize("text, message", [
    ("", "empty location"),
    ("s3://", "s3://: no bucket or host after 's3://'"),
    ("s3:///key", "s3:///key: no bucket or host after 's3://'"),
])
def test_bad_locations(text: str, message: str) -> None:
    with pytest.raises(GuardError) as err:
        Location.parse(text)
    assert err.value.message == message


@pytest.mark.parametrize("url, shown", [
    ("ftp://user:hunter2@host/x", "ftp://user:***@host/x"),
    ("ftp://user@host/x", "ftp://user@host/x"),
    ("az://c/x?sv=2024&sig=SECRET", "az://c/x?***"),
    ("s3://bucket/x", "s3://bucket/x"),
])
def test_shown_forms_are_redacted(url: str, shown: str) -> None:
    assert redact_url(url) == shown and Location.parse(url).shown == shown


_segment = st.text(st.characters(whitelist_categories=("Ll", "Nd"), whitelist_characters="-_."), min_size=1,
                   max_size=12).filter(lambda s: s not in (".", ".."))


@given(st.sampled_from(["s3", "gs", "az", "memory"]), st.lists(_segment, min_size=1, max_size=5))
def test_url_round_trip(protocol: str, parts: list[str]) -> None:
    loc = Location.parse(f"{protocol}://" + "/".join(parts))
    assert loc.format() == f"{protocol}://" + "/".join(parts)
    assert Location.parse(loc.format()) == loc and loc.relative(loc.join("a/b").path) == "a/b"


@given(st.sampled_from(["s3", "gs", "az", "memory"]), st.lists(_segment, min_size=1, max_size=5),
       st.lists(_segment, min_size=0, max_size=3))
def test_a_url_stand_in_round_trips_and_nests_as_the_url_does(protocol: str, parts: list[str], more: list[str]) -> None:
    """A URL config path is kept as a /dev/null/... Path: the URL comes back, and nesting is preserved."""
    from tusz_guard.storage.location import shown_path

    loc = Location.parse(f"{protocol}://" + "/".join(parts))
    inner = loc.join(*more) if more else loc
    assert Location.from_stand_in(loc.stand_in) == loc and shown_path(loc.stand_in) == loc.shown
    assert inner.stand_in.is_relative_to(loc.stand_in)
    assert str(loc.stand_in).startswith("/dev/null/")


@pytest.mark.parametrize("path", [Path("/data/cache"), Path("/dev/null"), Path("/dev/null/s3")])
def test_a_local_path_is_no_stand_in(path: Path) -> None:
    from tusz_guard.storage.location import shown_path

    assert Location.from_stand_in(path) is None and shown_path(path) == str(path)


def test_secrets_of_a_url_are_its_password_and_query() -> None:
    loc = Location.parse("ftp://me:pa55word@host/x?sig=abc&se=1")
    assert loc.secrets == ("pa55word", "sig=abc&se=1", "abc", "1") and Location.parse("s3://b/x").secrets == ()


def test_a_single_echoed_query_value_is_redacted() -> None:
    """A storage library may echo one parameter of the query (a signature), not the whole string."""
    from tusz_guard.storage.remote import redact

    loc = Location.parse("az://box/cache?sv=2024&sig=Zm9vYmFyc2VjcmV0")
    assert redact("request failed: Signature=Zm9vYmFyc2VjcmV0 rejected", loc.secrets) == \
        "request failed: Signature=*** rejected"
