"""Bring every physical database to the newest schema version."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from photofeed.adapters.sql.engines import SQLITE_WRITE
from photofeed.adapters.sql.router import ShardRouter

_SCRIPTS = Path(__file__).with_name("migrations")
# Any fixed number works; it only has to be the same in every photofeed process.
_PG_MIGRATION_LOCK = 7_061_413_600


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def head_revisions() -> tuple[str, ...]:
    """The newest revision of each line of migrations (one, unless branches are open)."""
    return tuple(ScriptDirectory(str(_SCRIPTS)).get_heads())


async def migrate_engine(engine: AsyncEngine) -> None:
    """Upgrade one database; concurrent callers wait for each other instead of racing."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{SQLITE_WRITE: True})
        async with conn.begin():
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                   {"k": _PG_MIGRATION_LOCK})
            await conn.run_sync(lambda sync: command.upgrade(_config(sync), "heads"))


async def migrate_all(router: ShardRouter) -> None:
    """Upgrade every physical database behind the router."""
    for engine in router.engines:
        await migrate_engine(engine)


async def migrate_urls(urls: list[str]) -> None:
    """Upgrade these databases with a router of their own (tests, benchmarks, tools)."""
    router = ShardRouter.from_urls(urls)
    try:
        await migrate_all(router)
    finally:
        await router.dispose()


async def current_revisions(router: ShardRouter) -> list[str | None]:
    """The schema version of each physical database ("a+b" while branches are open)."""
    revisions: list[str | None] = []
    for engine in router.engines:
        async with engine.connect() as conn:
            heads = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_heads())
        revisions.append("+".join(sorted(heads)) or None)
    return revisions
