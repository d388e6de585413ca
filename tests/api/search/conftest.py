"""Search tests drain the outbox themselves, so indexing happens exactly when they say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from photofeed.config import Settings
from tests.conftest import FAST_HASHING
from tests.running_app import started


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    inprocess_workers=False, rate_limits="off", **FAST_HASHING)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with started(settings) as application:
        yield application
