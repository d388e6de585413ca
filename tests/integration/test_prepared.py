"""Prepared statements give the rows SQLAlchemy gives, converted alike, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    select,
)

from photofeed.adapters.sql.driver_reads import DriverReads, InlineReads
from photofeed.adapters.sql.id_lists import in_ids
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.types import UtcDateTime

metadata = MetaData()
things = Table("prepared_things", metadata,
               Column("id", BigInteger, primary_key=True),
               Column("owner", BigInteger, nullable=False),
               Column("kind", String(20), nullable=False),
               Column("hidden", Boolean, nullable=False),
               Column("made_at", UtcDateTime, nullable=False))
START = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
# A required parameter, an ID list, a constant of the statement ("photo") and a LIMIT.
OWNED_PHOTOS = Prepared(
    select(things.c.id, things.c.hidden, things.c.made_at, things.c.kind)
    .where(things.c.owner == bindparam("owner"), things.c.kind == "photo",
           in_ids(things.c.id))
    .order_by(things.c.id.desc()).limit(bindparam("limit")))


async def _filled(router: ShardRouter) -> None:
    async with router.write_engine(0) as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(things.insert(), [
            {"id": i, "owner": i % 3, "kind": "photo" if i % 2 else "video",
             "hidden": i % 5 == 0, "made_at": START + timedelta(minutes=i)}
            for i in range(1, 60)])


async def test_rows_match_sqlalchemys_with_types_converted(router: ShardRouter) -> None:
    await _filled(router)
    values: dict[str, Any] = {"owner": 1, "ids": list(range(1, 50)), "limit": 6}
    async with router.read(0) as conn:
        rows = await OWNED_PHOTOS.rows(conn, values)
        expected = (await conn.execute(OWNED_PHOTOS.statement, values)).all()
        # sqlite3 or asyncpg: the driver-level plan, not a fallback to SQLAlchemy
        assert isinstance(conn, (InlineReads, DriverReads))
        assert OWNED_PHOTOS._plan_for(conn.dialect) is not None
        scalars = await OWNED_PHOTOS.scalars(conn, values | {"ids": [7, 25, 9999]})

    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert [row[0] for row in rows] == [49, 43, 37, 31, 25, 19]  # owner 1, odd ids only
    _ids, hidden, made, kinds = zip(*rows, strict=True)
    assert hidden == (False, False, False, False, True, False)
    assert all(type(flag) is bool for flag in hidden)
    assert made[0] == START + timedelta(minutes=49)
    assert made[0].tzinfo is not None
    assert set(kinds) == {"photo"}
    assert scalars == [25, 7]


async def test_an_empty_answer_is_an_empty_list(router: ShardRouter) -> None:
    await _filled(router)
    async with router.read(0) as conn:
        assert list(await OWNED_PHOTOS.rows(conn, {"owner": 2, "ids": [], "limit": 5})) == []


async def test_prepared_and_other_statements_mix_in_one_read_on_one_connection(
        router: ShardRouter) -> None:
    await _filled(router)
    values: dict[str, Any] = {"owner": 0, "ids": [3, 6, 9, 12], "limit": 10}
    engine = router.engines[0]
    pool = engine.sync_engine.pool
    held = []

    def held_by_the_read() -> int:  # checked out of the pool and not kept idle for later
        return pool.checkedout() - router.kept.idle(engine)  # type: ignore[attr-defined,no-any-return]

    async with router.read(0) as conn:
        first = await OWNED_PHOTOS.rows(conn, values)
        held.append(held_by_the_read())
        counted = (await conn.execute(select(func.count()).select_from(things))).scalar()
        held.append(held_by_the_read())
        again = await OWNED_PHOTOS.rows(conn, values)
        held.append(held_by_the_read())

    assert [row[0] for row in first] == [9, 3]  # owner 0, photos only
    assert counted == 59
    assert [tuple(row) for row in again] == [tuple(row) for row in first]
    if isinstance(conn, DriverReads):  # never two connections of the pool for one read
        assert held == [1, 1, 1]
        assert held_by_the_read() == 0
