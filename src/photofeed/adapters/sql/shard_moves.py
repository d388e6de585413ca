"""The persisted record of shard moves, on the control database (shard 0's in the config).

The configured map (PHOTOFEED_SHARDS or PHOTOFEED_DATABASE_URL) is where every process
starts; the moves that reached "switched" are laid over it, oldest first, so start-up and
every running process agree on the map without anyone editing configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from photofeed.adapters.sql.schema import shard_moves
from photofeed.adapters.sql.shard_map import ShardRange, normalise_url

COPYING = "copying"
FENCED = "fenced"
SWITCHED = "switched"  # the map points at the target; the source still holds a copy
DONE = "done"  # the source's copy is deleted
FAILED = "failed"
IN_PROGRESS = (COPYING, FENCED, SWITCHED)
IN_MAP = (SWITCHED, DONE)


@dataclass(frozen=True)
class MoveRecord:
    id: int
    first: int
    last: int
    source_url: str
    target_url: str
    state: str
    updated_at: datetime

    @property
    def range(self) -> ShardRange:
        return ShardRange(self.first, self.last, normalise_url(self.target_url))


async def load(control: AsyncEngine) -> list[MoveRecord]:
    """Every move, oldest first; empty when the control database is not PostgreSQL."""
    if control.dialect.name != "postgresql":
        return []
    async with control.connect() as conn:
        rows = (await conn.execute(select(shard_moves).order_by(shard_moves.c.id))).all()
    return [MoveRecord(id=r.id, first=r.first_shard, last=r.last_shard, source_url=r.source_url,
                       target_url=r.target_url, state=r.state, updated_at=r.updated_at)
            for r in rows]


def in_map(moves: list[MoveRecord]) -> list[ShardRange]:
    """The ranges moves have switched, in the order they must be applied."""
    return [move.range for move in moves if move.state in IN_MAP]
