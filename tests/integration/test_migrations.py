"""Schema migrations: empty databases reach the newest version, and running again is harmless."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from photofeed.adapters.sql import migrate
from photofeed.adapters.sql.router import ShardRouter
from photofeed.cli import main
from photofeed.config import Settings
from tests.services import postgres_databases

TABLES = {"accounts", "account_emails", "oauth_apps", "oauth_tokens", "oauth_codes", "id_leases"}
# Branches merged side by side may leave several heads; a database must be at all of them.
HEADS = set(ScriptDirectory(str(Path(migrate.__file__).with_name("migrations"))).get_heads())


@pytest.fixture(params=["sqlite", "sqlite-sharded", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like `database_url`, but PostgreSQL too starts with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'one.sqlite3'}"
    elif request.param == "sqlite-sharded":
        yield f"sqlite:///{tmp_path / 'a.sqlite3'},sqlite:///{tmp_path / 'b.sqlite3'}"
    else:
        with postgres_databases(2, migrated=False) as urls:
            yield ",".join(urls)


async def heads_and_tables(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    async with engine.connect() as conn:
        heads = await conn.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads()))
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return heads, tables


async def test_migrating_twice_leaves_every_database_at_head(empty_database_url: str) -> None:
    router = ShardRouter.from_urls(Settings(database_url=empty_database_url).database_urls)
    try:
        assert [await heads_and_tables(e) for e in router.engines] == \
            [(set(), set())] * len(router.engines)
        await migrate.migrate_all(router)
        await migrate.migrate_all(router)
        for engine in router.engines:
            heads, tables = await heads_and_tables(engine)
            assert heads == HEADS
            assert tables >= TABLES
    finally:
        await router.dispose()


def test_the_migrate_command_succeeds_and_can_run_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        assert main(["migrate", "--data-dir", str(tmp_path)]) == 0
        assert "migrated 1 database(s)" in capsys.readouterr().out


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    with postgres_databases(1, migrated=False) as [url]:
        yield url


@pytest.mark.postgres
async def test_indexes_built_beforehand_concurrently_are_taken_as_they_are(
        empty_postgres_url: str) -> None:
    """A large live database gets 0012's indexes with CREATE INDEX CONCURRENTLY first."""
    router = ShardRouter.from_urls([empty_postgres_url])
    engine = router.engines[0]
    try:
        await migrate.migrate_all(router)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(migrate._config(sync), "0011"))
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in PREBUILT_0012:
                await conn.execute(text(statement))
        await migrate.migrate_all(router)
        heads, _ = await heads_and_tables(engine)
        assert heads == HEADS
    finally:
        await router.dispose()


PREBUILT_0012 = (
    "CREATE INDEX CONCURRENTLY ix_followers_by_account "
    "ON followers (account_id, state, target_id)",
    "CREATE INDEX CONCURRENTLY ix_account_posts_feed "
    "ON account_posts (account_id, post_id) INCLUDE (is_reply, visibility)")

