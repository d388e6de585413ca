"""Each author's newest feed-worthy posts, as this process last read them: what a pulled
feed is merged from.

A pulled feed needs the newest posts of every account the reader follows. Asked of the
database at every read, that is one index probe per followee; on PostgreSQL a probe costs
about three times what it costs in SQLite inside the process, and a reader following a
thousand accounts waited a millisecond or two for them alone. Here each author's newest
`DEPTH` post IDs are read once per process, for every reader who follows that author, and
a read asks the database only for the authors this process does not hold.

A list may lack only posts whose change this process has not heard of yet: every new or
deleted post is announced on `CHANGES_CHANNEL` (by the fan-out worker, after the author's
index has it), the process that made the change forgets the author at once, and a list is
kept only as kept_reads.py allows, for at most `TTL_SECONDS`.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable
from typing import cast

from photofeed.domain.feed import FeedEntry, merge
from photofeed.domain.graph import Page
from photofeed.ports.events import EventBus
from photofeed.ports.posts import PostStore
from photofeed.services.kept_reads import KeptReads

# The largest page of a feed: a list this long serves any page that starts at the top.
DEPTH = 40
TTL_SECONDS = 60.0
MAX_AUTHORS = 50_000
CHANGES_CHANNEL = "posts:changed"
_LOWEST, _HIGHEST = -(2**63), 2**63 - 1

# One author's list as kept: (their newest post ID, the author, newest IDs first, when
# the read started). Ordered as tuples, lists sort by their newest post.
Held = tuple[int, int, tuple[int, ...], float]


class RecentPosts(KeptReads[Held]):
    """Authors' lists, kept by author ID: `forget(author_id)` when one posts or deletes."""

    def __init__(self, store: PostStore, events: EventBus, *, depth: int = DEPTH,
                 ttl: float = TTL_SECONDS, max_authors: int = MAX_AUTHORS,
                 settle_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(events, CHANGES_CHANNEL, ttl=ttl, max_kept=max_authors,
                         started_field=3, settle_seconds=settle_seconds, clock=clock)
        self._store = store
        self._depth = depth

    async def page(self, author_ids: Iterable[int], page: Page) -> list[FeedEntry]:
        """A page of these authors' feed-worthy posts, as PostStore.recent_by_authors."""
        self._expire()
        authors = list(dict.fromkeys(author_ids))
        # A reader follows hundreds: one pass in C over them, not a Python loop.
        held: list[Held | None] = list(map(self._held.get, authors))
        if None in held:
            read = await self._read([a for a, h in zip(authors, held, strict=True) if h is None])
            held = [h if h is not None else read[a]
                    for a, h in zip(authors, held, strict=True)]
        lists, short = _lists_for(cast(list[Held], held), page, self._depth)
        entries = _merged(lists, page)
        if short:  # the page reaches past what their lists hold
            older = await self._store.recent_by_authors(short, page)
            entries = merge([entries, older], limit=page.limit,
                            oldest_side=page.min_id is not None)
        return entries

    async def _read(self, authors: list[int]) -> dict[int, Held]:
        started = self._clock()
        newest = await self._store.newest_by_author(authors, self._depth)
        read = {author: (post_ids[0] if post_ids else _LOWEST, author, post_ids, started)
                for author, post_ids in newest.items()}
        self._keep(read, started)
        return read


def _lists_for(held: list[Held], page: Page, depth: int) -> tuple[list[Held], list[int]]:
    """The lists cut to the page's bounds, and the authors whose list does not reach far
    enough back to say which of their posts the page holds."""
    low = max(page.since_id or _LOWEST, page.min_id or _LOWEST)
    high = page.max_id if page.max_id is not None else _HIGHEST
    if low == _LOWEST and high == _HIGHEST and page.limit <= depth:
        return held, []  # the common first page: every list serves it as it is
    usable: list[Held] = []
    short: list[int] = []
    for _newest, author, ids, read_at in held:
        inside = tuple(p for p in ids if low < p < high)
        # A list holds all of its author's posts newer than its last one: it answers for
        # the whole range if it is all they have or reaches below the range, and for a
        # newest-first page if it has a page's worth within the range.
        whole = len(ids) < depth or ids[-1] <= low
        if whole or (page.min_id is None and len(inside) >= page.limit):
            if inside:
                usable.append((inside[0], author, inside, read_at))
        else:
            short.append(author)
    return usable, short


def _merged(lists: list[Held], page: Page) -> list[FeedEntry]:
    """The page's entries from authors' lists, newest first."""
    if page.min_id is not None:  # the entries just above min_id
        chosen = heapq.nsmallest(page.limit, ((p, a) for _, a, ids, _ in lists for p in ids))
        chosen.reverse()
    else:
        # With a page's worth of authors whose newest posts are the newest, no post older
        # than the last of those can make the page: only those authors' lists are merged.
        leaders = heapq.nlargest(page.limit, lists)
        floor = leaders[-1][0] if leaders and len(leaders) == page.limit else _LOWEST
        chosen = heapq.nlargest(page.limit, ((p, a) for _, a, ids, _ in leaders
                                             for p in ids if p >= floor))
    return [FeedEntry(post_id=p, author_id=a) for p, a in chosen]
