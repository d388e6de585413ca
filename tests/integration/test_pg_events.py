"""PostgresEventBus: two buses on one database stand for two processes sharing it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from photofeed.adapters.sql.pg_events import LISTENER_NAME, PostgresEventBus
from photofeed.adapters.sql.router import ShardRouter
from tests.services import POSTGRES_ADMIN_URL, postgres_databases

pytestmark = pytest.mark.postgres


@pytest.fixture
def databases() -> Iterator[list[str]]:
    with postgres_databases(2, migrated=False) as urls:
        yield urls


@contextlib.asynccontextmanager
async def following(url: str) -> AsyncIterator[PostgresEventBus]:
    """A bus on the database at `url`, hearing other processes, as a server runs it."""
    router = ShardRouter.from_urls([url])
    bus = PostgresEventBus(router)
    task = asyncio.create_task(bus.follow())
    try:
        yield bus
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await router.dispose()


@contextlib.asynccontextmanager
async def heard(bus: PostgresEventBus, channel: str) -> AsyncIterator[list[str]]:
    """The messages a subscriber of the channel receives, as they come."""
    received: list[str] = []

    async def read() -> None:
        async for message in messages:
            received.append(message)

    async with bus.subscribe([channel]) as messages:
        reader = asyncio.create_task(read())
        try:
            yield received
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def until(condition: Callable[[], bool], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.01)


async def hears(sender: PostgresEventBus, receiver: PostgresEventBus) -> None:
    """Publish probes until the receiver hears one: it is listening (again)."""
    deadline = time.monotonic() + 10
    async with heard(receiver, "probe") as probes:
        while not probes:
            assert time.monotonic() < deadline, "the other bus never heard a message"
            await sender.publish("probe", "are you there?")
            await asyncio.sleep(0.1)


async def _listeners(url: str, *, terminate: bool = False) -> int:
    """How many buses' connections to the database listen; closed by the server if asked."""
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        found = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
            make_url(url).database, LISTENER_NAME)
        for row in found if terminate else ():
            await admin.execute("SELECT pg_terminate_backend($1)", row["pid"])
    finally:
        await admin.close()
    return len(found)


async def test_a_message_reaches_the_other_process_once_and_its_own_once(
        databases: list[str]) -> None:
    async with following(databases[0]) as here, following(databases[0]) as there:
        await hears(here, there)
        await hears(there, here)
        async with heard(here, "news") as at_here, heard(there, "news") as at_there:
            await here.publish("news", "one")
            await there.publish("news", "two")
            # Notifications arrive in commit order: an echo of "one" would come before "two".
            await until(lambda: len(at_here) == 2, "here never heard the other's message")
            assert at_here == ["one", "two"]
            await here.publish("news", "three")
            await until(lambda: len(at_there) == 3, "there never heard the other's messages")
            assert sorted(at_there) == ["one", "three", "two"]
            assert at_there.index("one") < at_there.index("three")


async def test_a_bus_hears_only_its_own_database(databases: list[str]) -> None:
    async with following(databases[0]) as here, following(databases[0]) as there, \
            following(databases[1]) as elsewhere, following(databases[1]) as far:
        await hears(here, there)
        await hears(elsewhere, far)
        async with heard(there, "news") as at_there, heard(far, "news") as at_far:
            await elsewhere.publish("news", "from another database")
            await until(lambda: bool(at_far), "far never heard its database's message")
            await here.publish("news", "from this one")
            await until(lambda: bool(at_there), "there never heard this database's message")
            assert at_there == ["from this one"]


async def test_a_bus_listens_again_after_its_connection_is_closed(
        databases: list[str]) -> None:
    async with following(databases[0]) as here, following(databases[0]) as there:
        await hears(here, there)
        await hears(there, here)
        assert await _listeners(databases[0], terminate=True) == 2

        await hears(here, there)
        await hears(there, here)
        async with heard(there, "news") as at_there:
            await here.publish("news", "after the restart")
            await until(lambda: bool(at_there), "the message after reconnecting was lost")
            assert at_there == ["after the restart"]


async def test_a_stopped_bus_leaves_no_connection_behind(databases: list[str]) -> None:
    async with following(databases[0]) as here, following(databases[0]) as there:
        await hears(here, there)
        await hears(there, here)
        assert await _listeners(databases[0]) == 2, "one listening connection each"
    deadline = time.monotonic() + 10
    while await _listeners(databases[0]):
        assert time.monotonic() < deadline, "a stopped bus left its connection open"
        await asyncio.sleep(0.05)


async def test_a_message_too_long_for_notify_is_refused_with_the_limit(
        databases: list[str]) -> None:
    async with following(databases[0]) as here, heard(here, "news") as at_here:
        with pytest.raises(ValueError, match="under 8000"):
            await here.publish("news", "x" * 8000)
        await here.publish("news", "a short one")
        await until(lambda: bool(at_here), "the short message never came")
        assert at_here == ["a short one"], "the long one went nowhere, not even here"
