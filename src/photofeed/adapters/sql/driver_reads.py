"""Read connections that run prepared statements straight on the database's driver.

SQLite's inline reads (InlineReads) run them on `sqlite3`, on the calling thread. On
PostgreSQL (DriverReads), checking a connection out as an AsyncConnection and running a
small read through it cost ~270 us of CPU (greenlet hops, an execution context, Row
objects); the same read on the pooled connection's asyncpg driver costs ~90. Of those,
checking the connection out of SQLAlchemy's pool and back in (a greenlet hop each way,
the pool's events) was half, so a few connections are kept checked out between reads,
per engine (KeptConnections): a feed read over the network takes three or four, and took
20% less CPU with them kept.
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from sqlalchemy import Connection, Dialect, Executable, Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util.concurrency import greenlet_spawn

from photofeed.adapters.sql.engines import trusted_unchecked
from photofeed.adapters.sql.plans import plan_by_default, plan_once

# Connections kept checked out per engine; the rest go back to SQLAlchemy's pool.
KEEP_PER_ENGINE = 4
# Errors a standby raises that the primary would not: a query cancelled by a conflict
# with WAL replay, and the server shutting down or still starting.
_REPLICA_TROUBLE = frozenset({"40001", "57P01", "57P02", "57P03"})


class InlineReads:
    """A read transaction that runs each statement right away on the calling thread."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._driver = conn.connection.dbapi_connection

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def execute(self, statement: Executable, parameters: Any = None) -> Result[Any]:
        return self._conn.execute(statement, parameters)

    def run(self, sql: str, parameters: list[Any]) -> list[Any]:
        """Compiled SQL straight on the driver (prepared.py): the rows as tuples."""
        assert self._driver is not None
        rows: list[Any] = self._driver.execute(sql, parameters).fetchall()
        return rows

    def close(self) -> None:
        self._conn.close()


class KeptConnections:
    """Pooled connections kept checked out between reads, the most recently used first.

    They stay counted in SQLAlchemy's pool, whose size still bounds them. One idle longer
    than the pool would trust without a check, or kept since before a connection of its
    engine was found closed, is checked with a round trip before it is used, as the pool
    does (engines.py); one that fails the check is dropped.
    """

    def __init__(self, *, keep: int = KEEP_PER_ENGINE) -> None:
        self._keep = keep
        self._idle: dict[AsyncEngine, list[tuple[PoolProxiedConnection, float]]] = {}

    async def take(self, engine: AsyncEngine) -> PoolProxiedConnection:
        idle = self._idle.get(engine)
        while idle:
            pooled, returned_at = idle.pop()
            if trusted_unchecked(engine, returned_at) or await _answers(pooled):
                return pooled
            await greenlet_spawn(pooled.invalidate)
        pooled = await engine.raw_connection()
        try:
            await plan_once(pooled)
        except BaseException:
            await greenlet_spawn(pooled.invalidate)  # and back to the pool, not leaked
            raise
        return pooled

    async def give_back(self, engine: AsyncEngine, pooled: PoolProxiedConnection) -> None:
        idle = self._idle.setdefault(engine, [])
        if len(idle) < self._keep:
            idle.append((pooled, time.monotonic()))
        else:
            await greenlet_spawn(pooled.close)

    def idle(self, engine: AsyncEngine) -> int:
        """How many connections of the engine are kept and not in use."""
        return len(self._idle.get(engine, ()))

    async def release(self) -> None:
        """Return every kept connection to its pool (before the engines are disposed)."""
        kept, self._idle = self._idle, {}
        for idle in kept.values():
            for pooled, _returned_at in idle:
                await greenlet_spawn(pooled.close)


class DriverReads:
    """One read's connection: prepared statements on its driver, others through SQLAlchemy.

    Statements go out as they are, without BEGIN: each is its own snapshot, as on SQLite's
    inline reads. Statements that are not prepared (prepared.py) go through an
    AsyncConnection opened the first time one is needed.
    """

    def __init__(self, engine: AsyncEngine, pooled: PoolProxiedConnection,
                 kept: KeptConnections) -> None:
        self._engine = engine
        self._kept = kept
        self._pooled: PoolProxiedConnection | None = pooled
        self._driver: asyncpg.Connection = pooled.driver_connection
        self._conn: AsyncConnection | None = None

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    async def fetch(self, sql: str, parameters: list[Any]) -> list[Any]:
        """Compiled SQL straight on the driver (prepared.py): records that act as tuples."""
        rows: list[Any] = await self._driver.fetch(sql, *parameters)
        return rows

    async def execute(self, statement: Executable, parameters: Any = None) -> Result[Any]:
        if self._conn is None:
            # One connection at a time: the one taken for the driver goes back before
            # SQLAlchemy's is checked out (no transaction spans the statements), so a busy
            # pool is never waited on by a read that holds one of its connections.
            await self._give_back(discard=False)
            conn = await self._engine.connect()
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            pooled = await self._conn.get_raw_connection()
            await plan_by_default(pooled)  # built per request, it may need its own plan
            self._driver = pooled.driver_connection
        return await self._conn.execute(statement, parameters)

    def closed(self) -> bool:
        return bool(self._driver.is_closed())

    async def close(self, *, discard: bool) -> None:
        """Give the connection back; `discard` one that failed or was cut off midway,
        whose state nobody knows (a cancelled query may still be running on it)."""
        try:
            if self._conn is not None:
                if discard:
                    await self._conn.invalidate()
                await self._conn.close()
        finally:
            await self._give_back(discard=discard)

    async def _give_back(self, *, discard: bool) -> None:
        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        if discard:
            self._driver.terminate()
            await greenlet_spawn(pooled.invalidate)
        else:
            await self._kept.give_back(self._engine, pooled)


async def _answers(pooled: PoolProxiedConnection) -> bool:
    driver: asyncpg.Connection = pooled.driver_connection
    try:
        await driver.execute("SELECT 1")
    except Exception:  # closed under us, it may fail in several ways; any means drop it
        return False
    return True


def lost_connection(error: BaseException) -> bool:
    """Whether an error means the database went away, rather than a bad query."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or \
            getattr(error.orig, "sqlstate", None) in _REPLICA_TROUBLE
    if isinstance(error, asyncpg.PostgresError):  # raised by DriverReads
        return isinstance(error, asyncpg.PostgresConnectionError) or \
            error.sqlstate in _REPLICA_TROUBLE
    return isinstance(error, (OSError, TimeoutError))
