"""Async engines for the supported databases, set up for safe concurrent use."""

from __future__ import annotations

import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# Execution option that asks SQLite to take the write lock when the transaction starts.
# A deferred transaction that reads, then writes, can fail with SQLITE_BUSY when another
# writer got in between; taking the lock up front makes writers queue on busy_timeout instead.
SQLITE_WRITE = "photofeed_sqlite_write"
# Address space, not memory: SQLite maps this much of the file for reading (its default
# build caps the value at just under 2 GiB).
READ_MMAP_BYTES = 2**31 - 2**16
# A pooled PostgreSQL connection that sat unused this long is checked before it is used.
PING_AFTER_IDLE_SECONDS = 2.0
_RETURNED_AT = "photofeed_returned_at"
# When a connection of an engine was last found closed by the server: connections
# returned to the pool before then may have been closed with it.
_LOST_AT: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


def async_url(url: str) -> str:
    """Pick the async driver for a database URL given without one."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
    name = driver.get(parsed.drivername, parsed.drivername)
    if name not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")
    return parsed.set(drivername=name).render_as_string(hide_password=False)


def asyncpg_dsn(engine: AsyncEngine) -> str:
    """A PostgreSQL engine's database as asyncpg.connect takes it, for connections of
    our own outside the pool (LISTEN)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(url: str, *, connections: int = 20) -> AsyncEngine:
    """An engine for one physical database, with at most `connections` open to it.

    All of them are pool proper, none "overflow": SQLAlchemy closes an overflow connection
    as it comes back whenever the pool holds its size in idle ones, which under a steady
    load of bursty requests meant ~25 new PostgreSQL connections a second (each a server
    process started, and its statements prepared again) at 64 clients on one server.
    """
    full = async_url(url)
    if full.startswith("sqlite"):
        return _sqlite_engine(full)
    engine = create_async_engine(full, pool_size=connections, max_overflow=0)
    _ping_when_idle(engine.sync_engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection with a round trip only when it may have gone stale.

    SQLAlchemy's pool_pre_ping checks on every checkout: on a busy server that is a round
    trip per statement, as long as the statement itself. A connection in use a moment ago
    is alive unless the server went away just now, which no check could have foreseen (and
    reads are retried once on a fresh connection: ShardRouter). Checked first are one left
    idle, which may have been closed meanwhile by the server, a proxy or a restart, and one
    returned before another connection of the engine was found closed (connection_lost),
    which was likely closed by the same restart. One that fails the check is replaced: the
    pool retries the checkout with a new connection.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or _trusted(engine, returned):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection failed its check: {exc}") from exc


def trusted_unchecked(engine: AsyncEngine, returned_at: float) -> bool:
    """Whether a connection of this engine last used at `returned_at` (monotonic) may be
    used again without a check: used a moment ago, and not before a connection was lost."""
    return _trusted(engine.sync_engine, returned_at)


def _trusted(engine: Engine, returned_at: float) -> bool:
    return time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS \
        and returned_at > _LOST_AT.get(engine, float("-inf"))


def connection_lost(engine: AsyncEngine) -> None:
    """A connection of this engine was found closed: check the pooled ones before use.

    SQLAlchemy does this itself for errors it sees; reads that run straight on the driver
    (driver_reads.DriverReads) report theirs here.
    """
    _LOST_AT[engine.sync_engine] = time.monotonic()


def _sqlite_engine(url: str) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})
    sync = engine.sync_engine

    @event.listens_for(sync, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit acknowledged to a client survives power loss, not just a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get(SQLITE_WRITE) else "BEGIN"
        conn.exec_driver_sql(mode)

    return engine


def make_inline_reader(url: str) -> Engine | None:
    """A synchronous engine for the reads of an SQLite file, or None for other databases.

    An indexed read from SQLite's page cache takes microseconds, while handing each cursor
    call to aiosqlite's thread and back costs tens of them: a feed read made ~130 such
    hops. Reads therefore run on the caller's thread (ShardRouter keeps one connection per
    thread). Writes keep the async engine, since they may wait seconds for the write lock.
    Each statement runs in autocommit, as its own snapshot: no read in the services relies
    on two statements agreeing, and skipping BEGIN/COMMIT halves the cost of small reads.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    engine = create_engine(parsed.set(drivername="sqlite"), poolclass=NullPool,
                           connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit: no BEGIN is ever sent
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA query_only=ON")  # a write sent here by mistake fails loudly
        # Read pages straight from the OS page cache instead of copying each into
        # SQLite's own small cache through a read() call.
        cursor.execute(f"PRAGMA mmap_size={READ_MMAP_BYTES}")
        cursor.close()

    return engine
