"""The write fence that makes shard moves lose nothing, on real PostgreSQL.

These drive the fence directly, so each guarantee is checked deterministically rather than
by the chance that a write under load hits the right moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import insert

from photofeed import ids
from photofeed.adapters.sql.fences import FENCED, MOVED, ShardBusy
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import affinity
from photofeed.adapters.sql.shard_mover import _set_fence
from tests.services import postgres_databases

pytestmark = pytest.mark.postgres

SHARD = 5
ACCOUNT = ids.compose(ids.EPOCH_MS + 1000, SHARD, 0)


@pytest.fixture
def databases(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Fresh migrated databases: one, or as many as an indirect parameter asks."""
    with postgres_databases(getattr(request, "param", 1)) as urls:
        yield urls


async def _write(router: ShardRouter) -> None:
    async with router.write(SHARD) as conn:
        await conn.execute(insert(affinity).values(account_id=ACCOUNT, author_id=1, score=1))


async def _rows(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM affinity WHERE account_id = $1",
                                       ACCOUNT))
    finally:
        await conn.close()


async def test_a_fence_waits_for_the_writes_that_missed_it(databases: list[str]) -> None:
    source = databases[0]
    router = ShardRouter.from_urls([source])
    mover = await asyncpg.connect(source)
    try:
        async with router.write(SHARD) as conn:
            await conn.execute(insert(affinity).values(account_id=ACCOUNT, author_id=1,
                                                       score=1))
            fence = asyncio.create_task(_set_fence(mover, 0, 10, FENCED))
            await asyncio.sleep(0.3)
            assert not fence.done(), "the fence went up while a write to the range was open"
        await asyncio.wait_for(fence, 5)
        # Once the fence stands, the write that was in flight is committed and visible.
        assert await _rows(source) == 1
    finally:
        await mover.close()
        await router.dispose()


@pytest.mark.parametrize("databases", [3], indirect=True)
async def test_a_write_waits_at_the_fence_then_follows_the_move(databases: list[str]) -> None:
    source, other, target = databases
    router = ShardRouter.from_urls([source, other])
    mover = await asyncpg.connect(source)
    try:
        await _set_fence(mover, 0, 10, FENCED)
        write = asyncio.create_task(_write(router))
        await asyncio.sleep(0.3)
        assert not write.done(), "a write went through a raised fence"
        # What the mover does at the switch: record the move, then mark the range moved.
        await mover.execute(
            "INSERT INTO shard_moves (first_shard, last_shard, source_url, target_url, state, "
            "started_at, updated_at) VALUES (0, 10, $1, $2, 'switched', now(), now())",
            source, target)
        await _set_fence(mover, 0, 10, MOVED)
        await asyncio.wait_for(write, 5)
        assert await _rows(target) == 1
        assert await _rows(source) == 0
        assert router.urls[router.engine_index(SHARD)] == target
        assert router.engine_index(11) == 0  # the rest of the source's range stays
    finally:
        await mover.close()
        await router.dispose()


async def test_a_write_gives_up_on_a_fence_that_stays(databases: list[str]) -> None:
    source = databases[0]
    router = ShardRouter.from_urls([source])
    router.fence_wait = 0.3
    mover = await asyncpg.connect(source)
    try:
        await _set_fence(mover, 0, 10, FENCED)
        with pytest.raises(ShardBusy, match="logical shard 5 is being moved"):
            await _write(router)
        assert await _rows(source) == 0
        async with router.write(11) as conn:  # shards outside the fence write freely
            await conn.execute(insert(affinity).values(
                account_id=ids.compose(ids.EPOCH_MS, 11, 0), author_id=1, score=1))
    finally:
        await mover.close()
        await router.dispose()
