"""Who may see what: the one privacy policy every read path asks."""

from __future__ import annotations

from photofeed.domain.accounts import Account
from photofeed.domain.graph import Relationship


def can_see_profile_content(viewer_id: int | None, owner: Account,
                            relationship: Relationship | None) -> bool:
    """Whether the viewer may see an account's posts and follower lists.

    A private (locked) account shows them to itself and its approved followers only; a
    block in either direction hides everything.
    """
    if viewer_id == owner.id:
        return True
    if relationship is not None and relationship.blocked_either_way:
        return False
    if not owner.locked:
        return True
    return relationship is not None and relationship.following
