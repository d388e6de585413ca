"""Where posts, their likes and the per-author index are kept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from photofeed.domain.feed import FeedEntry
from photofeed.domain.graph import Edge, Page
from photofeed.domain.posts import Post, ProfileFilter


class PostStore(Protocol):
    async def add(self, post: Post) -> None:
        """Store a post on its own shard and queue its post_created event."""

    async def index_for_author(self, post_id: int) -> None:
        """Make the author's index and counters reflect the post as stored; safe to repeat."""

    async def get(self, post_id: int) -> Post | None:
        """One post by ID."""

    async def get_many(self, post_ids: Iterable[int]) -> dict[int, Post]:
        """Several posts, one query per database."""

    async def delete(self, post: Post) -> list[Post]:
        """Delete a post and every comment under it; the posts removed."""

    async def unindex_for_author(self, account_id: int, post_id: int) -> None:
        """Drop a deleted post from its author's index and counters; safe to repeat."""

    async def set_favourite(self, post_id: int, account_id: int, on: bool,
                            cursor: int) -> None:
        """Like or unlike; the counter moves only when the like itself changed."""

    async def favourited_by(self, post_id: int, page: Page) -> list[Edge]:
        """Who liked a post, newest first."""

    async def favourited(self, account_id: int, post_ids: Iterable[int]) -> set[int]:
        """Which of these posts the account liked, one query per database."""

    async def thread(self, root_id: int) -> list[Post]:
        """A post and every comment under it, oldest first."""

    async def by_author(self, account_id: int, only: ProfileFilter, page: Page) -> list[int]:
        """IDs of an author's posts, newest first, from the author's index."""

    async def recent_by_authors(self, author_ids: Iterable[int], page: Page) -> list[FeedEntry]:
        """Feed-worthy posts (top-level, not direct) of these authors, newest first."""

    async def newest_by_author(self, author_ids: Iterable[int],
                               per_author: int) -> dict[int, tuple[int, ...]]:
        """Each author's newest feed-worthy post IDs, newest first, at most `per_author`;
        every author asked is a key, with no IDs when they have none."""

    async def public_recent(self, page: Page, *, tag: str | None = None) -> list[int]:
        """IDs of public top-level posts (optionally with a hashtag), newest first."""

    async def claim_idempotency(self, account_id: int, key: str, post_id: int) -> int | None:
        """Reserve a client's Idempotency-Key for a post; the earlier post's ID if taken."""

    async def release_idempotency(self, account_id: int, key: str) -> None:
        """Give a key back after the post it reserved could not be made."""
