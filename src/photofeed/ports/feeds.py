"""UserNewsFeed: the per-reader list of post IDs written by fan-out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from photofeed.domain.feed import FeedEntry
from photofeed.domain.graph import Page


class FeedStore(Protocol):
    async def push(self, owner_ids: Sequence[int], entries: Sequence[FeedEntry]) -> int:
        """Add entries to each owner's feed (keeping it capped); the rows written."""

    async def read(self, owner_id: int, page: Page) -> list[FeedEntry]:
        """One page of a feed, newest first."""

    async def remove_posts(self, owner_ids: Sequence[int], post_ids: Sequence[int]) -> None:
        """Take posts out of these feeds."""

    async def remove_author(self, owner_id: int, author_id: int) -> None:
        """Take every post of one author out of one feed (unfollow, block)."""

    async def replace(self, owner_id: int, entries: Sequence[FeedEntry]) -> None:
        """Rebuild a feed from scratch."""

    async def size(self) -> int:
        """Entries over all feeds."""
