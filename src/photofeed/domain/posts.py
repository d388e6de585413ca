"""Posts (statuses): a photo or video with a title and caption, or a comment on one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from photofeed.domain.accounts import Account
from photofeed.domain.media import MediaAttachment

Visibility = Literal["public", "unlisted", "private", "direct"]
VISIBILITIES: tuple[Visibility, ...] = ("public", "unlisted", "private", "direct")
MAX_MEDIA = 10


@dataclass(frozen=True)
class Mention:
    account_id: int
    username: str


@dataclass(frozen=True)
class Post:
    id: int
    account_id: int
    title: str
    caption: str
    visibility: Visibility
    sensitive: bool
    spoiler_text: str
    language: str | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    root_id: int
    media: tuple[MediaAttachment, ...]
    mentions: tuple[Mention, ...]
    tags: tuple[str, ...]
    created_at: datetime
    favourites_count: int = 0
    replies_count: int = 0
    edited_at: datetime | None = None

    @property
    def is_reply(self) -> bool:
        return self.in_reply_to_id is not None


@dataclass(frozen=True)
class NewPost:
    """What a person asked to post, before it has an ID."""

    caption: str
    title: str | None = None
    media_ids: list[int] = field(default_factory=list)
    visibility: Visibility = "public"
    sensitive: bool = False
    spoiler_text: str = ""
    language: str | None = None
    in_reply_to_id: int | None = None


@dataclass(frozen=True)
class ProfileFilter:
    """The profile grid's filters (GET /api/v1/accounts/:id/statuses)."""

    only_media: bool = False
    exclude_replies: bool = False
    pinned: bool = False


@dataclass(frozen=True)
class PostView:
    """A post as one viewer sees it: with its author and whether the viewer liked it."""

    post: Post
    author: Account
    favourited: bool = False


def subtree(post_id: int, thread: list[Post]) -> list[Post]:
    """The post and every reply below it, from a thread listed oldest first."""
    kept: list[Post] = []
    below = {post_id}
    for post in thread:  # parents come before their replies
        if post.id == post_id or post.in_reply_to_id in below:
            kept.append(post)
            below.add(post.id)
    return kept
