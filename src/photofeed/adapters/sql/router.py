"""The shard router: 8192 logical shards mapped onto physical databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from photofeed import ids
from photofeed.adapters.sql.engines import SQLITE_WRITE, make_engine
from photofeed.adapters.sql.replicas import Replica, ReplicaPolicy, ReplicaSet
from photofeed.adapters.sql.shard_map import (
    ShardRange,
    check_coverage,
    even_ranges,
    replicas_by_database,
)
from photofeed.ports import reads
from photofeed.ports.reads import ReplicaLost

T = TypeVar("T")
AFTER_COMMIT = "photofeed_after_commit"
K = TypeVar("K")


# Errors a standby raises that the primary would not: a query cancelled by a conflict
# with WAL replay, and the server shutting down or still starting.
_REPLICA_TROUBLE = frozenset({"40001", "57P01", "57P02", "57P03"})


class ShardUnreachable(ConnectionError):
    """A database of the shard map cannot be reached."""


class ShardRouter:
    """Maps logical shards to engines through the shard map and opens transactions on them."""

    def __init__(self, ranges: list[ShardRange], *,
                 replica_policy: ReplicaPolicy | None = None) -> None:
        check_coverage(ranges)
        urls = list(dict.fromkeys(r.url for r in ranges))
        self.ranges = ranges
        self.engines = [make_engine(url) for url in urls]
        replica_urls = replicas_by_database(ranges)
        self.replicas = ReplicaSet.connect(self.engines, [replica_urls[url] for url in urls],
                                           replica_policy or ReplicaPolicy())
        self._engine_of = [0] * ids.LOGICAL_SHARDS
        for shard_range in ranges:
            index = urls.index(shard_range.url)
            for shard in range(shard_range.first, shard_range.last + 1):
                self._engine_of[shard] = index

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
    def directory(self) -> AsyncEngine:
        """The database for the few global tables (shard 0's)."""
        return self.engines[0]

    @asynccontextmanager
    async def write(self, shard: int) -> AsyncIterator[AsyncConnection]:
        """A write transaction on the database of a logical shard; commits on success."""
        async with self.write_engine(self.engine_index(shard)) as conn:
            yield conn

    @asynccontextmanager
    async def write_engine(self, index: int) -> AsyncIterator[AsyncConnection]:
        """A write transaction on one physical database; commits on success.

        Callbacks appended to `conn.info[AFTER_COMMIT]` run once the commit succeeded.
        """
        async with self.engines[index].connect() as conn:
            conn = await conn.execution_options(**{SQLITE_WRITE: True})
            try:
                async with conn.begin():
                    yield conn
            except BaseException:
                # info outlives this checkout (it belongs to the pooled connection).
                conn.info.pop(AFTER_COMMIT, None)
                raise
            reads.note_write()
            for callback in conn.info.pop(AFTER_COMMIT, []):
                callback()

    @asynccontextmanager
    async def read(self, shard: int, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction on the database of a logical shard.

        A request that may read from replicas gets a fit replica of that database unless
        `primary` insists; should the replica fail midway, ReplicaLost is raised so the
        whole read can be run again (it then goes to the primary).
        """
        async with self._reading(self.engine_index(shard), primary=primary) as conn:
            yield conn

    @asynccontextmanager
    async def _reading(self, index: int, *, primary: bool = False
                       ) -> AsyncIterator[AsyncConnection]:
        conn, replica = await self._connect_for_read(index, primary=primary)
        try:
            async with conn.begin():
                yield conn
        except Exception as exc:
            if replica is not None and _lost_connection(exc):
                self.replicas.mark_down(replica, exc)
                raise ReplicaLost(f"read replica {replica.describe()} failed: {exc}") from exc
            raise
        finally:
            await conn.close()

    async def _connect_for_read(self, index: int, *, primary: bool
                                ) -> tuple[AsyncConnection, Replica | None]:
        replica = None if primary or not reads.replica_allowed() else self.replicas.pick(index)
        if replica is not None:
            try:
                return await replica.engine.connect(), replica
            except Exception as exc:  # any failure to connect: the primary serves instead
                self.replicas.mark_down(replica, exc)
        return await self.engines[index].connect(), None

    def group_by_engine(self, keys: Iterable[K],
                        shard_of: Callable[[K], int]) -> dict[int, list[K]]:
        """Bucket keys by the physical database that holds them."""
        groups: dict[int, list[K]] = {}
        for key in keys:
            groups.setdefault(self.engine_index(shard_of(key)), []).append(key)
        return groups

    async def gather_engines(
        self, indexes: Iterable[int], query: Callable[[AsyncConnection, int], Awaitable[T]]
    ) -> list[T]:
        """Run one query per physical database, concurrently, and collect the results."""

        async def run(index: int) -> T:
            try:
                async with self._reading(index) as conn:
                    return await query(conn, index)
            except ReplicaLost:
                async with self._reading(index, primary=True) as conn:
                    return await query(conn, index)

        return list(await asyncio.gather(*(run(i) for i in indexes)))

    async def dispose(self) -> None:
        await asyncio.gather(self.replicas.dispose(),
                             *(engine.dispose() for engine in self.engines))


def _lost_connection(error: BaseException) -> bool:
    """Whether an error means the database went away, rather than a bad query."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or \
            getattr(error.orig, "sqlstate", None) in _REPLICA_TROUBLE
    return isinstance(error, (OSError, TimeoutError))
