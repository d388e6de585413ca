"""PostgreSQL connections kept between reads: reused while trusted, never leaked or churned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from photofeed.adapters.sql import engines
from photofeed.adapters.sql.driver_reads import KeptConnections
from photofeed.adapters.sql.engines import connection_lost, make_engine
from tests.services import postgres_databases


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_databases(1, migrated=False) as urls:
        yield urls[0]


@pytest.fixture
async def engine(database: str) -> AsyncIterator[AsyncEngine]:
    made = make_engine(database)
    try:
        yield made
    finally:
        await made.dispose()


async def test_a_connection_given_back_is_the_next_one_taken(engine: AsyncEngine) -> None:
    kept = KeptConnections(keep=2)
    first = await kept.take(engine)
    await kept.give_back(engine, first)
    again = await kept.take(engine)
    assert again.driver_connection is first.driver_connection
    assert await again.driver_connection.fetchval("SELECT 41 + 1") == 42
    await kept.give_back(engine, again)
    await kept.release()
    assert kept.idle(engine) == 0
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_only_so_many_are_kept_and_the_rest_go_back_to_the_pool(
        engine: AsyncEngine) -> None:
    kept = KeptConnections(keep=2)
    taken = [await kept.take(engine) for _ in range(4)]
    assert len({id(c.driver_connection) for c in taken}) == 4
    for pooled in taken:
        await kept.give_back(engine, pooled)
    assert kept.idle(engine) == 2
    assert engine.sync_engine.pool.checkedout() == 2  # type: ignore[attr-defined]
    await kept.release()
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_after_a_lost_connection_the_kept_ones_are_checked_before_use(
        engine: AsyncEngine) -> None:
    kept = KeptConnections()
    first = await kept.take(engine)
    await kept.give_back(engine, first)
    # The server closes it, as a restart would; a read elsewhere finds its own closed.
    await first.driver_connection.execute("SELECT 1")
    backend_pid = first.driver_connection.get_server_pid()
    async with engine.connect() as admin:
        raw = await admin.get_raw_connection()
        await raw.driver_connection.execute("SELECT pg_terminate_backend($1)", backend_pid)
    connection_lost(engine)

    fresh = await kept.take(engine)

    # Not the closed one: checked before use, it was dropped.
    assert fresh.driver_connection.get_server_pid() != backend_pid
    assert await fresh.driver_connection.fetchval("SELECT 1") == 1
    await kept.give_back(engine, fresh)
    await kept.release()


async def test_a_kept_connection_idle_too_long_is_checked_and_still_used_if_it_answers(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = KeptConnections()
    first = await kept.take(engine)
    await kept.give_back(engine, first)
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 0.0)  # everything is idle now

    again = await kept.take(engine)

    assert again.driver_connection is first.driver_connection  # it answered the check
    await kept.give_back(engine, again)
    await kept.release()


async def test_bursts_of_reads_reuse_connections_instead_of_opening_new_ones(
        engine: AsyncEngine) -> None:
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda conn, _record: opened.append(conn))

    async def one_read() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(0.005)"))

    for _ in range(5):  # bursts of as many reads as the engine may have connections
        await asyncio.gather(*(one_read() for _ in range(20)))

    # Each connection is opened once and kept; none closed on return only to be opened
    # again by the next burst (SQLAlchemy's "overflow" connections were).
    assert len(opened) == 20


async def test_a_connection_that_fails_to_be_set_for_driver_reads_goes_back_to_the_pool(
        engine: AsyncEngine) -> None:
    """One never lent to driver reads is set up when first taken (plans.py); should the
    server have closed it meanwhile, the take fails, and the connection is not leaked."""
    async with engine.connect() as other:
        async with engine.connect() as conn:  # used by another kind of read, returned
            backend_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_pid})
    await asyncio.sleep(0.1)  # gone by now
    kept, taken = KeptConnections(), []

    async def take_until_one_fails() -> None:
        while True:  # the pool may hand out the live one first
            taken.append(await kept.take(engine))

    with pytest.raises(Exception, match="closed"):
        await take_until_one_fails()

    for pooled in taken:
        await kept.give_back(engine, pooled)
    await kept.release()
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
