"""RecentPosts over a real post store and real event buses, on every backend.

A list kept in memory shows itself by what it does not see: a post stored behind its back
(as by another process whose news has not arrived) stays out of the pages until the
author is forgotten, announced, or the list ages out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import pytest
import pytest_asyncio
import redis.asyncio

from photofeed.adapters.redis.events import RedisEventBus
from photofeed.adapters.sql.events import SqlEventBus
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.feed import FeedEntry
from photofeed.domain.graph import Page
from photofeed.ports.events import EventBus
from photofeed.services.recent_posts import CHANGES_CHANNEL, RecentPosts
from tests.integration.kept_reads import Clock, eventually, following
from tests.integration.test_sql_posts import ID_SOURCE
from tests.integration.test_sql_posts import new_post as unsaved_post
from tests.services import redis_prefix

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def new_post(store: SqlPostStore, author: int, *, shard: int = 10) -> int:
    """A post stored and in its author's index, as the request that makes it leaves it."""
    post = unsaved_post(author, shard)
    await store.add(post)
    await store.index_for_author(post.id)
    return post.id


async def authors_with(store: SqlPostStore, counts: Iterable[int]) -> list[int]:
    """New authors with these many posts each, their posts spread over two databases."""
    authors: list[int] = []
    for count in counts:
        author = ID_SOURCE.new_id(len(authors) * 4000 % 8192)
        for n in range(count):
            await new_post(store, author, shard=(author + n * 4001) % 8192)
        authors.append(author)
    return authors


def post_ids(entries: list[FeedEntry]) -> list[int]:
    return [e.post_id for e in entries]


@pytest.fixture
def store(shared_router: ShardRouter) -> SqlPostStore:
    return SqlPostStore(shared_router, OutboxSignal())


@pytest.fixture
def bus(shared_router: ShardRouter) -> EventBus:
    return SqlEventBus(shared_router)


async def test_every_kind_of_page_is_what_the_database_answers(
        store: SqlPostStore, bus: EventBus) -> None:
    # Lists of three posts make most pages reach past them.
    recent = RecentPosts(store, bus, depth=3)
    authors = await authors_with(store, [0, 2, 3, 5, 9])
    everything = post_ids(await store.recent_by_authors(authors, Page(limit=40)))
    middle = everything[len(everything) // 2]
    pages = [Page(limit=20), Page(limit=2), Page(limit=5), Page(limit=4, max_id=middle),
             Page(limit=40, max_id=middle), Page(limit=3, since_id=middle),
             Page(limit=3, min_id=middle), Page(limit=2, min_id=everything[-1]),
             Page(limit=3, max_id=everything[0], since_id=everything[-2])]
    async with following(recent):
        for page in pages:
            expected = await store.recent_by_authors(authors, page)
            first = await recent.page(authors, page)  # read from the database, then kept
            again = await recent.page(authors, page)  # from the lists where they reach
            assert first == expected, page
            assert again == expected, page


async def test_a_new_post_shows_once_its_author_is_forgotten_here_or_announced_elsewhere(
        store: SqlPostStore, shared_router: ShardRouter) -> None:
    here_bus, there_bus = SqlEventBus(shared_router), SqlEventBus(shared_router)
    await there_bus.deliver()  # starts from the log as it is
    here, there = RecentPosts(store, here_bus), RecentPosts(store, there_bus)
    [author] = await authors_with(store, [2])
    async with following(here), following(there):
        before = post_ids(await here.page([author], Page(limit=20)))
        assert post_ids(await there.page([author], Page(limit=20))) == before
        made = await new_post(store, author)

        assert post_ids(await here.page([author], Page(limit=20))) == before, "kept"
        here.forget(author)  # as the process that took the post does
        assert post_ids(await here.page([author], Page(limit=20))) == [made, *before]
        assert post_ids(await there.page([author], Page(limit=20))) == before

        await here_bus.publish(CHANGES_CHANNEL, str(author))  # as the fan-out worker does
        await there_bus.deliver()  # what the bus's poller does each 0.1 s

        async def there_shows_it() -> bool:
            return post_ids(await there.page([author], Page(limit=20))) == [made, *before]
        assert await eventually(there_shows_it)


class PausedStore(SqlPostStore):
    """The real store, holding its answer to a list read until told to go on."""

    def __init__(self, router: ShardRouter) -> None:
        super().__init__(router, OutboxSignal())
        self.answered = asyncio.Event()
        self.go_on = asyncio.Event()
        self.go_on.set()

    async def newest_by_author(self, author_ids: Iterable[int],
                               per_author: int) -> dict[int, tuple[int, ...]]:
        newest = await super().newest_by_author(author_ids, per_author)
        self.answered.set()
        await self.go_on.wait()
        return newest


async def test_a_list_read_while_its_author_posts_is_not_kept(
        shared_router: ShardRouter, bus: EventBus) -> None:
    store = PausedStore(shared_router)
    recent = RecentPosts(store, bus)
    [author] = await authors_with(store, [1])
    async with following(recent):
        store.answered.clear()
        store.go_on.clear()
        reading = asyncio.create_task(recent.page([author], Page(limit=20)))
        await store.answered.wait()
        made = await new_post(store, author)
        recent.forget(author)
        store.go_on.set()
        assert made not in post_ids(await reading), "read before the post landed"

        assert post_ids(await recent.page([author], Page(limit=20)))[0] == made


async def test_nothing_is_kept_before_subscribing_and_lists_age_out(
        store: SqlPostStore, bus: EventBus) -> None:
    clock = Clock()
    recent = RecentPosts(store, bus, ttl=60.0, clock=clock)
    [author] = await authors_with(store, [1])

    await recent.page([author], Page(limit=20))
    unheard = await new_post(store, author)
    assert post_ids(await recent.page([author], Page(limit=20)))[0] == unheard, \
        "not subscribed, so not kept"

    async with following(recent):
        await recent.page([author], Page(limit=20))
        later = await new_post(store, author)
        clock.now += 59
        assert post_ids(await recent.page([author], Page(limit=20)))[0] == unheard
        clock.now += 1
        assert post_ids(await recent.page([author], Page(limit=20)))[0] == later


async def test_the_oldest_lists_make_room_for_new_ones(
        store: SqlPostStore, bus: EventBus) -> None:
    recent = RecentPosts(store, bus, max_authors=2)
    first, second, third = await authors_with(store, [1, 1, 1])
    async with following(recent):
        for author in (first, second, third):
            await recent.page([author], Page(limit=20))
        made = {author: await new_post(store, author) for author in (first, third)}

        assert post_ids(await recent.page([first], Page(limit=20)))[0] == made[first]
        assert made[third] not in post_ids(await recent.page([third], Page(limit=20)))


@pytest_asyncio.fixture(loop_scope="module")
async def redis_bus() -> AsyncIterator[tuple[EventBus, redis.asyncio.Redis, str]]:
    with redis_prefix() as (url, prefix):
        client = redis.asyncio.Redis.from_url(url, client_name=prefix)
        try:
            yield RedisEventBus(client, prefix=prefix), client, prefix
        finally:
            await client.aclose()


async def test_lists_are_dropped_when_the_subscription_breaks(
        store: SqlPostStore,
        redis_bus: tuple[EventBus, redis.asyncio.Redis, str]) -> None:
    bus, client, name = redis_bus
    recent = RecentPosts(store, bus)
    [author] = await authors_with(store, [1])
    async with following(recent):
        before = post_ids(await recent.page([author], Page(limit=20)))
        unheard = await new_post(store, author)
        assert post_ids(await recent.page([author], Page(limit=20))) == before

        # Redis drops this subscriber's connection: whatever was sent meanwhile is lost.
        ours = [c["id"] for c in await client.client_list(_type="pubsub")
                if c["name"] == name]
        assert ours
        for client_id in ours:
            await client.client_kill_filter(_id=client_id)

        async def shows_it() -> bool:
            return post_ids(await recent.page([author], Page(limit=20)))[0] == unheard
        assert await eventually(shows_it)
