"""The shard router: 8192 logical shards mapped onto physical databases."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from photofeed import ids
from photofeed.adapters.sql import shard_moves
from photofeed.adapters.sql.engines import SQLITE_WRITE, make_engine
from photofeed.adapters.sql.fences import MOVED, ShardBusy, ShardFenced, fence_state
from photofeed.adapters.sql.shard_map import (
    ShardRange,
    check_coverage,
    even_ranges,
    normalise_url,
    with_moves,
)

T = TypeVar("T")
AFTER_COMMIT = "photofeed_after_commit"
K = TypeVar("K")
FENCE_POLL_SECONDS = 0.05
log = logging.getLogger(__name__)


class ShardUnreachable(ConnectionError):
    """A database of the shard map cannot be reached."""


class ShardRouter:
    """Maps logical shards to engines through the shard map and opens transactions on them.

    The map is the configured one with completed shard moves laid over it (shard_moves.py);
    `refresh` re-reads the moves, and a write that meets a fence re-reads them at once.
    Engines are only ever added, so an engine's index stays valid for the process's life;
    index 0 is always the configured control database (logical shard 0's in the config).
    """

    def __init__(self, ranges: list[ShardRange], *, fence_wait: float = 10.0) -> None:
        check_coverage(ranges)
        self.configured = [ShardRange(r.first, r.last, normalise_url(r.url)) for r in ranges]
        self.fence_wait = fence_wait
        self.engines: list[AsyncEngine] = []
        self.urls: list[str] = []
        self.ranges: list[ShardRange] = []
        self._engine_of = [0] * ids.LOGICAL_SHARDS
        self._moves: list[ShardRange] = []
        self._refreshing = asyncio.Lock()
        self._apply(self.configured)

    def _apply(self, ranges: list[ShardRange]) -> None:
        for url in dict.fromkeys(r.url for r in ranges):
            if url not in self.urls:
                self.engines.append(make_engine(url))
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
    def from_urls(cls, urls: Iterable[str]) -> ShardRouter:
        """Logical shards spread evenly over these databases."""
        return cls(even_ranges(list(urls)))

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
    async def read(self, shard: int) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction on the database of a logical shard."""
        async with self.engine_for_shard(shard).connect() as conn, conn.begin():
            yield conn

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
            async with self.engines[index].connect() as conn, conn.begin():
                return await query(conn, index)

        return list(await asyncio.gather(*(run(i) for i in indexes)))

    async def dispose(self) -> None:
        await asyncio.gather(*(engine.dispose() for engine in self.engines))
