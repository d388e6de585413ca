"""FeedStore on Redis: one sorted set per reader, members ordered by post ID.

Scores are doubles and cannot hold 64-bit IDs exactly, so every member has score 0 and the
set is ordered lexicographically by a zero-padded post ID; paging then uses ZRANGEBYLEX.
Keys carry the reader's ID in a hash tag, so each feed is one Redis Cluster slot.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from redis.asyncio import Redis

from photofeed.domain.feed import FeedEntry
from photofeed.domain.graph import Page

_WIDTH = 19  # digits of the largest positive 64-bit integer
CHUNK = 1000
# As in the SQL feed store: trimming on every push would double the commands of a fan-out;
# trimming now and then keeps each feed within a few dozen entries of the cap.
TRIM_ODDS = 1 / 16


def _member(entry: FeedEntry) -> str:
    return f"{entry.post_id:0{_WIDTH}d}:{entry.author_id}"


def _entry(member: bytes | str) -> FeedEntry:
    # int() reads the digits of bytes as well as of text, with no decoding in between.
    return FeedEntry(post_id=int(member[:_WIDTH]), author_id=int(member[_WIDTH + 1:]))


def _below(post_id: int) -> str:
    """Lex bound for members of posts older than post_id."""
    return f"({post_id:0{_WIDTH}d}"


def _above(post_id: int) -> str:
    """Lex bound for members of posts newer than post_id."""
    return f"[{post_id + 1:0{_WIDTH}d}"


class RedisFeedStore:
    def __init__(self, client: Redis, *, prefix: str = "photofeed", cap: int = 800) -> None:
        self._redis = client
        self._prefix = prefix
        self._cap = cap

    def key(self, owner_id: int) -> str:
        return f"{self._prefix}:feed:{{{owner_id}}}"

    async def push(self, owner_ids: Sequence[int], entries: Sequence[FeedEntry]) -> int:
        members = {_member(e): 0 for e in entries}
        if not members:
            return 0
        for start in range(0, len(owner_ids), CHUNK):
            # One round trip per chunk of readers; no transaction, as each feed is one key.
            async with self._redis.pipeline(transaction=False) as pipe:
                for owner in owner_ids[start:start + CHUNK]:
                    key = self.key(owner)
                    pipe.zadd(key, members)
                    if len(members) > 1 or random.random() < TRIM_ODDS:  # noqa: S311
                        pipe.zremrangebyrank(key, 0, -self._cap - 1)
                await pipe.execute()
        return len(owner_ids) * len(members)

    async def read(self, owner_id: int, page: Page) -> list[FeedEntry]:
        high = _below(page.max_id) if page.max_id is not None else "+"
        floor = max((b for b in (page.since_id, page.min_id) if b is not None), default=None)
        low = _above(floor) if floor is not None else "-"
        if page.min_id is not None:
            found = await self._redis.zrangebylex(self.key(owner_id), low, high,
                                                  start=0, num=page.limit)
            return [_entry(m) for m in reversed(found)]
        found = await self._redis.zrevrangebylex(self.key(owner_id), high, low,
                                                 start=0, num=page.limit)
        return [_entry(m) for m in found]

    async def remove_posts(self, owner_ids: Sequence[int], post_ids: Sequence[int]) -> None:
        for start in range(0, len(owner_ids), CHUNK):
            async with self._redis.pipeline(transaction=False) as pipe:
                for owner in owner_ids[start:start + CHUNK]:
                    for post_id in post_ids:
                        pipe.zremrangebylex(self.key(owner), f"[{post_id:0{_WIDTH}d}:",
                                            f"({post_id:0{_WIDTH}d};")
                await pipe.execute()

    async def remove_author(self, owner_id: int, author_id: int) -> None:
        members = await self._redis.zrangebylex(self.key(owner_id), "-", "+")
        doomed = [m for m in members if _entry(m).author_id == author_id]
        if doomed:
            await self._redis.zrem(self.key(owner_id), *doomed)

    async def replace(self, owner_id: int, entries: Sequence[FeedEntry]) -> None:
        kept = sorted(entries, key=lambda e: e.post_id, reverse=True)[:self._cap]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.key(owner_id))
            if kept:
                pipe.zadd(self.key(owner_id), {_member(e): 0 for e in kept})
            await pipe.execute()

    async def size(self) -> int:
        total = 0
        batch: list[bytes] = []
        async for key in self._redis.scan_iter(match=f"{self._prefix}:feed:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                total += await self._count(batch)
                batch = []
        return total + await self._count(batch)

    async def _count(self, keys: list[bytes]) -> int:
        """Entries in these feeds, in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zcard(key)
            return sum(await pipe.execute())
