"""Schema migrations: empty databases reach the newest version, and running again is harmless."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
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
