"""Feed workers as separate processes: a worker killed mid-fan-out loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from photofeed import bootstrap, ids
from photofeed.adapters.sql.schema import accounts, followers, user_feed
from photofeed.bootstrap import Container
from photofeed.config import Settings
from photofeed.domain.posts import NewPost
from tests.conftest import FAST_HASHING
from tests.services import postgres_databases

FOLLOWERS = 20_000


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with postgres_databases(2) as urls:
        yield Settings(data_dir=tmp_path, database_url=",".join(urls), fanout="push",
                       inprocess_workers=False, outbox_lease_seconds=2, **FAST_HASHING)


@pytest.fixture
async def container(pg_settings: Settings) -> AsyncIterator[Container]:
    built = await bootstrap.build(pg_settings)
    try:
        yield built
    finally:
        await built.close()


async def _add_followers(container: Container, author_id: int, count: int) -> None:
    """Followers written straight into the tables: the API would take minutes for this many."""
    now = datetime.now(UTC)
    people = [container.id_source.new_id() for _ in range(count)]
    groups = container.router.group_by_engine(people, ids.shard_of)
    for index, group in groups.items():
        async with container.router.write_engine(index) as conn:
            await conn.execute(insert(accounts), [{
                "id": p, "username": f"f{p}", "username_key": f"f{p}", "email": f"{p}@x.test",
                "password_hash": "-", "created_at": now, "updated_at": now,
                "last_active_at": now} for p in group])
    async with container.router.write(ids.shard_of(author_id)) as conn:
        await conn.execute(insert(followers), [
            {"target_id": author_id, "account_id": p, "state": "accepted", "version": 1}
            for p in people])


async def _delivered(container: Container, post_id: int) -> int:
    async def count(conn: object, _index: int) -> int:
        result = await conn.execute(  # type: ignore[attr-defined]
            select(func.count()).select_from(user_feed).where(user_feed.c.post_id == post_id))
        return int(result.scalar_one())

    return sum(await container.router.gather_engines(range(2), count))


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PHOTOFEED_DATABASE_URL=settings.database_url,
               PHOTOFEED_DATA_DIR=str(settings.data_dir), PHOTOFEED_FANOUT="push",
               PHOTOFEED_OUTBOX_LEASE_SECONDS="2")
    return subprocess.Popen([sys.executable, "-m", "photofeed.cli", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_killed_worker_mid_fan_out_is_finished_by_another(
        container: Container, pg_settings: Settings) -> None:
    author = await container.accounts.register(username="star", email="star@x.test",
                                               password="long enough pw", agreement=True)
    await _add_followers(container, author.id, FOLLOWERS)
    view = await container.posts.create(actor=author, new=NewPost(caption="for everyone"))
    post_id = view.post.id

    first = _worker(pg_settings)
    try:
        delivered = 0
        deadline = time.monotonic() + 60
        # More than the author's own copy: the kill lands among the followers' chunks.
        while delivered <= 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            delivered = await _delivered(container, post_id)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = await _delivered(container, post_id)
    assert 1 < at_kill < FOLLOWERS + 1, "the kill should land in the middle of the fan-out"

    second = _worker(pg_settings)
    try:
        deadline = time.monotonic() + 60
        while await _delivered(container, post_id) < FOLLOWERS + 1:
            assert time.monotonic() < deadline, "the second worker did not finish the fan-out"
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    # Every follower and the author got the post exactly once (the key forbids more).
    assert await _delivered(container, post_id) == FOLLOWERS + 1
    assert await container.outbox.depth() == 0
