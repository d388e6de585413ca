"""The write fence: a range being moved takes no write on its old database, ever again.

A move records a fence row in the source database ("fenced" while it copies the last
changes, "moved" once the range lives elsewhere). Every write transaction for logical shards
asks `photofeed_write_fence` (migration 0009) first, in the same transaction: the function
holds an advisory lock shared until commit, and raising a fence takes it exclusively, so a
fence is in place only once every write that missed it has committed, and no write that
starts later can miss it. A process still routing by an old map therefore never writes to
the old database after the switch: it meets "moved", re-reads the map and writes to the new.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed.domain.errors import Unavailable

# Must equal _FENCE_LOCK in migration 0009.
FENCE_LOCK = 7_061_413_601
FENCED = "fenced"
MOVED = "moved"


class ShardFenced(Exception):
    """A write met a fence: its range is being moved, or lives on another database now."""

    def __init__(self, state: str, shards: Collection[int]) -> None:
        super().__init__(f"logical shards {sorted(shards)[:5]} are {state} on this database")
        self.state = state


class ShardBusy(Unavailable):
    """A range stayed fenced longer than a write may wait; the client should retry."""


async def fence_state(conn: AsyncConnection, shards: Collection[int]) -> str | None:
    """The fence covering any of these shards on this database (None: write freely)."""
    if conn.dialect.name != "postgresql" or not shards:
        return None  # moves need PostgreSQL on both sides; SQLite is never fenced
    result = await conn.execute(text("SELECT photofeed_write_fence(:shards)"),
                                {"shards": sorted(set(shards))})
    state: str | None = result.scalar()
    return state
