"""The scale-out backend: the same data set in PostgreSQL shard databases and Redis.

The benchmark creates the shard databases on a PostgreSQL server, migrates them with
photofeed's own migrations and copies the embedded data set's rows into them, each row on
the database the shard router assigns it to (COPY, secondary indexes rebuilt afterwards,
then VACUUM ANALYZE, which leaves the tables as autovacuum leaves settled ones: statistics
for the planner, and pages marked all-visible, so that covering indexes answer alone).
Each fan-out mode's stored feeds go into Redis in the Redis feed store's own key and
member format, under a key prefix of this run, loaded before the mode is measured and
deleted after it: Redis is shared, and one mode's feeds at a time is all a measurement
needs. Copying the built SQLite set, rather than generating rows a second time, makes
both backends hold exactly the same accounts, edges, posts and feeds.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from redis.asyncio import Redis

from feed_backends import PROBE, Visible
from feed_data import DataSet, refresh_activity
from photofeed import ids
from photofeed.adapters.redis.feeds import RedisFeedStore, _member
from photofeed.adapters.sql.migrate import migrate_urls
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.feed import FeedEntry
from progress import Progress

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Which logical shard each table's rows belong to, as the SQL adapters place them.
_BY_ID: Callable[[Any], int] = ids.shard_of
PLACEMENT: dict[str, tuple[str, Callable[[Any], int]]] = {
    "accounts": ("id", _BY_ID),
    "account_emails": ("email_key", ids.shard_for_key),
    "oauth_apps": ("client_id", ids.shard_for_key),
    "oauth_tokens": ("token_hash", ids.shard_for_key),
    "follows": ("account_id", _BY_ID),
    "followers": ("target_id", _BY_ID),
    "posts": ("id", _BY_ID),
    "post_tags": ("post_id", _BY_ID),
    "account_posts": ("account_id", _BY_ID),
}
# Which of owners' feeds hold a member, in one round trip (KEYS: feeds, ARGV[1]: member).
_HAS_MEMBER = """
local found = {}
for i, key in ipairs(KEYS) do
  found[i] = redis.call('ZSCORE', key, ARGV[1]) and 1 or 0
end
return found
"""
_BATCH = 20_000


def _converter(pg_type: str) -> Callable[[Any], Any] | None:
    if pg_type.startswith("timestamp"):
        def moment(value: Any) -> Any:
            if value is None or isinstance(value, datetime):
                return value
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
        return moment
    if pg_type == "boolean":
        return lambda value: None if value is None else bool(value)
    return None


class ScaleOut:
    """PostgreSQL shard databases plus a Redis key prefix, made for one benchmark run."""

    name = "scale-out"

    def __init__(self, data: DataSet, *, shards: int = 2, cap: int = 800,
                 admin_url: str = ADMIN_URL, redis_url: str = REDIS_URL,
                 keep: bool = False) -> None:
        run = uuid.uuid4().hex[:10]
        self._data = data
        self._cap = cap
        self._admin_url = admin_url
        self._base = admin_url.rsplit("/", 1)[0]
        self._names = [f"photofeed_bench_{run}_{n}" for n in range(shards)]
        self.urls = [f"{self._base}/{name}" for name in self._names]
        self.redis_url = redis_url
        self.prefix = f"photofeed-bench-{run}"
        self.keep = keep
        self._router = ShardRouter.from_urls(self.urls)
        self.feed_rows: dict[str, int] = {}
        self.feed_bytes: dict[str, int] = {}

    # -- life cycle ------------------------------------------------------------------

    async def create(self) -> None:
        """Make, migrate and fill the shard databases."""
        admin = await asyncpg.connect(self._admin_url)
        try:
            for name in self._names:
                await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        await migrate_urls(self.urls)
        base = self._data.paths["pull"]  # the graph, posts and tokens without feeds
        refresh_activity(base)
        conns = [await asyncpg.connect(url) for url in self.urls]
        try:
            await self._copy(base, conns)
        finally:
            await asyncio.gather(*(c.close() for c in conns))

    async def drop(self) -> None:
        """Remove the databases and every Redis key of this run (unless keeping them)."""
        await self._router.dispose()
        if self.keep:
            return
        admin = await asyncpg.connect(self._admin_url)
        try:
            for name in self._names:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        await self._delete_keys(self.prefix)

    async def _copy(self, source: str, conns: list[asyncpg.Connection]) -> None:
        db = sqlite3.connect(source)
        try:
            counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                      for t in PLACEMENT}
            indexes = await asyncio.gather(*(_drop_secondary(c) for c in conns))
            with Progress("PostgreSQL shards", sum(counts.values())) as progress:
                for table in PLACEMENT:
                    await self._copy_table(db, table, conns, progress)
            with Progress("indexes and VACUUM ANALYZE", len(conns), unit="databases") as progress:
                for conn, made in zip(conns, indexes, strict=True):
                    for statement in made:
                        await conn.execute(statement)
                    await conn.execute("VACUUM ANALYZE")
                    progress.advance(1)
        finally:
            db.close()

    async def _copy_table(self, db: sqlite3.Connection, table: str,
                          conns: list[asyncpg.Connection], progress: Progress) -> None:
        types = dict(await conns[0].fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = $1", table))
        local = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        columns = [c for c in local if c in types]
        convert = [_converter(types[c]) for c in columns]
        key_at = columns.index(PLACEMENT[table][0])
        shard_of = PLACEMENT[table][1]
        cursor = db.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
        while rows := cursor.fetchmany(_BATCH):
            batches: list[list[tuple[Any, ...]]] = [[] for _ in conns]
            for row in rows:
                record = tuple(v if f is None else f(v) for v, f in zip(row, convert,
                                                                         strict=True))
                batches[self._router.engine_index(shard_of(row[key_at]))].append(record)
            await asyncio.gather(*(conn.copy_records_to_table(table, records=batch,
                                                              columns=columns)
                                   for conn, batch in zip(conns, batches, strict=True)
                                   if batch))
            progress.advance(len(rows))

    # -- feeds per mode ------------------------------------------------------------------

    def _prefix(self, mode: str) -> str:
        return f"{self.prefix}-{mode}"

    async def load_feeds(self, mode: str) -> None:
        """Write this mode's stored feeds into Redis, as fan-out would have left them."""
        client = Redis.from_url(self.redis_url)
        store = RedisFeedStore(client, prefix=self._prefix(mode), cap=self._cap)
        db = sqlite3.connect(self._data.paths[mode])
        rows = 0
        try:
            total = db.execute("SELECT count(*) FROM user_feed").fetchone()[0]
            cursor = db.execute("SELECT owner_id, post_id, author_id FROM user_feed "
                                "ORDER BY owner_id, post_id")
            with Progress(f"{mode} feeds into Redis", total) as progress:
                while chunk := cursor.fetchmany(_BATCH):
                    feeds: dict[int, dict[str, int]] = {}
                    for owner, post_id, author_id in chunk:
                        feeds.setdefault(owner, {})[_member(FeedEntry(
                            post_id=post_id, author_id=author_id))] = 0
                    async with client.pipeline(transaction=False) as pipe:
                        for owner, members in feeds.items():
                            pipe.zadd(store.key(owner), members)
                        await pipe.execute()
                    rows += len(chunk)
                    progress.advance(len(chunk))
            self.feed_rows[mode] = rows
            self.feed_bytes[mode] = await _memory_of(client, f"{self._prefix(mode)}:feed:*")
        finally:
            db.close()
            await client.aclose()

    async def unload_feeds(self, mode: str) -> None:
        if not self.keep:
            await self._delete_keys(self._prefix(mode))

    async def _delete_keys(self, prefix: str) -> None:
        client = Redis.from_url(self.redis_url)
        try:
            batch: list[bytes] = []
            async for key in client.scan_iter(match=f"{prefix}*", count=5000):
                batch.append(key)
                if len(batch) >= 5000:
                    await client.unlink(*batch)
                    batch = []
            if batch:
                await client.unlink(*batch)
        finally:
            await client.aclose()

    # -- Backend ---------------------------------------------------------------------

    def config(self, mode: str) -> dict[str, str]:
        return {"database_url": ",".join(self.urls), "feed_url": self.redis_url,
                "events_url": self.redis_url, "redis_prefix": self._prefix(mode)}

    @asynccontextmanager
    async def _shards(self) -> AsyncIterator[list[asyncpg.Connection]]:
        conns = [await asyncpg.connect(url) for url in self.urls]
        try:
            yield conns
        finally:
            await asyncio.gather(*(c.close() for c in conns))

    def _shard_conn(self, conns: list[asyncpg.Connection], key: int) -> asyncpg.Connection:
        return conns[self._router.engine_index(ids.shard_of(key))]

    async def refresh_activity(self, mode: str) -> None:
        now = datetime.now(UTC)
        async with self._shards() as conns:
            newest = max([await c.fetchval("SELECT max(last_active_at) FROM accounts")
                          for c in conns if await c.fetchval("SELECT count(*) FROM accounts")])
            for conn in conns:
                await conn.execute(
                    "UPDATE accounts SET last_active_at = CASE WHEN last_active_at > $1 "
                    "THEN $2::timestamptz ELSE $3::timestamptz END",
                    newest - timedelta(days=30), now - timedelta(minutes=10),
                    now - timedelta(days=60))

    async def forget_probes(self, mode: str) -> None:
        async with self._shards() as conns:
            probes = [tuple(r) for c in conns for r in await c.fetch(
                "SELECT id, account_id FROM posts WHERE caption LIKE $1", f"{PROBE}%")]
            found = [p for p, _ in probes]
            for conn in conns:
                for table, column in (("posts", "id"), ("account_posts", "post_id"),
                                      ("post_tags", "post_id")):
                    await conn.execute(f"DELETE FROM {table} WHERE {column} = ANY($1)",  # noqa: S608
                                       found)
                await conn.executemany("UPDATE accounts SET statuses_count = "
                                       "statuses_count - 1 WHERE id = $1",
                                       [(a,) for _, a in probes])
                await conn.execute("DELETE FROM outbox")
        if not probes or mode not in self.feed_rows:
            return
        client = Redis.from_url(self.redis_url)
        store = RedisFeedStore(client, prefix=self._prefix(mode), cap=self._cap)
        try:
            for author in {a for _, a in probes}:
                readers = [author, *await self.followers(mode, author, None)]
                await store.remove_posts(readers, [p for p, a in probes if a == author])
        finally:
            await client.aclose()

    async def followers(self, mode: str, author_id: int,
                        active_since: datetime | None) -> list[int]:
        async with self._shards() as conns:
            found = [r[0] for r in await self._shard_conn(conns, author_id).fetch(
                "SELECT account_id FROM followers WHERE target_id = $1 AND state = "
                "'accepted'", author_id)]
            if active_since is None:
                return found
            active: set[int] = set()
            for conn in conns:
                active.update(r[0] for r in await conn.fetch(
                    "SELECT id FROM accounts WHERE id = ANY($1) AND last_active_at > $2",
                    found, active_since))
        return [f for f in found if f in active]

    @asynccontextmanager
    async def watch(self, mode: str, post_id: int, author_id: int,
                    pulled: bool) -> AsyncIterator[Visible]:
        client = Redis.from_url(self.redis_url)
        store = RedisFeedStore(client, prefix=self._prefix(mode), cap=self._cap)
        member = _member(FeedEntry(post_id=post_id, author_id=author_id))
        index = self._router.engine_index(ids.shard_of(author_id))
        conn = await asyncpg.connect(self.urls[index]) if pulled else None

        async def visible(owners: list[int]) -> list[int]:
            if conn is not None:  # read-time merge: visible once the author's index has it
                found = await conn.fetchval("SELECT 1 FROM account_posts WHERE account_id "
                                            "= $1 AND post_id = $2", author_id, post_id)
                return owners if found else []
            keys = [store.key(o) for o in owners]
            flags = await client.eval(_HAS_MEMBER, len(keys), *keys, member)
            return [o for o, flag in zip(owners, flags, strict=True) if flag]

        try:
            yield visible
        finally:
            await client.aclose()
            if conn is not None:
                await conn.close()

    async def feed_entries_of(self, mode: str, author_id: int, post_ids: list[int]) -> int:
        owners = [author_id, *await self.followers(mode, author_id, None)]
        client = Redis.from_url(self.redis_url)
        store = RedisFeedStore(client, prefix=self._prefix(mode), cap=self._cap)
        keys = [store.key(o) for o in owners]
        try:
            total = 0
            for post_id in post_ids:
                member = _member(FeedEntry(post_id=post_id, author_id=author_id))
                total += sum(await client.eval(_HAS_MEMBER, len(keys), *keys, member))
            return total
        finally:
            await client.aclose()


async def _drop_secondary(conn: asyncpg.Connection) -> list[str]:
    """Drop the indexes of the loaded tables that are not constraints; their definitions."""
    rows = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
        "tablename = ANY($1) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        list(PLACEMENT))
    for row in rows:
        await conn.execute(f'DROP INDEX "{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


async def _memory_of(client: Redis, pattern: str) -> int:
    keys = [k async for k in client.scan_iter(match=pattern, count=5000)]
    total = 0
    for start in range(0, len(keys), 5000):
        async with client.pipeline(transaction=False) as pipe:
            for key in keys[start:start + 5000]:
                pipe.memory_usage(key)
            total += sum(v or 0 for v in await pipe.execute())
    return total

