"""The transactional outbox on the SQL shards: one queue per physical database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed.adapters.sql.engines import asyncpg_dsn
from photofeed.adapters.sql.router import AFTER_COMMIT, Reads, ShardRouter
from photofeed.adapters.sql.schema import outbox
from photofeed.domain.events import Event

_PARKED = datetime(9999, 1, 1, tzinfo=UTC)
NOTIFY_CHANNEL = "photofeed_outbox"
log = logging.getLogger(__name__)


class OutboxSignal:
    """Wakes in-process consumers right after a commit that added events."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return
        self._event.clear()


async def add_event(conn: AsyncConnection, shard: int, body: dict[str, Any],
                    signal: OutboxSignal | None = None, *,
                    due_in: timedelta = timedelta(0)) -> None:
    """Queue an event inside the caller's write transaction, for a worker to handle
    once `due_in` has passed."""
    now = datetime.now(UTC)
    await conn.execute(insert(outbox).values(
        shard=shard, kind=body["type"], payload=json.dumps(body, separators=(",", ":")),
        created_at=now, available_at=now + due_in, attempts=0))
    if conn.dialect.name == "postgresql":
        # Delivered at commit to every worker LISTENing, in any process on any machine.
        await conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
    if signal is not None:
        conn.info.setdefault(AFTER_COMMIT, []).append(signal.notify)


class SqlOutbox:
    def __init__(self, router: ShardRouter, signal: OutboxSignal) -> None:
        self._router = router
        self._signal = signal
        self._listeners: list[asyncpg.Connection] | None = None
        self._listened = 0  # how many of the router's engines were given a listener

    @property
    def partitions(self) -> int:
        return len(self._router.engines)

    async def claim(self, partition: int, *, owner: str, limit: int,
                    lease: timedelta) -> list[Event]:
        now = datetime.now(UTC)
        due = (select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts,
                      outbox.c.created_at)
               .where(outbox.c.available_at <= now,
                      (outbox.c.claimed_until.is_(None)) | (outbox.c.claimed_until < now))
               .order_by(outbox.c.id).limit(limit)
               # Several workers on PostgreSQL each take different rows instead of waiting;
               # SQLite serialises writers anyway (BEGIN IMMEDIATE), so the clause is omitted.
               .with_for_update(skip_locked=True))
        async with self._router.write_engine(partition) as conn:
            rows = (await conn.execute(due)).all()
            if rows:
                await conn.execute(update(outbox).where(outbox.c.id.in_([r.id for r in rows]))
                                   .values(claimed_by=owner, claimed_until=now + lease))
        return [Event(id=r.id, kind=r.kind, payload=json.loads(r.payload), attempts=r.attempts,
                      created_at=r.created_at) for r in rows]

    async def extend(self, partition: int, event_ids: list[int], *, owner: str,
                     lease: timedelta) -> None:
        if event_ids:
            async with self._router.write_engine(partition) as conn:
                await conn.execute(update(outbox).where(
                    outbox.c.id.in_(event_ids), outbox.c.claimed_by == owner
                ).values(claimed_until=datetime.now(UTC) + lease))

    async def complete(self, partition: int, event_ids: list[int]) -> None:
        if event_ids:
            async with self._router.write_engine(partition) as conn:
                await conn.execute(delete(outbox).where(outbox.c.id.in_(event_ids)))

    async def retry(self, partition: int, event: Event, *, error: str, delay: timedelta,
                    give_up: bool) -> None:
        available = _PARKED if give_up else datetime.now(UTC) + delay
        async with self._router.write_engine(partition) as conn:
            await conn.execute(update(outbox).where(outbox.c.id == event.id).values(
                attempts=outbox.c.attempts + 1, available_at=available, claimed_by=None,
                claimed_until=None, last_error=error[:2000]))

    async def wait(self, seconds: float) -> None:
        if self._listeners is None or self._listened < len(self._router.engines):
            await self._listen()
        await self._signal.wait(seconds)

    async def _listen(self) -> None:
        """LISTEN on every PostgreSQL database, so other processes' events wake us.

        Databases a shard move adds while the process runs are listened to as they appear.
        """
        if self._listeners is None:
            self._listeners = []
        engines = self._router.engines[self._listened:]
        self._listened = len(self._router.engines)
        for engine in engines:
            if engine.dialect.name != "postgresql":
                continue
            try:
                conn = await asyncpg.connect(asyncpg_dsn(engine))
                # Kept before anything else can be awaited, so close() always finds it.
                self._listeners.append(conn)
                await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._signal.notify())
            except (OSError, asyncpg.PostgresError):
                # Polling still finds the events, only later.
                log.warning("cannot LISTEN for outbox events; polling only", exc_info=True)

    async def close(self) -> None:
        for conn in self._listeners or []:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                await conn.close()
        self._listeners = None
        self._listened = 0

    async def depth(self) -> int:
        async def count(conn: Reads, _index: int) -> int:
            return int((await conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.available_at < _PARKED))).scalar_one())

        return sum(await self._router.gather_engines(range(self.partitions), count))
