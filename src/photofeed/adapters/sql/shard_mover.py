"""`photofeed shards move`: a range of logical shards to another database, while it serves.

1. Copy while live: a trigger on the source starts recording the key of every row written;
   the range's rows are copied to the target; the recorded rows are copied again, pass
   after pass, until few remain. The source keeps taking writes throughout.
2. Fence: a fence row on the source makes every write to the range wait (fences.py); the
   last recorded rows are copied; the move is recorded as switched on the control database,
   which every process re-reads; the fence becomes "moved", so a process with the old map
   that tries to write there re-reads the map and goes to the target instead.
3. Clean up: after a grace period in which every process has re-read the map, the range's
   rows are deleted from the source. The "moved" fence stays.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from photofeed import ids
from photofeed.adapters.sql import move_copy, shard_moves
from photofeed.adapters.sql.fences import FENCE_LOCK, FENCED, MOVED
from photofeed.adapters.sql.move_tables import MOVED_TABLES
from photofeed.adapters.sql.shard_map import ShardRange, normalise_url, safe_url

Report = Callable[[str], None]
# Catch-up passes while live, until one finds fewer changed rows than this: the pass under
# the fence then has only the last few to copy.
LIVE_CATCH_UPS = 5
SMALL_CATCH_UP = 100
# With a move's ID, an advisory lock a mover holds on the control database while it runs
# that move: a second mover of it (run again by mistake while the first lives) or an abort
# is refused, and the lock goes with the mover's connection if it dies.
MOVER_LOCK = 706_141


class MoveRefused(ValueError):
    """The move cannot start: bad range, unsuitable target, or a clash with another move."""


@dataclass(frozen=True)
class MovePlan:
    first: int
    last: int
    source_url: str
    target_url: str
    control_url: str


def parse_range(text: str) -> tuple[int, int]:
    """`FIRST-LAST` (or one shard) within 0..8191."""
    first, dash, last = text.strip().partition("-")
    if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
        raise MoveRefused(f"{text!r} is not a range of logical shards like 1024-2047")
    low, high = int(first), int(last if dash else first)
    if not 0 <= low <= high < ids.LOGICAL_SHARDS:
        raise MoveRefused(f"logical shards {low}-{high} are not within "
                          f"0-{ids.LOGICAL_SHARDS - 1} (first <= last)")
    return low, high


def plan(ranges: list[ShardRange], control_url: str, first: int, last: int,
         target_url: str) -> MovePlan:
    """Check the move against the current map: one source, a different PostgreSQL target."""
    target = normalise_url(target_url)
    if first == 0:
        # The control database is found as shard 0's in the configured map, by every
        # process; it holds the move records and the ID leases, so it must keep shard 0.
        raise MoveRefused("logical shard 0 stays on the control database (it holds the move "
                          "records and the ID leases); move shards from 1 on")
    owners = [r for r in ranges if r.first <= last and r.last >= first]
    sources = list(dict.fromkeys(r.url for r in owners))
    if len(sources) > 1:
        pieces = ", ".join(f"{max(r.first, first)}-{min(r.last, last)}" for r in owners)
        raise MoveRefused(f"logical shards {first}-{last} lie on {len(sources)} databases; "
                          f"move each piece on its own: {pieces}")
    source = sources[0]
    if source == target:
        raise MoveRefused(f"logical shards {first}-{last} are on {safe_url(target)} already")
    for url, role in ((source, "source"), (target, "target"), (control_url, "control")):
        if not url.startswith("postgresql"):
            raise MoveRefused(f"moving shards needs PostgreSQL; the {role} database is "
                              f"{safe_url(url)}")
    return MovePlan(first, last, source, target, control_url)


async def _connect(url: str, role: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url, timeout=10, server_settings={"TimeZone": "UTC"})
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise MoveRefused(f"the {role} database {safe_url(url)} is unreachable: {exc}") from exc


class ShardMover:
    """Runs one move; `report` receives a line per step for the operator."""

    def __init__(self, move: MovePlan, *, report: Report, grace_seconds: float) -> None:
        self.move = move
        self._report = report
        self._grace = grace_seconds

    async def run(self) -> None:
        async with self._connections() as (control, source, target):
            record = await self._begin(control)
            await _hold(control, record.id)
            if record.state != shard_moves.SWITCHED:
                await self._copy_and_switch(control, source, target, record.id)
            await self._clean_up(control, source, record.id)

    async def abort(self) -> None:
        """Abandon an unfinished move whose mover died, as a failure before the switch
        would: the target's copies deleted, the fence lifted, the move marked failed."""
        move = self.move
        async with self._connections() as (control, source, target):
            row = await control.fetchrow(
                "SELECT * FROM shard_moves WHERE state = ANY($1::text[]) AND first_shard = $2 "
                "AND last_shard = $3 ORDER BY id DESC LIMIT 1",
                list(shard_moves.IN_PROGRESS), move.first, move.last)
            if row is None or normalise_url(row["target_url"]) != move.target_url:
                raise MoveRefused(f"there is no unfinished move of logical shards "
                                  f"{move.first}-{move.last} to {safe_url(move.target_url)}")
            if row["state"] == shard_moves.SWITCHED:
                raise MoveRefused("the move is past its switch: the map already points at "
                                  "the target; run it again without --abort to finish it")
            await _hold(control, row["id"])
            await self._abandon(control, source, target, row["id"], outcome="was aborted")

    @asynccontextmanager
    async def _connections(self) -> AsyncIterator[
            tuple[asyncpg.Connection, asyncpg.Connection, asyncpg.Connection]]:
        """The control, source and target databases' connections, closed afterwards."""
        move = self.move
        control = await _connect(move.control_url, "control")
        source = await _connect(move.source_url, "source")
        target = await _connect(move.target_url, "target")
        try:
            yield control, source, target
        finally:
            for conn in (control, source, target):
                await conn.close()

    async def _begin(self, control: asyncpg.Connection) -> shard_moves.MoveRecord:
        """Record the move, or resume the same one left unfinished; refuse overlaps."""
        move = self.move
        async with control.transaction():
            await control.execute("LOCK TABLE shard_moves IN EXCLUSIVE MODE")
            rows = await control.fetch(
                "SELECT * FROM shard_moves WHERE state = ANY($1::text[]) "
                "AND first_shard <= $3 AND last_shard >= $2 ORDER BY id",
                list(shard_moves.IN_PROGRESS), move.first, move.last)
            for row in rows:
                same = (row["first_shard"], row["last_shard"]) == (move.first, move.last) \
                    and normalise_url(row["target_url"]) == move.target_url
                if not same:
                    raise MoveRefused(
                        f"a move of logical shards {row['first_shard']}-{row['last_shard']} "
                        f"to {safe_url(row['target_url'])} is in progress ({row['state']}); "
                        "finish it first (run the same command again)")
                self._report(f"resuming the unfinished move ({row['state']})")
                return _record(row)
            now = datetime.now(UTC)
            row = await control.fetchrow(
                "INSERT INTO shard_moves (first_shard, last_shard, source_url, target_url, "
                "state, started_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) "
                "RETURNING *", move.first, move.last, move.source_url, move.target_url,
                shard_moves.COPYING, now)
        assert row is not None
        return _record(row)

    async def _copy_and_switch(self, control: asyncpg.Connection, source: asyncpg.Connection,
                               target: asyncpg.Connection, move_id: int) -> None:
        move = self.move
        # A fence left by an interrupted attempt would hold writes up for the whole copy.
        await _carve_fences_locked(source, move.first, move.last)
        await move_copy.prepare_target(target, move.first, move.last)
        await move_copy.start_capture(source)
        switched = False
        try:
            await self._copy_live(source, target)
            await self._fence_and_switch(control, source, target, move_id)
            switched = True
        finally:
            if not switched:
                await self._abandon(control, source, target, move_id, outcome="failed")

    async def _copy_live(self, source: asyncpg.Connection, target: asyncpg.Connection) -> None:
        """Phase 1: copy everything, then catch up while the source keeps taking writes."""
        move = self.move
        started = time.monotonic()
        for table in MOVED_TABLES:
            count = await move_copy.bulk_copy(source, target, table, move.first, move.last)
            self._report(f"copied {count} rows of {table}")
        self._report(f"phase 1 (copy while live) took {time.monotonic() - started:.2f} s")
        for _ in range(LIVE_CATCH_UPS):
            copied = await move_copy.catch_up(source, target, move.first, move.last)
            self._report(f"caught up while live: {_counts(copied)}")
            if sum(copied.values()) < SMALL_CATCH_UP:
                return

    async def _fence_and_switch(self, control: asyncpg.Connection, source: asyncpg.Connection,
                                target: asyncpg.Connection, move_id: int) -> None:
        """Phase 2: fence the range, copy the last changes, switch the map."""
        move = self.move
        fenced_at = time.monotonic()
        await _set_fence(source, move.first, move.last, FENCED)
        await _set_state(control, move_id, shard_moves.FENCED)
        self._report("writes to the range are fenced; copying the last changes")
        copied = await move_copy.catch_up(source, target, move.first, move.last)
        self._report(f"caught up under the fence: {_counts(copied)}")
        async with target.transaction():
            await target.execute("SELECT pg_advisory_xact_lock($1)", FENCE_LOCK)
            await _carve_fences(target, move.first, move.last)
            events = await move_copy.publish_staged(target)
        await move_copy.drop_staging(target)
        await _set_state(control, move_id, shard_moves.SWITCHED)
        self._report(f"switched to {safe_url(move.target_url)} ({events} queued events moved); "
                     f"writes were fenced for {time.monotonic() - fenced_at:.2f} s")

    async def _abandon(self, control: asyncpg.Connection, source: asyncpg.Connection,
                       target: asyncpg.Connection, move_id: int, *, outcome: str) -> None:
        """Undo a move that failed before its switch: the source serves as before."""
        move = self.move
        await move_copy.stop_capture(source)
        await move_copy.drop_staging(target)
        await move_copy.delete_copies(target, move.first, move.last)
        await _carve_fences_locked(source, move.first, move.last)
        await _set_state(control, move_id, shard_moves.FAILED)
        self._report(f"the move {outcome}; its copies are deleted and writes to the range "
                     "resume")

    async def _clean_up(self, control: asyncpg.Connection, source: asyncpg.Connection,
                        move_id: int) -> None:
        move = self.move
        # Here, not before the switch, so waiting writers are let go first; and so a move
        # resumed after its mover died past the switch finishes this too.
        await _set_fence(source, move.first, move.last, MOVED)
        await move_copy.stop_capture(source)
        self._report(f"waiting {self._grace:g} s for every process to re-read the map")
        await asyncio.sleep(self._grace)
        for table in MOVED_TABLES:
            count = await move_copy.delete_range(source, table, move.first, move.last)
            if count:
                self._report(f"deleted {count} moved rows of {table} from the source")
        await _set_state(control, move_id, shard_moves.DONE)
        self._report(f"done: logical shards {move.first}-{move.last} live on "
                     f"{safe_url(move.target_url)}")


async def _hold(control: asyncpg.Connection, move_id: int) -> None:
    if not await control.fetchval("SELECT pg_try_advisory_lock($1::int, $2::int)",
                                  MOVER_LOCK, move_id):
        raise MoveRefused(f"move {move_id} is being run by another mover; wait for it to "
                          "finish, or stop it first")


def _counts(copied: dict[str, int]) -> str:
    return ", ".join(f"{n} {table}" for table, n in sorted(copied.items())) or "nothing changed"


def _record(row: asyncpg.Record) -> shard_moves.MoveRecord:
    return shard_moves.MoveRecord(id=row["id"], first=row["first_shard"],
                                  last=row["last_shard"], source_url=row["source_url"],
                                  target_url=row["target_url"], state=row["state"],
                                  updated_at=row["updated_at"])


async def _set_state(control: asyncpg.Connection, move_id: int, state: str) -> None:
    await control.execute("UPDATE shard_moves SET state = $2, updated_at = $3 WHERE id = $1",
                          move_id, state, datetime.now(UTC))


async def _set_fence(conn: asyncpg.Connection, first: int, last: int, state: str) -> None:
    """Raise (or change) a fence; returns once every write that missed it has committed."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", FENCE_LOCK)
        await _carve_fences(conn, first, last)
        await conn.execute("INSERT INTO shard_fences (first_shard, last_shard, state) "
                           "VALUES ($1, $2, $3)", first, last, state)


async def _carve_fences_locked(conn: asyncpg.Connection, first: int, last: int) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", FENCE_LOCK)
        await _carve_fences(conn, first, last)


async def _carve_fences(conn: asyncpg.Connection, first: int, last: int) -> None:
    """Remove fences from first..last, keeping the parts of them outside it."""
    rows = await conn.fetch("DELETE FROM shard_fences WHERE first_shard <= $2 AND "
                            "last_shard >= $1 RETURNING first_shard, last_shard, state",
                            first, last)
    for row in rows:
        pieces = [(row["first_shard"], first - 1), (last + 1, row["last_shard"])]
        for low, high in pieces:
            if low <= high:
                await conn.execute("INSERT INTO shard_fences (first_shard, last_shard, state) "
                                   "VALUES ($1, $2, $3)", low, high, row["state"])
