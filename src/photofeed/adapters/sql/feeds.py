"""FeedStore as a SQL table on each reader's shard."""

from __future__ import annotations

import random
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed import ids
from photofeed.adapters.sql.queries import PagedQuery
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.schema import user_feed
from photofeed.domain.feed import FeedEntry
from photofeed.domain.graph import Page

# Trimming a feed after every push would double the cost of fan-out; trimming now and then
# keeps each feed within a few dozen entries of the cap at a fraction of the cost.
TRIM_ODDS = 1 / 16
# The post ID of a feed's cap-th newest entry (none when the feed is shorter), and the
# statement that deletes what is older.
_BOUNDARY = select(user_feed.c.post_id).where(user_feed.c.owner_id == bindparam("owner")) \
    .order_by(user_feed.c.post_id.desc()).limit(1).offset(bindparam("keep")).scalar_subquery()
_TRIM = delete(user_feed).where(user_feed.c.owner_id == bindparam("owner"),
                                user_feed.c.post_id < _BOUNDARY)
_FEED_PAGE = PagedQuery(select(user_feed.c.post_id, user_feed.c.author_id).where(
    user_feed.c.owner_id == bindparam("owner")), user_feed.c.post_id)
EXACT_COUNT_BELOW = 1_000_000
_PG_ESTIMATE = text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'user_feed'::regclass")


class SqlFeedStore:
    def __init__(self, router: ShardRouter, *, cap: int = 800) -> None:
        self._router = router
        self._cap = cap

    async def push(self, owner_ids: Sequence[int], entries: Sequence[FeedEntry]) -> int:
        rows = [{"owner_id": owner, "post_id": e.post_id, "author_id": e.author_id}
                for owner in owner_ids for e in entries]
        written = 0

        async def write(conn: AsyncConnection, group: list[dict[str, int]]) -> None:
            nonlocal written
            # One prepared statement run for every row (executemany), rather than a VALUES
            # list per chunk that has to be compiled afresh each time.
            await conn.execute(_insert_ignore(conn), group)
            written += len(group)
            owners = {row["owner_id"] for row in group}
            await self._trim(conn, [o for o in owners if len(entries) > 1
                                    or random.random() < TRIM_ODDS])  # noqa: S311

        await self._router.write_grouped(rows, lambda row: ids.shard_of(row["owner_id"]), write)
        return written

    async def _trim(self, conn: AsyncConnection, owner_ids: list[int]) -> None:
        """Cut these feeds down to the cap: per feed, one seek to its cap-th newest entry.

        (A correlated subquery that finds each row's rank runs cap² steps per feed, and a
        window function over all these feeds ranks every entry they hold.)
        """
        if owner_ids:
            await conn.execute(_TRIM, [{"owner": o, "keep": self._cap - 1} for o in owner_ids])

    async def read(self, owner_id: int, page: Page) -> list[FeedEntry]:
        async with self._router.read(ids.shard_of(owner_id)) as conn:
            rows = await _FEED_PAGE.fetch(conn, page, owner=owner_id)
        return [FeedEntry(post_id=r[0], author_id=r[1]) for r in rows]

    async def remove_posts(self, owner_ids: Sequence[int], post_ids: Sequence[int]) -> None:
        if not post_ids:
            return

        async def remove(conn: AsyncConnection, group: list[int]) -> None:
            for start in range(0, len(group), 1000):
                await conn.execute(delete(user_feed).where(
                    user_feed.c.owner_id.in_(group[start:start + 1000]),
                    user_feed.c.post_id.in_(post_ids)))

        await self._router.write_grouped(owner_ids, ids.shard_of, remove)

    async def remove_author(self, owner_id: int, author_id: int) -> None:
        async with self._router.write(ids.shard_of(owner_id)) as conn:
            await conn.execute(delete(user_feed).where(user_feed.c.owner_id == owner_id,
                                                       user_feed.c.author_id == author_id))

    async def replace(self, owner_id: int, entries: Sequence[FeedEntry]) -> None:
        async with self._router.write(ids.shard_of(owner_id)) as conn:
            await conn.execute(delete(user_feed).where(user_feed.c.owner_id == owner_id))
            kept = sorted(entries, key=lambda e: e.post_id, reverse=True)[:self._cap]
            if kept:
                await conn.execute(_insert_ignore(conn).values([
                    {"owner_id": owner_id, "post_id": e.post_id, "author_id": e.author_id}
                    for e in kept]))

    async def size(self) -> int:
        async def count(conn: Reads, _index: int) -> int:
            if conn.dialect.name == "postgresql":
                # The planner's row estimate costs nothing; counting is exact only while
                # the table is small enough for that to be cheap too.
                estimate = (await conn.execute(_PG_ESTIMATE)).scalar_one_or_none()
                if estimate is not None and estimate >= EXACT_COUNT_BELOW:
                    return int(estimate)
            return int((await conn.execute(select(func.count()).select_from(user_feed))
                        ).scalar_one())

        return sum(await self._router.gather_engines(range(len(self._router.engines)), count))


def _insert_ignore(conn: AsyncConnection) -> postgresql.Insert | sqlite.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(user_feed).on_conflict_do_nothing()
    return sqlite.insert(user_feed).on_conflict_do_nothing()
