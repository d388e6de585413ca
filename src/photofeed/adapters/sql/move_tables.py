"""Which rows of each table belong to a range of logical shards, in SQL (PostgreSQL).

Every table but a few global ones is sharded; a row's logical shard comes from one column:
the shard bits of a 64-bit ID (the row's own, its post's, its owner's), an explicit shard
number (the outbox), or the hash of a natural key (ids.shard_for_key), which SQL cannot
compute, so those tables' keys are read and hashed here. A test checks that every table of
a migrated database appears below, so a new table cannot be forgotten by shard moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from photofeed import ids

# The column holding the ID whose shard bits place the row.
BY_ID = {
    "accounts": "id", "account_posts": "account_id", "affinity": "account_id",
    "blocked_by": "target_id", "blocks": "account_id", "favourites": "post_id",
    "followers": "target_id", "follows": "account_id", "idempotency_keys": "account_id",
    "media": "id", "media_blobs": "media_id", "post_search": "post_id", "post_tags": "post_id",
    "posts": "id", "upload_days": "account_id", "user_feed": "owner_id",
}
BY_SHARD = {"outbox": "shard"}
# The natural key hashed by ids.shard_for_key.
BY_KEY = {
    "account_emails": "email_key", "oauth_apps": "client_id", "oauth_codes": "code_hash",
    "oauth_tokens": "token_hash",
}
# Global tables on the control database, and the bookkeeping of moves themselves.
NOT_MOVED = frozenset({"alembic_version", "id_leases", "shard_moves", "shard_fences",
                       "shard_move_changes", "bus_messages"})
MOVED_TABLES = sorted([*BY_ID, *BY_SHARD, *BY_KEY])
# Outbox IDs are a sequence per database: copies get new ones on the target.
RENUMBERED = {"outbox": "id"}


@dataclass(frozen=True)
class Selection:
    """A WHERE clause over alias `t` and its arguments ($1, $2, ...)."""

    where: str
    args: tuple[Any, ...]


async def select_range(conn: asyncpg.Connection, table: str, first: int, last: int,
                       *, schema: str = "public") -> Selection:
    """The rows of `table` (in `schema` on this database) on logical shards first..last."""
    if table in BY_ID:
        shard = f"((t.{BY_ID[table]} >> {ids.SEQUENCE_BITS}) & {ids.LOGICAL_SHARDS - 1})"
        return Selection(f"{shard} BETWEEN $1 AND $2", (first, last))
    if table in BY_SHARD:
        return Selection(f"t.{BY_SHARD[table]} BETWEEN $1 AND $2", (first, last))
    column = BY_KEY[table]
    query = f'SELECT {column} FROM {schema}."{table}"'  # noqa: S608 - names are ours
    keys = [row[0] for row in await conn.fetch(query)
            if first <= ids.shard_for_key(row[0]) <= last]
    return Selection(f"t.{column} = ANY($1::text[])", (keys,))


async def columns(conn: asyncpg.Connection, table: str) -> list[str]:
    """The table's columns in order, as migrations made them."""
    rows = await conn.fetch("SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = 'public' AND table_name = $1 "
                            "ORDER BY ordinal_position", table)
    return [row[0] for row in rows]


async def unlisted_tables(conn: asyncpg.Connection) -> list[str]:
    """Tables of this database that shard moves would not know how to move."""
    rows = await conn.fetch("SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
    known = set(MOVED_TABLES) | NOT_MOVED
    return sorted(row[0] for row in rows if row[0] not in known)
