"""Who may see what: the one privacy policy every read path asks."""

from __future__ import annotations

from photofeed.domain.accounts import Account
from photofeed.domain.graph import Relationship
from photofeed.domain.posts import Post


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


def can_view_post(viewer_id: int | None, post: Post, author: Account,
                  relationship: Relationship | None) -> bool:
    """Whether the viewer may see a post, its media, its comments and its likes.

    `relationship` is the viewer's toward the author. Mentioned people see private and
    direct posts; a private (locked) account's posts of any visibility reach only its
    approved followers and the people it mentions.
    """
    if viewer_id is not None and viewer_id == post.account_id:
        return True
    if relationship is not None and relationship.blocked_either_way:
        return False
    following = relationship is not None and relationship.following
    mentioned = viewer_id is not None and any(m.account_id == viewer_id for m in post.mentions)
    if post.visibility == "direct":
        return mentioned
    if post.visibility == "private" or author.locked:
        return following or mentioned
    return True


def listed_publicly(post: Post, author: Account) -> bool:
    """Whether a post may appear on public pages, public timelines and share pages."""
    return post.visibility == "public" and not author.locked
