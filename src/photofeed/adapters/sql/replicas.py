"""Read replicas of the shard databases, and which of them are fit to read from.

A background check (every `check_seconds`, never per query) samples each primary's WAL
position, then asks each replica how far it has replayed. A replica that has replayed the
position sampled at time T holds every write acknowledged before T. It is fit to read
while now - T <= max_lag_seconds, judged at each read, so a replica whose checks stop
succeeding (paused, stuck, gone) falls out by itself. This needs no commit timestamps
(which make an idle primary look like a lagging replica) and no agreement between clocks.
A connection error between checks takes a replica out at once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from photofeed.adapters.sql.engines import make_engine
from photofeed.adapters.sql.shard_map import safe_url

log = logging.getLogger(__name__)

# The insert position: every acknowledged commit lies before it, flushed or not
# (with synchronous_commit off, a commit is acknowledged before its WAL is written).
_PRIMARY_POSITION = text(
    "SELECT pg_current_wal_insert_lsn()::text, current_setting('wal_block_size')::int, "
    "(SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')")
REPLICA_LAG = Gauge("photofeed_replica_lag_seconds",
                    "How far behind its primary a read replica was at its last check",
                    ["replica"])
REPLICA_IN_USE = Gauge("photofeed_replica_in_use",
                       "1 while a read replica serves reads, 0 while it is skipped", ["replica"])
REPLICA_FAILURES = Counter("photofeed_replica_failures_total",
                           "Reads that found a replica down and went to the primary", ["replica"])
# WAL page headers: long on a segment's first page, short on the others.
_LONG_PAGE_HEADER = 40
_SHORT_PAGE_HEADER = 24
_REPLICA_STATE = text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
# A replica not yet seen to replay anything is infinitely behind.
_NEVER = float("-inf")


@dataclass(frozen=True)
class ReplicaPolicy:
    """How stale a replica may be, and how often that is checked."""

    max_lag_seconds: float = 5.0
    check_seconds: float = 1.0

    @property
    def read_your_writes_seconds(self) -> float:
        """How long a writer's reads stay on the primary after a write.

        A replica serves a read only if it held, at most max_lag ago, every write
        acknowledged by then; a write older than max_lag is therefore on it. The extra
        check interval is a margin for the time between commit and the mark.
        """
        return self.max_lag_seconds + self.check_seconds


@dataclass
class Replica:
    url: str
    engine: AsyncEngine
    # Monotonic time of the newest sample of the primary's position the replica has replayed.
    holds_writes_before: float = _NEVER
    reachable: bool = False
    # The verdict last logged, so a change is logged once.
    announced_fit: bool = False

    def describe(self) -> str:
        return safe_url(self.url)

    def lag_seconds(self) -> float:
        """How old the newest write is that the replica is known to hold everything before."""
        return time.monotonic() - self.holds_writes_before


@dataclass
class ReplicaSet:
    """The replicas of each physical database, by the primaries' engine index."""

    primaries: list[AsyncEngine]
    replicas: list[list[Replica]]
    policy: ReplicaPolicy = field(default_factory=ReplicaPolicy)
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    # Per primary: (monotonic time, WAL position read after that time), oldest first.
    _samples: list[deque[tuple[float, int]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._samples = [deque() for _ in self.primaries]

    @classmethod
    def connect(cls, primaries: list[AsyncEngine], urls: list[tuple[str, ...]],
                policy: ReplicaPolicy) -> ReplicaSet:
        return cls(primaries, [[Replica(url, make_engine(url)) for url in of_one]
                               for of_one in urls], policy)

    @property
    def configured(self) -> bool:
        return any(self.replicas)

    def fit(self, replica: Replica) -> bool:
        """Reachable at the last check, and behind the primary by no more than max_lag."""
        return replica.reachable and replica.lag_seconds() <= self.policy.max_lag_seconds

    def pick(self, index: int) -> Replica | None:
        """A fit replica of this database, taking turns; None when there is none.

        A database that a shard move added after start-up has an index past the list.
        """
        if index >= len(self.replicas):
            return None
        fit = [r for r in self.replicas[index] if self.fit(r)]
        return fit[next(self._turn) % len(fit)] if fit else None

    def mark_down(self, replica: Replica, error: BaseException) -> None:
        REPLICA_FAILURES.labels(replica.describe()).inc()
        REPLICA_IN_USE.labels(replica.describe()).set(0)
        if replica.reachable:
            log.warning("read replica %s failed (%s: %s); reading the primary until it "
                        "recovers", replica.describe(), type(error).__name__, error)
        replica.reachable = False
        replica.announced_fit = False

    async def check_all(self) -> None:
        """Measure every replica's lag once and decide which are fit."""
        await asyncio.gather(*(self._check_database(i) for i, of_one in
                               enumerate(self.replicas) if of_one))

    async def keep_checking(self) -> None:
        while True:
            await asyncio.sleep(self.policy.check_seconds)
            try:
                await self.check_all()
            except Exception:  # one failed round must not end the checks
                log.exception("checking the read replicas failed")

    async def _check_database(self, index: int) -> None:
        sampled_at = time.monotonic()
        try:
            async with self._timeout(), self.primaries[index].connect() as conn:
                position = _record_end(*(await conn.execute(_PRIMARY_POSITION)).one())
        except Exception as exc:  # no sample: the replicas' verdicts age until the next one
            log.warning("could not read the WAL position of a primary: %s", exc)
            return
        samples = self._samples[index]
        samples.append((sampled_at, position))
        # Older samples could only prove a lag past the bound; the newest always stays.
        while len(samples) > 1 and samples[0][0] < sampled_at - self.policy.max_lag_seconds:
            samples.popleft()
        await asyncio.gather(*(self._check(r, samples) for r in self.replicas[index]))

    async def _check(self, replica: Replica, samples: deque[tuple[float, int]]) -> None:
        try:
            async with self._timeout(), replica.engine.connect() as conn:
                standby, replayed = (await conn.execute(_REPLICA_STATE)).one()
        except Exception as exc:
            self.mark_down(replica, exc)
            return
        replica.reachable = bool(standby)
        if standby and replayed is not None:
            done = _lsn(replayed)
            replica.holds_writes_before = max(
                (at for at, position in samples if position <= done),
                default=replica.holds_writes_before)
        REPLICA_LAG.labels(replica.describe()).set(min(replica.lag_seconds(), 1e9))
        REPLICA_IN_USE.labels(replica.describe()).set(int(self.fit(replica)))
        if self.fit(replica) != replica.announced_fit:
            replica.announced_fit = self.fit(replica)
            self._log_change(replica, standby=bool(standby))

    def _log_change(self, replica: Replica, *, standby: bool) -> None:
        if replica.announced_fit:
            log.info("read replica %s is in use", replica.describe())
        elif not standby:
            log.warning("read replica %s is not a standby (promoted?); reading the primary",
                        replica.describe())
        else:
            log.warning("read replica %s lags more than %s s; reading the primary",
                        replica.describe(), self.policy.max_lag_seconds)

    def _timeout(self) -> asyncio.Timeout:
        return asyncio.timeout(max(1.0, self.policy.check_seconds))

    async def dispose(self) -> None:
        await asyncio.gather(*(r.engine.dispose() for of_one in self.replicas for r in of_one))


def _record_end(insert: str, block_size: int, segment_size: int) -> int:
    """The end of the last WAL record before an insert position.

    On a page that holds nothing yet, the insert position sits just past the page header,
    where no record ends; a replica that replayed everything stops at the page start.
    """
    position = _lsn(insert)
    header = _LONG_PAGE_HEADER if position % segment_size == _LONG_PAGE_HEADER \
        else _SHORT_PAGE_HEADER
    return position - header if position % block_size == header else position


def _lsn(position: str) -> int:
    """A WAL position `HIGH/LOW` (hex) as one comparable number."""
    high, _, low = position.partition("/")
    return (int(high, 16) << 32) | int(low, 16)
