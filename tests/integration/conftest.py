"""Fixtures for adapter tests against real databases, on every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from photofeed.adapters.sql.migrate import migrate_all
from photofeed.adapters.sql.router import ShardRouter
from photofeed.config import Settings
from tests.conftest import BACKENDS, fresh_database


async def _migrated(database_url: str) -> ShardRouter:
    shards = ShardRouter.from_urls(Settings(database_url=database_url).database_urls)
    await migrate_all(shards)
    return shards


@pytest.fixture
async def router(database_url: str) -> AsyncIterator[ShardRouter]:
    """A migrated shard router over a fresh database of the backend."""
    shards = await _migrated(database_url)
    try:
        yield shards
    finally:
        await shards.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    backend = str(request.param)
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_router(module_database_url: str) -> AsyncIterator[ShardRouter]:
    """One migrated router per backend for a whole module, to spare a database per test.

    Tests using it share the data: each must use names no other test in the module uses.
    """
    shards = await _migrated(module_database_url)
    try:
        yield shards
    finally:
        await shards.dispose()
