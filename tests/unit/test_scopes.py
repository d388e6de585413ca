"""OAuth scopes as Mastodon grants them: top-level, granular, and the legacy `follow`."""

from __future__ import annotations

import pytest

from photofeed.domain.scopes import Scopes, UnknownScope


def test_scopes_parse_from_spaces_or_pluses_with_read_as_the_default() -> None:
    assert Scopes.parse("read write").names == {"read", "write"}
    assert Scopes.parse("read+write:statuses").names == {"read", "write:statuses"}
    assert Scopes.parse("").names == {"read"}
    assert Scopes.parse(None).names == {"read"}
    assert str(Scopes.parse("write read follow push")) == "follow push read write"


@pytest.mark.parametrize("text", ["admin", "read:everything", "READ", "read write:nope"])
def test_unknown_scopes_are_refused(text: str) -> None:
    with pytest.raises(UnknownScope):
        Scopes.parse(text)


@pytest.mark.parametrize(("granted", "required", "allowed"), [
    ("read", "read:accounts", True),
    ("read", "read", True),
    ("read:accounts", "read:accounts", True),
    ("read:accounts", "read:statuses", False),
    ("read:accounts", "read", False),
    ("write", "read:accounts", False),
    ("read", "write:accounts", False),
    ("write", "write:accounts", True),
    ("write:statuses", "write:accounts", False),
    ("follow", "read:follows", True),
    ("follow", "write:blocks", True),
    ("follow", "write:statuses", False),
    ("profile", "profile", True),
    ("profile", "read:accounts", False),
    # verify_credentials needs `profile` or `read:accounts`, as Mastodon documents.
    ("read", "profile", True),
    ("read:accounts", "profile", True),
    ("read:statuses", "profile", False),
    ("write", "profile", False),
])
def test_a_granted_scope_allows_itself_and_its_granular_parts(granted: str, required: str,
                                                               allowed: bool) -> None:
    assert Scopes.parse(granted).allows(required) is allowed


def test_an_app_covers_requests_within_its_scopes() -> None:
    app = Scopes.parse("read write follow push")
    assert app.covers(Scopes.parse("read:accounts write:statuses"))
    assert app.covers(Scopes.parse("read write follow push"))
    assert not Scopes.parse("read").covers(Scopes.parse("read write"))
