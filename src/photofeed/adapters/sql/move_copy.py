"""Copying a range of logical shards between two PostgreSQL databases, table by table.

Rows travel by binary COPY through a spooled temporary file, so any column type (tsvector
included) arrives exactly and memory stays bounded. They land straight in the target's
tables, which nothing routes the range to until the switch; reads that ask every database
drop the duplicates meanwhile. Outbox events are the exception: they get new IDs on the
target (a sequence per database) and workers there would run them early, so they wait in a
staging schema until the switch. Catching up copies again only the rows whose keys a trigger
on the source recorded since the copy began (migration 0009): an insert, an update and a
delete alike, in every table.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from photofeed import ids
from photofeed.adapters.sql.move_tables import (
    BY_ID,
    BY_KEY,
    MOVED_TABLES,
    RENUMBERED,
    Selection,
    columns,
    select_range,
)

STAGING = "photofeed_incoming"
STAGED = ("outbox",)
TRIGGER = "photofeed_move_capture"
_SPOOL_BYTES = 64 * 1024 * 1024
_DELETE_BATCH = 5000
# How long a change of triggers waits for each table's lock before stepping back, and how
# often it tries (see _yielding_to_writes).
DDL_LOCK_TIMEOUT = "100ms"
DDL_ATTEMPTS = 200


def _home(table: str) -> str:
    """Where the table's copied rows go on the target until the switch."""
    return STAGING if table in STAGED else "public"


async def primary_key(conn: asyncpg.Connection, table: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)", f'public."{table}"')
    return [row[0] for row in rows]


async def start_capture(source: asyncpg.Connection) -> None:
    """Record the key of every row written on the source from now on."""
    keys = {table: await primary_key(source, table) for table in MOVED_TABLES}

    async def install() -> None:
        await source.execute("DELETE FROM shard_move_changes")
        for table in MOVED_TABLES:
            arguments = ", ".join(f"'{c}'" for c in keys[table])
            await source.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON public."{table}"')
            await source.execute(
                f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON public."{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION photofeed_capture_change({arguments})")

    await _yielding_to_writes(source, install)


async def stop_capture(source: asyncpg.Connection) -> None:
    async def remove() -> None:
        for table in MOVED_TABLES:
            await source.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON public."{table}"')
        await source.execute("DELETE FROM shard_move_changes")

    await _yielding_to_writes(source, remove)


async def _yielding_to_writes(conn: asyncpg.Connection,
                              change: Callable[[], Awaitable[None]]) -> None:
    """Run a change of triggers in one transaction that gives way to the service's writes.

    Changing a table's triggers locks it exclusively, table after table, until the commit.
    A write transaction holding one of these tables and wanting the next would deadlock
    with it, and PostgreSQL might pick the write as the victim. Waiting at most
    DDL_LOCK_TIMEOUT for each lock (well below deadlock_timeout, 1 s by default), the change
    steps back instead, releasing what it took, and tries again a moment later.
    """
    for attempt in range(DDL_ATTEMPTS):
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'")
                await change()
            return
        except (asyncpg.LockNotAvailableError, asyncpg.DeadlockDetectedError):
            await asyncio.sleep(min(0.02 * (attempt + 1), 0.5))
    raise RuntimeError(f"could not change the capture triggers in {DDL_ATTEMPTS} attempts: "
                       "writes kept the tables busy; run the move again")


async def prepare_target(target: asyncpg.Connection, first: int, last: int) -> None:
    """No rows of the range on the target (an earlier attempt's), and an empty staging."""
    await drop_staging(target)
    await target.execute(f"CREATE SCHEMA {STAGING}")
    for table in STAGED:
        await target.execute(f'CREATE TABLE {STAGING}."{table}" (LIKE public."{table}")')
    await delete_copies(target, first, last)


async def delete_copies(target: asyncpg.Connection, first: int, last: int) -> None:
    for table in MOVED_TABLES:
        await delete_range(target, table, first, last)


async def drop_staging(target: asyncpg.Connection) -> None:
    await target.execute(f"DROP SCHEMA IF EXISTS {STAGING} CASCADE")


async def _copy(source: asyncpg.Connection, target: asyncpg.Connection, table: str,
                query: str, args: tuple[Any, ...]) -> int:
    """COPY a query's rows from the source into the table's home on the target."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        await source.copy_from_query(query, *args, output=spool, format="binary")
        spool.seek(0)
        result = await target.copy_to_table(table, source=spool, schema_name=_home(table),
                                            format="binary")
    return int(result.rsplit(" ", 1)[-1])


async def bulk_copy(source: asyncpg.Connection, target: asyncpg.Connection, table: str,
                    first: int, last: int) -> int:
    """Copy every row of the range; the source keeps taking writes meanwhile."""
    selection = await select_range(source, table, first, last)
    query = f'SELECT * FROM public."{table}" t WHERE {selection.where}'  # noqa: S608 - names are ours
    return await _copy(source, target, table, query, selection.args)


async def catch_up(source: asyncpg.Connection, target: asyncpg.Connection,
                   first: int, last: int) -> dict[str, int]:
    """Copy again the rows written since the copy began (or the last catch-up).

    Per table: the recorded keys' rows are deleted on the target and copied afresh from the
    source, so a row deleted on the source is gone from the target too. Recorded keys are
    consumed one by one, so a write that commits during this pass is caught by the next.
    """
    changes = await source.fetch("SELECT id, table_name, key FROM shard_move_changes")
    keys: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for change in changes:
        keys[change["table_name"]][change["key"]] = json.loads(change["key"])
    copied = {}
    for table, by_text in keys.items():
        wanted = _in_range(table, list(by_text.values()), first, last)
        if wanted:
            copied[table] = await _replace(source, target, table, wanted, first, last)
    await source.execute("DELETE FROM shard_move_changes WHERE id = ANY($1::bigint[])",
                         [change["id"] for change in changes])
    return copied


def _in_range(table: str, keys: list[dict[str, Any]], first: int,
              last: int) -> list[dict[str, Any]]:
    """The keys of rows on the range (the outbox's key does not say: SQL checks those)."""
    if table in BY_KEY:
        return [k for k in keys if first <= ids.shard_for_key(k[BY_KEY[table]]) <= last]
    if table in BY_ID:
        return [k for k in keys if first <= ids.shard_of(k[BY_ID[table]]) <= last]
    return keys


async def _replace(source: asyncpg.Connection, target: asyncpg.Connection, table: str,
                   keys: list[dict[str, Any]], first: int, last: int) -> int:
    match = " AND ".join(f't."{c}" = k."{c}"' for c in keys[0])
    listed = json.dumps(keys)
    await target.execute(
        f'DELETE FROM {_home(table)}."{table}" t USING '  # noqa: S608 - names are ours
        f'jsonb_populate_recordset(NULL::public."{table}", $1::jsonb) k WHERE {match}', listed)
    if table in BY_KEY or table in BY_ID:
        selection = Selection("true", ())  # _in_range kept only the range's keys
    else:
        selection = await select_range(source, table, first, last)
    n = len(selection.args) + 1
    query = (f'SELECT t.* FROM public."{table}" t JOIN '  # noqa: S608 - names are ours
             f'jsonb_populate_recordset(NULL::public."{table}", ${n}::jsonb) k ON {match} '
             f"WHERE {selection.where}")
    return await _copy(source, target, table, query, (*selection.args, listed))


async def publish_staged(target: asyncpg.Connection) -> int:
    """Move the staged events into the target's outbox (new IDs, same order)."""
    total = 0
    for table in STAGED:
        names = [c for c in await columns(target, table) if c != RENUMBERED.get(table)]
        listed = ", ".join(f'"{c}"' for c in names)
        order = f" ORDER BY {RENUMBERED[table]}" if table in RENUMBERED else ""
        status = await target.execute(
            f'INSERT INTO public."{table}" ({listed}) '  # noqa: S608 - names are ours
            f'SELECT {listed} FROM {STAGING}."{table}"{order}')
        total += int(status.rsplit(" ", 1)[-1])
    return total


async def delete_range(conn: asyncpg.Connection, table: str, first: int, last: int,
                       *, batch: int = _DELETE_BATCH) -> int:
    """Delete the table's rows of the range, in batches of their own transactions."""
    selection = await select_range(conn, table, first, last)
    total = 0
    n = len(selection.args) + 1
    while True:
        status = await conn.execute(
            f'DELETE FROM public."{table}" WHERE ctid = ANY(ARRAY('  # noqa: S608
            f'SELECT t.ctid FROM public."{table}" t WHERE {selection.where} LIMIT ${n}))',
            *selection.args, batch)
        deleted = int(status.rsplit(" ", 1)[-1])
        total += deleted
        if deleted < batch:
            return total
