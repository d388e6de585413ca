"""One contract for every FeedStore adapter: SQL on each backend, and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio

from photofeed import ids
from photofeed.adapters.redis.feeds import RedisFeedStore
from photofeed.adapters.sql.feeds import SqlFeedStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.feed import FeedEntry
from photofeed.domain.graph import Page
from photofeed.ports.feeds import FeedStore
from tests.services import redis_prefix

CAP = 30
READER, OTHER_READER = ids.compose(ids.EPOCH_MS + 5, 17, 1), ids.compose(ids.EPOCH_MS + 5, 4000, 1)
ALICE, BOB = 101, 202


def _posts(count: int, author: int, start_ms: int = 1_000) -> list[FeedEntry]:
    return [FeedEntry(post_id=ids.compose(ids.EPOCH_MS + start_ms + i, i % 8192, 0),
                      author_id=author) for i in range(count)]


class FeedStoreContract:
    @pytest.fixture
    def store(self) -> FeedStore:
        raise NotImplementedError

    async def test_reads_newest_first_and_pages_without_gaps(self, store: FeedStore) -> None:
        posts = _posts(12, ALICE)
        await store.push([READER], posts)
        newest_first = [e.post_id for e in reversed(posts)]
        first = await store.read(READER, Page(limit=5))
        assert [e.post_id for e in first] == newest_first[:5]
        second = await store.read(READER, Page(limit=5, max_id=first[-1].post_id))
        assert [e.post_id for e in second] == newest_first[5:10]
        above = await store.read(READER, Page(limit=3, min_id=newest_first[6]))
        assert [e.post_id for e in above] == newest_first[3:6]
        since = await store.read(READER, Page(limit=3, since_id=newest_first[6]))
        assert [e.post_id for e in since] == newest_first[:3]
        assert all(e.author_id == ALICE for e in first)

    async def test_push_twice_keeps_one_copy_and_feeds_are_separate(
            self, store: FeedStore) -> None:
        posts = _posts(3, ALICE)
        await store.push([READER, OTHER_READER], posts)
        await store.push([READER], posts)
        assert len(await store.read(READER, Page(limit=10))) == 3
        assert len(await store.read(OTHER_READER, Page(limit=10))) == 3
        assert await store.size() == 6

    async def test_feeds_are_capped_to_the_newest(self, store: FeedStore) -> None:
        posts = _posts(CAP + 15, ALICE)
        for post in posts:
            await store.push([READER], [post])
        await store.push([READER], posts[:2])  # a batch push always trims
        kept = await store.read(READER, Page(limit=100))
        # Exactly the newest CAP stay: the re-pushed oldest two were cut again at once.
        assert [e.post_id for e in kept] == [p.post_id for p in reversed(posts)][:CAP]

    async def test_removing_posts_and_authors(self, store: FeedStore) -> None:
        alice, bob = _posts(4, ALICE), _posts(4, BOB, start_ms=5_000)
        await store.push([READER, OTHER_READER], alice + bob)
        await store.remove_posts([READER, OTHER_READER], [alice[0].post_id, bob[1].post_id])
        left = {e.post_id for e in await store.read(READER, Page(limit=20))}
        assert alice[0].post_id not in left
        assert bob[1].post_id not in left
        assert len(left) == 6
        await store.remove_author(READER, BOB)
        assert {e.author_id for e in await store.read(READER, Page(limit=20))} == {ALICE}
        assert len(await store.read(OTHER_READER, Page(limit=20))) == 6

    async def test_replace_rebuilds_a_feed(self, store: FeedStore) -> None:
        await store.push([READER], _posts(5, ALICE))
        fresh = _posts(3, BOB, start_ms=9_000)
        await store.replace(READER, fresh)
        assert [e.post_id for e in await store.read(READER, Page(limit=20))] == \
            [e.post_id for e in reversed(fresh)]


class TestSqlFeedStore(FeedStoreContract):
    @pytest.fixture
    def store(self, router: ShardRouter) -> FeedStore:
        return SqlFeedStore(router, cap=CAP)


class TestRedisFeedStore(FeedStoreContract):
    @pytest.fixture
    def redis_location(self) -> Iterator[tuple[str, str]]:
        with redis_prefix() as location:
            yield location

    @pytest.fixture
    async def store(self, redis_location: tuple[str, str]) -> AsyncIterator[FeedStore]:
        url, prefix = redis_location
        client = redis.asyncio.Redis.from_url(url)
        try:
            yield RedisFeedStore(client, prefix=prefix, cap=CAP)
        finally:
            await client.aclose()
