"""The feed store is a cache: lose Redis, run `photofeed feeds rebuild`, get every feed back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import FastAPI

from photofeed.config import Settings
from photofeed.workers.runner import OutboxWorker
from tests.api.support import Person, register
from tests.conftest import FAST_HASHING
from tests.running_app import started


@pytest.fixture
def backend() -> str:
    return "scale-out"


@pytest.fixture
def settings(database_url: str, redis_settings: dict[str, str], tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    inprocess_workers=False, **redis_settings, **FAST_HASHING)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with started(settings) as application:
        yield application


async def _feeds(client: httpx.AsyncClient, people: list[Person]) -> dict[str, list[str]]:
    found = {}
    for person in people:
        response = await client.get("/api/v1/timelines/home?limit=40", headers=person.headers)
        found[person.username] = [s["id"] for s in response.json()]
    return found


async def test_rebuild_restores_every_feed_after_redis_is_flushed(
        app: FastAPI, client: httpx.AsyncClient, settings: Settings) -> None:
    people = [await register(client, f"user{i}") for i in range(6)]
    for reader in people:
        for author in people:
            if author is not reader and (people.index(author) + people.index(reader)) % 3:
                await client.post(f"/api/v1/accounts/{author.id}/follow",
                                  headers=reader.headers)
    for i, author in enumerate(people * 3):
        await client.post("/api/v1/statuses", headers=author.headers,
                          data={"status": f"post {i}"})
    container = app.state.container
    await OutboxWorker(container.outbox, container.handlers).run_until_idle()
    before = await _feeds(client, people)
    assert all(before.values())

    store = redis.Redis.from_url(settings.feed_url)
    lost = list(store.scan_iter(match=f"{settings.redis_prefix}:feed:*"))
    assert lost, "the feeds were in Redis"
    store.delete(*lost)
    store.close()
    assert not any((await _feeds(client, people)).values()), "nothing left to read"

    env = dict(os.environ, PHOTOFEED_DATABASE_URL=settings.database_url,
               PHOTOFEED_FEED_URL=settings.feed_url,
               PHOTOFEED_REDIS_PREFIX=settings.redis_prefix,
               PHOTOFEED_DATA_DIR=str(settings.data_dir))
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "photofeed.cli", "feeds", "rebuild"], env=env,
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "rebuilt 6/6 feeds" in done.stdout
    assert await _feeds(client, people) == before
