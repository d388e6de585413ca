"""in_ids binds a list of IDs as one parameter, with the same answers as IN on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Column, MetaData, Table, create_engine, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from photofeed.adapters.sql.engines import make_engine
from photofeed.adapters.sql.id_lists import in_ids
from tests.services import postgres_databases

metadata = MetaData()
numbers = Table("numbers", metadata, Column("id", BigInteger, primary_key=True),
                Column("owner", BigInteger, nullable=False))
# Built once, run with lists of every length: the point of binding the list as one value.
OWNED = select(numbers.c.id).where(numbers.c.owner == 7, in_ids(numbers.c.id)) \
    .order_by(numbers.c.id)
BIG = 2**62 + 5  # beyond 32 bits and beyond a double's exact integers


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ids.sqlite3'}"
        return
    with postgres_databases(1, migrated=False) as (url,):
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    made = make_engine(database_url)
    try:
        yield await _filled(made)
    finally:
        await made.dispose()


async def _filled(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(numbers), [{"id": i, "owner": 7 if i % 2 else 8}
                                             for i in [*range(1, 200), BIG]])
    return engine


async def test_matches_in_for_lists_of_any_length(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        for wanted in ([], [3], [2, 3, 4, 5], list(range(0, 300, 3)), [BIG, 1, BIG]):
            found = list((await conn.execute(OWNED, {"ids": wanted})).scalars())
            assert found == sorted({i for i in wanted if 0 < i < 200 and i % 2} |
                                   ({BIG} if BIG in wanted else set()))


async def test_ids_arriving_as_text_are_refused_before_the_database(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(Exception, match="invalid literal"):
            await conn.execute(OWNED, {"ids": ["1) OR (1=1"]})


def test_sqlite_finds_the_rows_through_the_index(tmp_path: Path) -> None:
    # `IN (...) = 1`, what SQLAlchemy writes for a boolean it does not know to be a
    # comparison, scans the whole table: a million posts per feed read.
    engine = create_engine(f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    metadata.create_all(engine)
    with engine.connect() as conn:
        compiled = OWNED.compile(dialect=conn.dialect)
        plan = [row[3] for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", (7, "[1]"))]
    engine.dispose()
    assert any(step.startswith("SEARCH numbers") for step in plan), plan
    assert not any(step.startswith("SCAN numbers") for step in plan), plan
