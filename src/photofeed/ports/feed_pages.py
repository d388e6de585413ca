"""Everything a feed page shows besides its order, read at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from photofeed.domain.accounts import Account
from photofeed.domain.graph import Relationship
from photofeed.domain.posts import Post


@dataclass(frozen=True)
class PageRows:
    """A page's posts (those that exist), which of them the viewer liked, their authors,
    and the viewer's relationship to each author."""

    posts: dict[int, Post]
    liked: set[int]
    authors: dict[int, Account]
    relationships: dict[int, Relationship]


class FeedPageStore(Protocol):
    async def read(self, viewer_id: int, post_ids: Iterable[int],
                   author_ids: Iterable[int]) -> PageRows:
        """Posts, likes, authors and relationships: one query per database."""
