"""How PostgreSQL plans our reads: driver reads once per statement, the others as it chooses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed import ids
from photofeed.adapters.sql.accounts import SqlAccountStore
from photofeed.adapters.sql.driver_reads import DriverReads
from photofeed.adapters.sql.feed_pages import SqlFeedPages
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from tests.integration.test_sql_accounts import sign_up
from tests.integration.test_sql_posts import new_post
from tests.services import postgres_databases

# How a connection plans, and which connection it is.
_MODE = "SELECT current_setting('plan_cache_mode'), pg_backend_pid()"
# The plans made so far on a connection, leaving out the statement that asks.
_PLANS = ("SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) "
          "FROM pg_prepared_statements WHERE statement NOT LIKE '%pg_prepared_statements%'")


@pytest.fixture
def databases() -> Iterator[list[str]]:
    with postgres_databases(2) as urls:
        yield urls


@pytest.fixture
async def router(databases: list[str]) -> AsyncIterator[ShardRouter]:
    shards = ShardRouter.from_urls(databases)
    try:
        yield shards
    finally:
        await shards.dispose()


async def test_a_feed_page_is_not_planned_again_on_a_database_that_is_not_the_readers(
        router: ShardRouter, databases: list[str]) -> None:
    """There the page's statement asks for none of the reader's relations; planned for
    such values it looked cheaper than its generic plan, and was planned at every read."""
    accounts, posts = SqlAccountStore(router), SqlPostStore(router, OutboxSignal())
    reader, author = await sign_up(accounts, "planreader"), await sign_up(accounts, "planauthor")
    elsewhere = 1 - router.engine_index(ids.shard_of(reader.id))
    shard = next(s for s in (1, 8000) if router.engine_index(s) == elsewhere)
    made = [new_post(author.id, shard) for _ in range(6)]
    for post in made:
        await posts.add(post)
    reading = ShardRouter.from_urls(databases)  # connections that have only read pages
    try:
        pages = SqlFeedPages(reading)
        for size in (1, 2, 3, 6, 1, 2, 3, 6, 1, 2, 3, 6):  # lists of every length
            page = await pages.read(reader.id, [p.id for p in made[:size]], {author.id})
            assert len(page.posts) == size

        async with reading.read(shard) as conn:
            assert isinstance(conn, DriverReads)
            [(generic, custom)] = await conn.fetch(_PLANS, [])
    finally:
        await reading.dispose()
    assert custom == 0
    assert generic >= 12  # the same connection's: the page reads were planned on it


async def _plan_mode(conn: AsyncConnection, _index: int) -> tuple[str, int]:
    mode, backend = tuple((await conn.exec_driver_sql(_MODE)).one())
    return str(mode), int(backend)


async def _driver_reads_on_two_connections(router: ShardRouter) -> set[int]:
    """Two driver reads at once, then their connections back in the pool."""
    async def read() -> int:
        async with router.read(0) as conn:
            assert isinstance(conn, DriverReads)
            [(mode, backend, _)] = await conn.fetch(f"{_MODE}, pg_sleep(0.05)", [])
            assert mode == "force_generic_plan"
            return int(backend)

    backends = set(await asyncio.gather(read(), read()))
    await router.kept.release()
    return backends


async def test_search_reads_on_a_connection_of_driver_reads_plan_for_their_values(
        router: ShardRouter) -> None:
    driven = await _driver_reads_on_two_connections(router)

    [(mode, backend)] = await router.gather_offloaded([0], _plan_mode)

    assert backend in driven  # the pool holds only those two
    assert mode == "auto"


async def test_statements_built_per_request_plan_for_their_values(
        router: ShardRouter) -> None:
    """Within a driver read, they run on a connection of SQLAlchemy's own: here the pool
    has only connections driver reads set, and the one lent back is set as by default."""
    driven = await _driver_reads_on_two_connections(router)

    async with router.read(0) as conn:
        assert isinstance(conn, DriverReads)
        [(prepared_mode, _)] = await conn.fetch(_MODE, [])
        mode, backend = tuple((await conn.execute(text(_MODE))).one())

    assert prepared_mode == "force_generic_plan"
    assert backend in driven
    assert mode == "auto"
