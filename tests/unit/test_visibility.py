"""The privacy policy, every visibility x author x viewer combination, without I/O.

GET status, context, favourited_by, favourite and the profile grid all ask this one
question (services/viewing.py), so a row here decides all five; the API matrix in
tests/api/test_privacy_matrix.py checks that they do.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from photofeed.domain.accounts import Account
from photofeed.domain.graph import Relationship
from photofeed.domain.posts import VISIBILITIES, Mention, Post, Visibility
from photofeed.domain.visibility import can_see_profile_content, can_view_post, listed_publicly
from tests.privacy import SEES, VIEWERS, Viewer

AUTHOR, VIEWER = 1, 2
NOW = datetime(2025, 1, 1, tzinfo=UTC)
# The viewer's side of the relationship toward the author.
RELATIONSHIPS: dict[Viewer, Relationship | None] = {
    "anonymous": None,
    "stranger": Relationship(target_id=AUTHOR),
    "follower": Relationship(target_id=AUTHOR, following=True),
    "pending": Relationship(target_id=AUTHOR, requested=True),
    "mentioned": Relationship(target_id=AUTHOR),
    "blocked": Relationship(target_id=AUTHOR, blocked_by=True),
    "blocker": Relationship(target_id=AUTHOR, blocking=True),
    "author": None,
}


def account(*, locked: bool) -> Account:
    return Account(id=AUTHOR, username="ann", display_name="", note="", avatar_key=None,
                   locked=locked, bot=False, discoverable=True, locale="en", created_at=NOW,
                   updated_at=NOW)


def post(visibility: Visibility, *, mentions: tuple[int, ...] = ()) -> Post:
    return Post(id=10, account_id=AUTHOR, title="t", caption="t", visibility=visibility,
                sensitive=False, spoiler_text="", language=None, in_reply_to_id=None,
                in_reply_to_account_id=None, root_id=10, media=(),
                mentions=tuple(Mention(account_id=m, username=f"u{m}") for m in mentions),
                tags=(), created_at=NOW)


def viewer_id(viewer: Viewer) -> int | None:
    return {"anonymous": None, "author": AUTHOR}.get(viewer, VIEWER)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("locked", [False, True], ids=["public-account", "locked-account"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_who_sees_a_post(visibility: Visibility, locked: bool, viewer: Viewer) -> None:
    # The mentioned viewer is the one the caption names; everyone else is not named.
    seen = post(visibility, mentions=(VIEWER,) if viewer == "mentioned" else (3,))
    allowed = can_view_post(viewer_id(viewer), seen, account(locked=locked),
                            RELATIONSHIPS[viewer])
    assert allowed == (viewer in SEES[(visibility, locked)])


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("locked", [False, True])
def test_only_public_posts_of_public_accounts_are_listed(visibility: Visibility,
                                                         locked: bool) -> None:
    listed = listed_publicly(post(visibility), account(locked=locked))
    assert listed == (visibility == "public" and not locked)


@pytest.mark.parametrize("relationship", [
    Relationship(target_id=AUTHOR, following=True, blocked_by=True),
    Relationship(target_id=AUTHOR, following=True, blocking=True),
], ids=["blocked-follower", "blocking-follower"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_a_block_outweighs_being_mentioned_and_following(relationship: Relationship,
                                                         visibility: Visibility) -> None:
    named = post(visibility, mentions=(VIEWER,))
    assert not can_view_post(VIEWER, named, account(locked=False), relationship)


@pytest.mark.parametrize("visibility", ["private", "direct"])
def test_following_without_a_mention_does_not_open_a_direct_post(
        visibility: Visibility) -> None:
    seen = can_view_post(VIEWER, post(visibility), account(locked=False),
                         RELATIONSHIPS["follower"])
    assert seen == (visibility == "private")


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("locked", [False, True], ids=["public-account", "locked-account"])
def test_who_sees_a_profiles_posts_and_lists(locked: bool, viewer: Viewer) -> None:
    expected = viewer in ({"follower", "author"} if locked else
                          {"anonymous", "stranger", "follower", "pending", "mentioned",
                           "author"})
    assert can_see_profile_content(viewer_id(viewer), account(locked=locked),
                                   RELATIONSHIPS[viewer]) == expected
