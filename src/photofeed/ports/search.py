"""The search index: posts by their words, people by their names, hashtags by prefix."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from photofeed.domain.accounts import Account
from photofeed.domain.search import PostQuery, SearchDocument, SearchHit, TagStats


@dataclass(frozen=True)
class SearchScope:
    """Which posts a search may return before the privacy filter has its say.

    Public posts are found by everyone; the other visibilities only within `authors` (the
    viewer and the people they follow). The privacy filter still checks every hit.
    """

    authors: frozenset[int] = field(default_factory=frozenset)
    only_author: int | None = None
    now: datetime | None = None


class SearchIndex(Protocol):
    async def put(self, post_id: int, account_id: int, visibility: str,
                  document: SearchDocument) -> None:
        """Index a post on its own shard, replacing what was indexed before; safe to repeat."""

    async def remove(self, post_id: int) -> None:
        """Drop a post from the index; safe to repeat."""

    async def posts(self, query: PostQuery, scope: SearchScope, limit: int) -> list[SearchHit]:
        """The best `limit` matches over every database, best first."""

    async def accounts(self, prefix: str, limit: int, *,
                       among: Collection[int] | None = None) -> list[Account]:
        """Accounts whose username or display name starts with `prefix` (only `among`)."""

    async def tags(self, prefix: str, limit: int) -> list[str]:
        """Hashtags of public posts that start with `prefix`, in name order."""

    async def tag_stats(self, names: Collection[str], since: datetime) -> list[TagStats]:
        """Daily use of these hashtags in public posts since `since`; unused ones left out."""
