"""Copying a range of logical shards between two PostgreSQL databases, table by table.

Rows travel by binary COPY through a spooled temporary file, so any column type (tsvector
included) arrives exactly and memory stays bounded. On the target they land in a staging
schema first: until the switch, nothing the service reads on the target may see them (a
search across all databases would otherwise find them twice). Catching up compares an md5
of every row's text on both sides, which finds inserts, updates and deletes alike in every
table, whatever its key.
"""

from __future__ import annotations

import tempfile

import asyncpg

from photofeed.adapters.sql.move_tables import (
    MOVED_TABLES,
    RENUMBERED,
    Selection,
    columns,
    select_range,
)

STAGING = "photofeed_incoming"
_SPOOL_BYTES = 64 * 1024 * 1024
_DELETE_BATCH = 5000


async def prepare_staging(target: asyncpg.Connection) -> None:
    """An empty staging schema with a copy of each moved table's columns."""
    await target.execute(f"DROP SCHEMA IF EXISTS {STAGING} CASCADE")
    await target.execute(f"CREATE SCHEMA {STAGING}")
    for table in MOVED_TABLES:
        await target.execute(f'CREATE TABLE {STAGING}."{table}" (LIKE public."{table}")')


async def drop_staging(target: asyncpg.Connection) -> None:
    await target.execute(f"DROP SCHEMA IF EXISTS {STAGING} CASCADE")


async def _copy(source: asyncpg.Connection, target: asyncpg.Connection, table: str,
                selection: Selection) -> int:
    """COPY the selected rows of the source's table into the target's staging table."""
    query = f'SELECT * FROM public."{table}" t WHERE {selection.where}'  # noqa: S608 - names are ours
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        await source.copy_from_query(query, *selection.args, output=spool, format="binary")
        spool.seek(0)
        result = await target.copy_to_table(table, source=spool, schema_name=STAGING,
                                            format="binary")
    return int(result.rsplit(" ", 1)[-1])


async def bulk_copy(source: asyncpg.Connection, target: asyncpg.Connection, table: str,
                    first: int, last: int) -> int:
    """Copy every row of the range; the source keeps taking writes meanwhile."""
    return await _copy(source, target, table, await select_range(source, table, first, last))


async def catch_up(source: asyncpg.Connection, target: asyncpg.Connection, table: str,
                   first: int, last: int) -> tuple[int, int]:
    """Make staging equal the source's rows of the range: (rows copied, rows dropped)."""
    selection = await select_range(source, table, first, last)
    here = {row[0] for row in await source.fetch(
        f'SELECT md5(t::text) FROM public."{table}" t WHERE {selection.where}',  # noqa: S608
        *selection.args)}
    there = {row[0] for row in await target.fetch(
        f'SELECT md5(t::text) FROM {STAGING}."{table}" t')}  # noqa: S608 - names are ours
    stale, fresh = sorted(there - here), sorted(here - there)
    if stale:
        await target.execute(
            f'DELETE FROM {STAGING}."{table}" t WHERE md5(t::text) = ANY($1::text[])',  # noqa: S608
            stale)
    copied = 0
    if fresh:
        n = len(selection.args) + 1
        copied = await _copy(source, target, table, Selection(
            f"({selection.where}) AND md5(t::text) = ANY(${n}::text[])",
            (*selection.args, fresh)))
    return copied, len(stale)


async def publish(target: asyncpg.Connection, first: int, last: int) -> int:
    """Replace the target's rows of the range by staging's, in the caller's transaction."""
    total = 0
    for table in MOVED_TABLES:
        await delete_range(target, table, first, last, batch=None)
        names = [c for c in await columns(target, table) if c != RENUMBERED.get(table)]
        listed = ", ".join(f'"{c}"' for c in names)
        order = f" ORDER BY {RENUMBERED[table]}" if table in RENUMBERED else ""
        status = await target.execute(
            f'INSERT INTO public."{table}" ({listed}) '  # noqa: S608 - names are ours
            f'SELECT {listed} FROM {STAGING}."{table}"{order}')
        total += int(status.rsplit(" ", 1)[-1])
    return total


async def delete_range(conn: asyncpg.Connection, table: str, first: int, last: int,
                       *, batch: int | None = _DELETE_BATCH) -> int:
    """Delete the table's rows of the range (in batches, each its own transaction, or not)."""
    selection = await select_range(conn, table, first, last)
    if batch is None:
        status = await conn.execute(
            f'DELETE FROM public."{table}" t WHERE {selection.where}',  # noqa: S608
            *selection.args)
        return int(status.rsplit(" ", 1)[-1])
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
