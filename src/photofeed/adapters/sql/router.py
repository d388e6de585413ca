"""The shard router: 8192 logical shards mapped onto physical databases."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, NoReturn, Protocol, TypeVar

from sqlalchemy import Dialect, Engine, Executable, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection

from photofeed import ids
from photofeed.adapters.sql import shard_moves
from photofeed.adapters.sql.driver_reads import (
    DriverReads,
    InlineReads,
    KeptConnections,
    lost_connection,
)
from photofeed.adapters.sql.engines import (
    SQLITE_WRITE,
    connection_lost,
    make_engine,
    make_inline_reader,
)
from photofeed.adapters.sql.fences import MOVED, ShardBusy, ShardFenced, fence_state
from photofeed.adapters.sql.plans import plan_by_default
from photofeed.adapters.sql.replicas import Replica, ReplicaPolicy, ReplicaSet
from photofeed.adapters.sql.shard_map import (
    ShardRange,
    check_coverage,
    even_ranges,
    normalise_url,
    replicas_by_database,
    with_moves,
)
from photofeed.ports import reads
from photofeed.ports.reads import ReadLost, ReplicaLost
from photofeed.services.overlap import all_of

T = TypeVar("T")
C = TypeVar("C")
AFTER_COMMIT = "photofeed_after_commit"
K = TypeVar("K")
FENCE_POLL_SECONDS = 0.05
log = logging.getLogger(__name__)


class Reads(Protocol):
    """What a read transaction offers: an AsyncConnection, or SQLite's inline reads."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> Result[Any]: ...


class ShardUnreachable(ConnectionError):
    """A database of the shard map cannot be reached."""


class ShardRouter:
    """Maps logical shards to engines through the shard map and opens transactions on them.

    The map is the configured one with completed shard moves laid over it (shard_moves.py);
    `refresh` re-reads the moves, and a write that meets a fence re-reads them at once.
    Engines are only ever added, so an engine's index stays valid for the process's life;
    index 0 is always the configured control database (logical shard 0's in the config).
    """

    def __init__(self, ranges: list[ShardRange], *, fence_wait: float = 10.0,
                 replica_policy: ReplicaPolicy | None = None) -> None:
        check_coverage(ranges)
        self.configured = [ShardRange(r.first, r.last, normalise_url(r.url), r.replicas)
                           for r in ranges]
        self.fence_wait = fence_wait
        self.engines: list[AsyncEngine] = []
        self.urls: list[str] = []
        self.ranges: list[ShardRange] = []
        self._inline: list[Engine | None] = []
        self._thread_local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[InlineReads] = []
        self._engine_of = [0] * ids.LOGICAL_SHARDS
        self._moves: list[ShardRange] = []
        self._refreshing = asyncio.Lock()
        self.kept = KeptConnections()
        self._apply(self.configured)
        # Replicas belong to the configured databases; a database a move adds has none.
        replica_urls = replicas_by_database(self.configured)
        self.replicas = ReplicaSet.connect(self.engines, [replica_urls[u] for u in self.urls],
                                           replica_policy or ReplicaPolicy())

    def _apply(self, ranges: list[ShardRange]) -> None:
        for url in dict.fromkeys(r.url for r in ranges):
            if url not in self.urls:
                self.engines.append(make_engine(url))
                self._inline.append(make_inline_reader(url))
                self.urls.append(url)
        engine_of = [0] * ids.LOGICAL_SHARDS
        for shard_range in ranges:
            index = self.urls.index(shard_range.url)
            for shard in range(shard_range.first, shard_range.last + 1):
                engine_of[shard] = index
        self.ranges, self._engine_of = ranges, engine_of

    async def refresh(self) -> bool:
        """Re-read the completed moves from the control database; True when the map changed."""
        async with self._refreshing:
            moves = shard_moves.in_map(await shard_moves.load(self.directory))
            if moves == self._moves:
                return False
            self._apply(with_moves(self.configured, moves))
            self._moves = moves
            log.info("shard map changed: %d move(s) applied", len(moves))
            return True

    async def watch(self, interval: float = 1.0) -> None:
        """Keep the map current while the process runs (a background task)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:
                log.warning("could not re-read the shard map; keeping the current one",
                            exc_info=True)

    @classmethod
    def from_urls(cls, urls: Iterable[str], *,
                  replica_policy: ReplicaPolicy | None = None) -> ShardRouter:
        """Logical shards spread evenly over these databases."""
        return cls(even_ranges(list(urls)), replica_policy=replica_policy)

    async def check_reachable(self, *, seconds: float = 10.0) -> None:
        """Connect to every database once, naming the one that fails."""
        for shard_range in self.ranges:
            engine = self.engine_for_shard(shard_range.first)
            try:
                async with asyncio.timeout(seconds), engine.connect():
                    pass
            except Exception as exc:
                raise ShardUnreachable(f"shard database {shard_range.describe()} is "
                                       f"unreachable: {exc}") from exc

    def engine_index(self, shard: int) -> int:
        """Which physical database holds a logical shard."""
        if not 0 <= shard < ids.LOGICAL_SHARDS:
            raise ValueError(f"no logical shard {shard}")
        return self._engine_of[shard]

    def engine_for_shard(self, shard: int) -> AsyncEngine:
        return self.engines[self.engine_index(shard)]

    @property
    def reads_inline(self) -> bool:
        """Whether every database is read inline (SQLite files), never waiting on a network."""
        return all(reader is not None for reader in self._inline)

    @property
    def directory(self) -> AsyncEngine:
        """The database for the few global tables (shard 0's)."""
        return self.engines[0]

    @asynccontextmanager
    async def write(self, shard: int) -> AsyncIterator[AsyncConnection]:
        """A write transaction on the database of a logical shard; commits on success.

        A range being moved makes the write wait (up to `fence_wait`, then ShardBusy); a range
        moved away makes it re-read the map and go to the range's new database.
        """
        deadline = time.monotonic() + self.fence_wait
        async with AsyncExitStack() as stack:
            while True:
                try:
                    conn = await stack.enter_async_context(
                        self.write_engine(self.engine_index(shard), shards=(shard,)))
                    break
                except ShardFenced:
                    if time.monotonic() > deadline:
                        raise ShardBusy(f"logical shard {shard} is being moved; "
                                        "retry in a moment") from None
                    await asyncio.sleep(FENCE_POLL_SECONDS)
            yield conn

    @asynccontextmanager
    async def write_engine(self, index: int, *,
                           shards: Collection[int] = ()) -> AsyncIterator[AsyncConnection]:
        """A write transaction on one physical database; commits on success.

        `shards` are the logical shards the transaction writes rows of; a fence on any of
        them raises ShardFenced before the caller's code runs (after re-reading the map when
        they moved away). Callbacks appended to `conn.info[AFTER_COMMIT]` run once the commit
        succeeded.
        """
        async with self.engines[index].connect() as conn:
            conn = await conn.execution_options(**{SQLITE_WRITE: True})
            try:
                async with conn.begin():
                    state = await fence_state(conn, shards)
                    if state is not None:
                        raise ShardFenced(state, shards)
                    yield conn
            except ShardFenced as fenced:
                conn.info.pop(AFTER_COMMIT, None)
                if fenced.state == MOVED:
                    await self.refresh()
                raise
            except BaseException:
                # info outlives this checkout (it belongs to the pooled connection).
                conn.info.pop(AFTER_COMMIT, None)
                raise
            reads.note_write()
            for callback in conn.info.pop(AFTER_COMMIT, []):
                callback()

    async def write_grouped(self, keys: Iterable[K], shard_of: Callable[[K], int],
                            work: Callable[[AsyncConnection, list[K]], Awaitable[None]]) -> None:
        """Run `work` in one write transaction per database holding some of the keys.

        Groups that meet a fence wait, or are regrouped by the re-read map, like `write`.
        """
        pending = list(keys)
        deadline = time.monotonic() + self.fence_wait
        while pending:
            fenced: list[K] = []
            for index, group in self.group_by_engine(pending, shard_of).items():
                try:
                    async with self.write_engine(
                            index, shards={shard_of(key) for key in group}) as conn:
                        await work(conn, group)
                except ShardFenced:
                    fenced.extend(group)
            if fenced and time.monotonic() > deadline:
                raise ShardBusy("logical shards are being moved; retry in a moment")
            if fenced:
                await asyncio.sleep(FENCE_POLL_SECONDS)
            pending = fenced

    @asynccontextmanager
    async def read(self, shard: int, *, primary: bool = False) -> AsyncIterator[Reads]:
        """A read-only transaction on the database of a logical shard.

        On SQLite it runs inline (see make_inline_reader); reads that take milliseconds,
        such as full-text search, use gather_offloaded so they do not hold up the loop.
        On PostgreSQL a request that may read from replicas gets a fit replica of that
        database unless `primary` insists; should the replica fail midway, ReplicaLost is
        raised so the whole read can be run again (it then goes to the primary).
        """
        async with self._read_engine(self.engine_index(shard), primary=primary) as conn:
            yield conn

    @asynccontextmanager
    async def _read_engine(self, index: int, *, primary: bool = False
                           ) -> AsyncIterator[Reads]:
        reader = self._inline[index]
        if reader is not None:
            yield self._inline_reads(index, reader)
        elif self.engines[index].dialect.name == "postgresql":
            async with self._reading_on_driver(index, primary=primary) as conn:
                yield conn
        else:
            async with self._reading(index, primary=primary) as conn:
                yield conn

    def _inline_reads(self, index: int, reader: Engine) -> InlineReads:
        """This thread's inline connection to one database, opened on first use.

        One per thread and database, never returned to a pool: in autocommit it holds no
        transaction between statements, so coroutines interleaving on it cannot disturb
        each other, and checking a connection out and back in would cost more than a read.
        """
        opened: dict[int, InlineReads] = self._thread_local.__dict__.setdefault("reads", {})
        found = opened.get(index)
        if found is None:
            found = opened[index] = InlineReads(reader.connect())
            with self._lock:
                self._opened.append(found)
        return found

    @asynccontextmanager
    async def _reading(self, index: int, *, primary: bool = False
                       ) -> AsyncIterator[AsyncConnection]:
        conn, replica = await self._connect_for_read(index, primary=primary, connect=_connect)
        try:
            if conn.dialect.name == "postgresql":
                # Each statement on its own, as SQLite's inline reads: no BEGIN and COMMIT
                # round trips around a read, which took more time than the read itself.
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await plan_by_default(await conn.get_raw_connection())  # search: plans.py
                yield conn
            else:
                async with conn.begin():
                    yield conn
        except Exception as exc:
            if not lost_connection(exc):
                raise
            self._raise_lost(index, replica, exc)
        finally:
            await conn.close()

    @asynccontextmanager
    async def _reading_on_driver(self, index: int, *, primary: bool = False
                                 ) -> AsyncIterator[DriverReads]:
        (engine, pooled), replica = await self._connect_for_read(
            index, primary=primary, connect=self._take_kept)
        conn, finished = DriverReads(engine, pooled, self.kept), False
        try:
            yield conn
            finished = True
        except Exception as exc:
            if not (conn.closed() or lost_connection(exc)):
                raise
            connection_lost(engine)
            self._raise_lost(index, replica, exc)
        finally:
            await conn.close(discard=not finished)

    def _raise_lost(self, index: int, replica: Replica | None, exc: Exception) -> NoReturn:
        if replica is not None:
            self.replicas.mark_down(replica, exc)
            raise ReplicaLost(f"read replica {replica.describe()} failed: {exc}") from exc
        # Connections returned before the failure (a restart, say) are checked before they
        # are used again (engines.py): the same read on a fresh one may well succeed.
        raise ReadLost(f"database {index} closed the connection of a read: {exc}") from exc

    async def _connect_for_read(
        self, index: int, *, primary: bool,
        connect: Callable[[AsyncEngine], Awaitable[C]],
    ) -> tuple[C, Replica | None]:
        replica = None if primary or not reads.replica_allowed() else self.replicas.pick(index)
        if replica is not None:
            try:
                return await connect(replica.engine), replica
            except Exception as exc:  # any failure to connect: the primary serves instead
                self.replicas.mark_down(replica, exc)
        return await connect(self.engines[index]), None

    async def _take_kept(self, engine: AsyncEngine
                         ) -> tuple[AsyncEngine, PoolProxiedConnection]:
        return engine, await self.kept.take(engine)

    def group_by_engine(self, keys: Iterable[K],
                        shard_of: Callable[[K], int]) -> dict[int, list[K]]:
        """Bucket keys by the physical database that holds them."""
        groups: dict[int, list[K]] = {}
        for key in keys:
            groups.setdefault(self.engine_index(shard_of(key)), []).append(key)
        return groups

    async def gather_engines(
        self, indexes: Iterable[int], query: Callable[[Reads, int], Awaitable[T]]
    ) -> list[T]:
        """Run one read per physical database, concurrently, and collect the results."""
        return await _gather(indexes, lambda index: _retried_on_primary(
            self._read_engine, index, query))

    async def gather_offloaded(
        self, indexes: Iterable[int],
        query: Callable[[AsyncConnection, int], Awaitable[T]],
    ) -> list[T]:
        """Like gather_engines, but never inline: for reads that take milliseconds."""
        return await _gather(indexes, lambda index: _retried_on_primary(
            self._reading, index, query))

    async def dispose(self) -> None:
        await self.kept.release()
        with self._lock:
            opened, self._opened = self._opened, []
        for inline_reads in opened:
            inline_reads.close()
        for reader in self._inline:
            if reader is not None:
                reader.dispose()
        await asyncio.gather(self.replicas.dispose(),
                             *(engine.dispose() for engine in self.engines))


async def _connect(engine: AsyncEngine) -> AsyncConnection:
    return await engine.connect()


async def _retried_on_primary(
    open_read: Callable[..., AbstractAsyncContextManager[C]], index: int,
    query: Callable[[C, int], Awaitable[T]],
) -> T:
    """A read on one database, run again on its primary if its replica failed midway, or
    on a fresh connection if the server had closed the one it was given."""
    try:
        async with open_read(index) as conn:
            return await query(conn, index)
    except ReadLost:
        async with open_read(index, primary=True) as conn:
            return await query(conn, index)


async def _gather(indexes: Iterable[int], run: Callable[[int], Awaitable[T]]) -> list[T]:
    # Most reads touch one database, and all_of gives it no task.
    return await all_of([run(index) for index in indexes])
