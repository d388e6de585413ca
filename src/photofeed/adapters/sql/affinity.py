"""AffinityStore on the reader's shard."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from photofeed import ids
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import affinity


class SqlAffinityStore:
    def __init__(self, router: ShardRouter) -> None:
        self._router = router

    async def bump(self, account_id: int, author_id: int, amount: int) -> None:
        async with self._router.write(ids.shard_of(account_id)) as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(affinity).values(
                account_id=account_id, author_id=author_id, score=max(amount, 0))
            await conn.execute(statement.on_conflict_do_update(
                index_elements=["account_id", "author_id"],
                set_={"score": affinity.c.score + amount}))

    async def scores(self, account_id: int, author_ids: Iterable[int]) -> dict[int, int]:
        wanted = list(set(author_ids))
        if not wanted:
            return {}
        async with self._router.read(ids.shard_of(account_id)) as conn:
            rows = await conn.execute(select(affinity.c.author_id, affinity.c.score).where(
                affinity.c.account_id == account_id, affinity.c.author_id.in_(wanted)))
            return {row.author_id: row.score for row in rows}
