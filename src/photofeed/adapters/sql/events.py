"""EventBus through the directory database, for processes that share it but no Redis.

Several processes on the embedded configuration (`serve --workers 2`, or a `photofeed
worker` beside `photofeed serve`) each have subscribers that only an event published in
their own process would reach. Here a message is delivered to this process's subscribers
at once and written to `bus_messages`; every process reads the rows the others wrote each
POLL_SECONDS and delivers them to its own subscribers. Rows older than KEEP are deleted: a
process that was away longer missed them, as a Redis subscriber would have. A client
reading the stream catches up by reading its timeline, as after any gap.

Made for SQLite, whose one writer at a time commits rows in the order of their IDs, so
reading past the last ID seen misses none. PostgreSQL's concurrent writers may commit them
out of order; there LISTEN/NOTIFY carries the events (pg_events.py).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, select

from photofeed.adapters.events import InProcessEventBus
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import bus_messages

log = logging.getLogger(__name__)
POLL_SECONDS = 0.1
KEEP = timedelta(minutes=1)
# How often each process deletes rows older than KEEP (two deleting the same is harmless).
FORGET_EVERY = timedelta(seconds=10)
# Rows read per poll: more wait for the next one.
BATCH = 1000
_NEWER = Prepared(select(bus_messages.c.id, bus_messages.c.origin, bus_messages.c.channel,
                         bus_messages.c.message)
                  .where(bus_messages.c.id > bindparam("seen"))
                  .order_by(bus_messages.c.id).limit(BATCH))
_NEWEST = Prepared(select(func.coalesce(func.max(bus_messages.c.id), 0)))


class SqlEventBus:
    def __init__(self, router: ShardRouter, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._router = router
        self._poll = poll_seconds
        self._local = InProcessEventBus()
        self._origin = uuid.uuid4().hex
        self._seen: int | None = None

    async def publish(self, channel: str, message: str) -> None:
        await self._local.publish(channel, message)
        async with self._router.write_engine(0) as conn:
            await conn.execute(insert(bus_messages).values(
                origin=self._origin, channel=channel, message=message,
                created_at=datetime.now(UTC)))

    def subscribe(self, channels: Sequence[str]) -> AbstractAsyncContextManager[
            AsyncIterator[str]]:
        return self._local.subscribe(channels)

    async def follow(self) -> None:
        """Deliver the other processes' messages here, until cancelled."""
        if self._seen is None:
            self._seen = await self._newest()
        polls, forget_every = 0, max(1, round(FORGET_EVERY.total_seconds() / self._poll))
        while True:
            await asyncio.sleep(self._poll)
            try:
                await self.deliver()
                polls += 1
                if polls % forget_every == 0:
                    await self.forget_old()
            except Exception:  # a database that is away for a moment must not end this
                log.warning("could not read the event log; retrying", exc_info=True)

    async def deliver(self) -> int:
        """Deliver the messages other processes wrote since the last call; how many."""
        if self._seen is None:
            self._seen = await self._newest()
        delivered = 0
        async with self._router.read(0, primary=True) as conn:
            rows = await _NEWER.rows(conn, {"seen": self._seen})
        for row_id, origin, channel, message in rows:
            self._seen = row_id
            if origin != self._origin:
                await self._local.publish(channel, message)
                delivered += 1
        return delivered

    async def _newest(self) -> int:
        async with self._router.read(0, primary=True) as conn:
            return int((await _NEWEST.rows(conn))[0][0])

    async def forget_old(self) -> None:
        """Delete the messages older than KEEP."""
        async with self._router.write_engine(0) as conn:
            await conn.execute(delete(bus_messages).where(
                bus_messages.c.created_at < datetime.now(UTC) - KEEP))
