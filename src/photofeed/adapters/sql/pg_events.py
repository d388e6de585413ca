"""EventBus on PostgreSQL LISTEN/NOTIFY, for processes that share a database but no Redis.

The counterpart of SqlEventBus (events.py) on PostgreSQL: a message is delivered to this
process's subscribers at once and sent with NOTIFY on the directory database (shard 0's);
every process LISTENs there on a connection of its own and delivers the other processes'
messages to its subscribers. A process ignores its own, which it delivered already.

Messages sent while a process's listening connection is down (a database restart, a
terminated backend) are missed, as a Redis subscriber would miss them; it reconnects after
a short wait, and a client reading the stream catches up by reading its timeline, as after
any gap.

PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. Our messages are IDs and token
hashes, tens of bytes; `publish` refuses a longer one with ValueError, naming the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg
import orjson
from sqlalchemy import text

from photofeed.adapters.events import InProcessEventBus
from photofeed.adapters.sql.engines import asyncpg_dsn
from photofeed.adapters.sql.router import ShardRouter

log = logging.getLogger(__name__)
CHANNEL = "photofeed_events"
# The listening connection's application_name, as pg_stat_activity shows it.
LISTENER_NAME = "photofeed events"
# Bytes of a payload (origin, channel and message, encoded): PostgreSQL takes under 8000.
PAYLOAD_LIMIT = 7999
# After a lost connection or a failed attempt; doubled on each failure in a row, up to
# the last.
RETRY_SECONDS = 0.2
LAST_RETRY_SECONDS = 5.0
# A connection that died without a word (a network cut) is found by asking it this often.
CHECK_SECONDS = 10.0
CONNECT_SECONDS = 10.0
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


class PostgresEventBus:
    def __init__(self, router: ShardRouter) -> None:
        self._router = router
        self._local = InProcessEventBus()
        self._origin = uuid.uuid4().hex

    async def publish(self, channel: str, message: str) -> None:
        payload = encode(self._origin, channel, message)
        await self._local.publish(channel, message)
        async with self._router.write_engine(0) as conn:
            await conn.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})

    def subscribe(self, channels: Sequence[str]) -> AbstractAsyncContextManager[
            AsyncIterator[str]]:
        return self._local.subscribe(channels)

    async def follow(self) -> None:
        """Deliver the other processes' messages here, until cancelled."""
        delay = RETRY_SECONDS
        while True:
            try:
                await self._listen()
                delay = RETRY_SECONDS  # it listened until the connection was lost
                log.warning("lost the connection listening for events; reconnecting")
            except Exception as exc:  # a database that is away for a while must not end this
                log.warning("cannot listen for events (%s); retrying in %.1f s",
                            str(exc) or type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_RETRY_SECONDS)

    async def _listen(self) -> None:
        """LISTEN on a connection of our own until it is lost; raise if it cannot start."""
        conn = await asyncpg.connect(asyncpg_dsn(self._router.directory),
                                     timeout=CONNECT_SECONDS,
                                     server_settings={"application_name": LISTENER_NAME})
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._heard)
            await _until_lost(conn, lost)
        finally:
            with contextlib.suppress(Exception):  # close() aborts the connection if it fails
                await conn.close(timeout=CONNECT_SECONDS)

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            origin, channel, message = orjson.loads(payload)
        except (ValueError, TypeError):  # orjson's decode error is a ValueError
            log.warning("ignored a notification on %s that is not an event: %.100r",
                        CHANNEL, payload)
            return
        if origin != self._origin:
            self._local.deliver(channel, message)


def encode(origin: str, channel: str, message: str) -> str:
    """The NOTIFY payload of a message; ValueError if PostgreSQL would refuse it."""
    payload = orjson.dumps([origin, channel, message])
    if len(payload) > PAYLOAD_LIMIT:
        raise ValueError(f"an event on {channel!r} takes {len(payload)} bytes as a NOTIFY "
                         f"payload; PostgreSQL takes at most {PAYLOAD_LIMIT} (under 8000)")
    return payload.decode()


async def _until_lost(conn: asyncpg.Connection, lost: asyncio.Event) -> None:
    """Return once the connection is closed, or fails to answer after a quiet while."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), CHECK_SECONDS)
            return
        try:
            await conn.fetchval("SELECT 1", timeout=CHECK_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return
