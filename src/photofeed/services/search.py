"""Use cases of search: posts by their words, people by name, hashtags and their trends.

Every post the index returns goes through the privacy filter (Viewing) before anyone sees
it, and a page is filled by asking the index for more when the filter drops hits.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from photofeed.domain.accounts import Account
from photofeed.domain.errors import NotFound
from photofeed.domain.posts import PostView
from photofeed.domain.search import (
    TagDay,
    TagStats,
    account_prefix,
    document_of,
    parse_post_query,
    searchable,
    tag_name,
)
from photofeed.ports.graph import GraphStore
from photofeed.ports.posts import PostStore
from photofeed.ports.search import SearchIndex, SearchScope
from photofeed.services.clock import Clock, utc_now
from photofeed.services.viewing import Viewing

# Results deeper than this are not served: ranking a deep page costs the whole window.
MAX_WINDOW = 1000
# How often a page short of visible hits asks the index again, for four times as many.
MAX_ROUNDS = 3
# Non-public posts are searched among this many of the people a viewer follows.
MAX_SCOPE_AUTHORS = 1000
HISTORY_DAYS = 7


class SearchService:
    def __init__(self, *, index: SearchIndex, posts: PostStore, graph: GraphStore,
                 viewing: Viewing, clock: Clock = utc_now) -> None:
        self._index = index
        self._posts = posts
        self._graph = graph
        self._viewing = viewing
        self._clock = clock

    async def statuses(self, *, viewer: Account | None, q: str, limit: int, offset: int,
                       account_id: int | None = None) -> list[PostView]:
        """Posts matching the words, best first, as far as the viewer may see them."""
        query = parse_post_query(q)
        want = offset + limit
        if query.empty or want > MAX_WINDOW:
            return []
        scope = await self._scope(viewer, account_id)
        window = min(want + 10, MAX_WINDOW)
        for _ in range(MAX_ROUNDS):
            hits = await self._index.posts(query, scope, window)
            found = await self._posts.get_many(h.post_id for h in hits)
            visible = await self._viewing.filter(
                viewer.id if viewer else None, [found[h.post_id] for h in hits
                                                if h.post_id in found])
            if len(visible) >= want or len(hits) < window or window >= MAX_WINDOW:
                break
            window = min(window * 4, MAX_WINDOW)
        return visible[offset:want]

    async def _scope(self, viewer: Account | None, account_id: int | None) -> SearchScope:
        authors: frozenset[int] = frozenset()
        if viewer is not None:
            followees = await self._graph.followee_ids(viewer.id)
            authors = frozenset([viewer.id, *followees[:MAX_SCOPE_AUTHORS]])
        return SearchScope(authors=authors, only_author=account_id, now=self._clock())

    async def accounts(self, *, viewer: Account | None, q: str, limit: int, offset: int,
                       domain: str, following: bool = False) -> list[Account]:
        """People by username or display name prefix, the ones the viewer follows first."""
        prefix = account_prefix(q, domain=domain)
        want = offset + limit
        if prefix is None or want > MAX_WINDOW:
            return []
        followees = set(await self._graph.followee_ids(viewer.id)) if viewer else set()
        found = await self._index.accounts(prefix, want, among=followees) if followees else []
        if not following:
            found += await self._index.accounts(prefix, want + limit)
        unique = list({a.id: a for a in found}.values())
        return (await self._allowed(viewer, unique, followees, prefix))[offset:want]

    async def _allowed(self, viewer: Account | None, found: list[Account],
                       followees: set[int], prefix: str) -> list[Account]:
        """Drop blocked accounts, and those that opted out of discovery unless known."""
        viewer_id = viewer.id if viewer else None
        relationships = await self._graph.relationships(
            viewer_id, [a.id for a in found]) if viewer_id is not None else {}

        def shown(account: Account) -> bool:
            rel = relationships.get(account.id)
            if rel is not None and rel.blocked_either_way:
                return False
            return (account.discoverable or account.id == viewer_id
                    or account.id in followees or account.username.lower() == prefix)

        return [a for a in found if shown(a)]

    async def hashtags(self, *, q: str, limit: int, offset: int) -> list[TagStats]:
        """Hashtags of public posts starting with the query, with a week of history."""
        name = tag_name(q)
        if name is None or offset + limit > MAX_WINDOW:
            return []
        names = (await self._index.tags(name, offset + limit))[offset:]
        return await self._history(names)

    async def tag(self, *, name: str) -> TagStats:
        """One hashtag and its history; NotFound if no public post ever used it."""
        wanted = tag_name(name)
        if wanted is None or await self._index.tags(wanted, 1) != [wanted]:
            raise NotFound("Record not found")
        return (await self._history([wanted]))[0]

    async def _history(self, names: list[str]) -> list[TagStats]:
        today = datetime.combine(self._clock().date(), time(), tzinfo=self._clock().tzinfo)
        since = today - timedelta(days=HISTORY_DAYS - 1)
        counted = {s.name: {d.day: d for d in s.history}
                   for s in await self._index.tag_stats(names, since)}
        days = [int((today - timedelta(days=n)).timestamp()) for n in range(HISTORY_DAYS)]
        return [TagStats(name=name, history=tuple(
            counted.get(name, {}).get(day, TagDay(day=day, uses=0, accounts=0))
            for day in days)) for name in names]

    async def on_post_created(self, event: dict[str, Any]) -> None:
        """Index a new post; a post deleted meanwhile is removed instead."""
        post_id = int(event["post_id"])
        post = await self._posts.get(post_id)
        if post is None:
            await self._index.remove(post_id)
        elif searchable(post):
            await self._index.put(post.id, post.account_id, post.visibility, document_of(post))

    async def on_post_deleted(self, event: dict[str, Any]) -> None:
        await self._index.remove(int(event["post_id"]))
