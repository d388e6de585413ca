"""SqlEventBus: two buses on one database stand for two processes sharing its files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from photofeed.adapters.sql.events import SqlEventBus
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import bus_messages

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_message_reaches_the_other_process_once_and_old_ones_are_forgotten(
        shared_router: ShardRouter) -> None:
    here, there = SqlEventBus(shared_router), SqlEventBus(shared_router)
    await here.deliver(), await there.deliver()  # both start from the log as it is
    async with here.subscribe(["news"]) as at_here, there.subscribe(["news"]) as at_there:
        await here.publish("news", "one")
        await here.publish("elsewhere", "not subscribed")

        assert await there.deliver() == 2
        assert await there.deliver() == 0, "each message is delivered once"
        assert await here.deliver() == 0, "a process had its own messages at once"
        assert await anext(at_there) == "one"
        assert await anext(at_here) == "one"

    await here.publish("news", "two")
    async with shared_router.write_engine(0) as conn:
        await conn.execute(update(bus_messages).values(
            created_at=datetime.now(UTC) - timedelta(minutes=5)))
    await there.forget_old()
    async with shared_router.read(0, primary=True) as conn:
        left = (await conn.execute(select(func.count()).select_from(bus_messages))).scalar()
    assert left == 0
    late = SqlEventBus(shared_router)
    assert await late.deliver() == 0, "a process starting now hears only what comes next"
    await here.publish("news", "three")
    assert await late.deliver() == 1
