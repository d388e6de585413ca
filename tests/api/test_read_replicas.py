"""Read replicas: reads go to a streaming standby, the author reads her own writes from the
primary, and a standby that lags too far or dies is skipped without failing a request.

Each test runs against a real PostgreSQL primary and hot standby of its own making
(tests/replication.py); pausing WAL replay on the standby makes stale reads visible.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from photofeed.adapters.sql.replicas import ReplicaPolicy, ReplicaSet
from photofeed.adapters.sql.router import ShardRouter
from photofeed.config import Settings
from photofeed.ports import reads
from photofeed.ports.reads import ReadSession, ReplicaLost
from tests.api.support import Person, register
from tests.conftest import FAST_HASHING
from tests.conftest import serving as serving_process
from tests.replication import StreamingPair, streaming_pair
from tests.running_app import serving
from tests.services import redis_prefix

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pair() -> Iterator[StreamingPair]:
    with streaming_pair() as running:
        yield running


def replica_settings(pair: StreamingPair, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, database_url=f"{pair.primary_url}|{pair.replica_url}",
                    replica_check_seconds=0.1, **(FAST_HASHING | overrides))


def replicas_of(app: FastAPI) -> ReplicaSet:
    return app.state.container.router.replicas  # type: ignore[no-any-return]


async def eventually(condition: Callable[[], bool], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.02)


async def replica_in_use(app: FastAPI) -> None:
    replicas = replicas_of(app)
    await eventually(lambda: replicas.pick(0) is not None, "the replica is in use")


async def people_from_earlier(pair: StreamingPair, data_dir: Path,
                              *names: str) -> list[Person]:
    """Accounts signed up on another server a while ago: nobody remembers their writes."""
    async with serving(Settings(data_dir=data_dir, database_url=pair.primary_url,
                                **FAST_HASHING)) as (_, client):
        people = [await register(client, f"{name}{uuid.uuid4().hex[:8]}") for name in names]
    await pair.wait_replayed()
    return people


@asynccontextmanager
async def replay_paused(pair: StreamingPair) -> AsyncIterator[None]:
    await pair.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        await pair.replica_sql("SELECT pg_wal_replay_resume()")


async def statuses_of(client: httpx.AsyncClient, author: Person,
                      reader: Person | None) -> list[str]:
    response = await client.get(f"/api/v1/accounts/{author.id}/statuses",
                                headers=reader.headers if reader else {})
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


async def test_others_read_the_replica_while_the_author_reads_her_write(
        pair: StreamingPair, tmp_path: Path) -> None:
    ann, bob = await people_from_earlier(pair, tmp_path / "data", "ann", "bob")
    settings = replica_settings(pair, tmp_path / "data", replica_max_lag_seconds=60)
    async with serving(settings) as (app, client):
        await replica_in_use(app)
        async with replay_paused(pair):
            posted = await client.post("/api/v1/statuses", headers=ann.headers,
                                       data={"status": "just now"})
            assert posted.status_code == 200, posted.text
            post_id = posted.json()["id"]
            assert await statuses_of(client, ann, reader=bob) == []
            assert await statuses_of(client, ann, reader=None) == []
            assert (await client.get(f"/api/v1/statuses/{post_id}")).status_code == 404
            assert await statuses_of(client, ann, reader=ann) == [post_id]
            mine = await client.get(f"/api/v1/statuses/{post_id}", headers=ann.headers)
            assert mine.status_code == 200
        await pair.wait_replayed()
        assert await statuses_of(client, ann, reader=bob) == [post_id]
        metrics = (await client.get("/metrics")).text
        assert f'photofeed_replica_in_use{{replica="{pair.replica_url}"}} 1.0' in metrics


async def test_read_your_writes_holds_across_a_write_server_and_a_read_server(
        pair: StreamingPair, tmp_path: Path) -> None:
    ann, bob = await people_from_earlier(pair, tmp_path / "data", "ann", "bob")
    with redis_prefix() as (redis_url, prefix):
        shared = {"redis_url": redis_url, "redis_prefix": prefix, "replica_max_lag_seconds": 60}
        async with serving(replica_settings(pair, tmp_path / "w", role="write", **shared)) as (
                _, writer), \
                serving(replica_settings(pair, tmp_path / "r", role="read", **shared)) as (
                read_app, reader):
            await replica_in_use(read_app)
            async with replay_paused(pair):
                posted = await writer.post("/api/v1/statuses", headers=ann.headers,
                                           data={"status": "from the write server"})
                assert posted.status_code == 200, posted.text
                assert await statuses_of(reader, ann, reader=ann) == [posted.json()["id"]]
                assert await statuses_of(reader, ann, reader=bob) == []


async def test_a_replica_lagging_past_the_bound_is_skipped(
        pair: StreamingPair, tmp_path: Path) -> None:
    ann, bob = await people_from_earlier(pair, tmp_path / "data", "ann", "bob")
    settings = replica_settings(pair, tmp_path / "data", replica_max_lag_seconds=0.5)
    async with serving(settings) as (app, client):
        await replica_in_use(app)
        async with replay_paused(pair):
            posted = await client.post("/api/v1/statuses", headers=ann.headers,
                                       data={"status": "while the replica is paused"})
            post_id = posted.json()["id"]
            started = time.monotonic()
            while await statuses_of(client, ann, reader=bob) != [post_id]:
                assert time.monotonic() - started < 5, "reads stayed on the lagging replica"
                await asyncio.sleep(0.05)
            # Only the primary has the post: the paused replica is out of use.
            assert replicas_of(app).pick(0) is None
        await replica_in_use(app)
        assert await statuses_of(client, ann, reader=bob) == [post_id]


async def test_a_replica_unreachable_at_start_up_leaves_reads_on_the_primary(
        pair: StreamingPair, tmp_path: Path) -> None:
    dead = "postgresql://postgres@127.0.0.1:1/photofeed"
    settings = Settings(data_dir=tmp_path, database_url=f"{pair.primary_url}|{dead}",
                        replica_check_seconds=0.1, **FAST_HASHING)
    async with serving(settings) as (app, client):
        ann = await register(client, f"ann{uuid.uuid4().hex[:8]}")
        posted = await client.post("/api/v1/statuses", headers=ann.headers,
                                   data={"status": "no replica needed"})
        assert await statuses_of(client, ann, reader=None) == [posted.json()["id"]]
        assert replicas_of(app).pick(0) is None
        ready = await client.get("/health/ready")
        assert ready.status_code == 200, ready.text


async def test_a_replica_failing_mid_read_is_reported_for_a_retry_on_the_primary(
        pair: StreamingPair) -> None:
    router = ShardRouter.from_urls([f"{pair.primary_url}|{pair.replica_url}"],
                                   replica_policy=ReplicaPolicy(check_seconds=0.1))
    token = reads.use(ReadSession(replica_ok=True))
    try:
        await checked_until_in_use(router)
        assert await read_on_a_standby(router) is True
        with pytest.raises(ReplicaLost):
            await read_through_a_killed_connection(router, pair)
        assert await read_on_a_standby(router) is False  # out of use until checked again
        await checked_until_in_use(router)
        assert await read_on_a_standby(router) is True
    finally:
        reads.leave(token)
        await router.dispose()


async def checked_until_in_use(router: ShardRouter) -> None:
    # Generous: under a parallel test run a fresh standby took over 10 s to catch up once.
    deadline = time.monotonic() + 30
    while await router.replicas.check_all() or router.replicas.pick(0) is None:
        assert time.monotonic() < deadline, "the replica never came into use"
        await asyncio.sleep(0.05)


async def read_on_a_standby(router: ShardRouter) -> bool:
    async with router.read(0) as conn:
        return bool((await conn.execute(text("SELECT pg_is_in_recovery()"))).scalar())


async def read_through_a_killed_connection(router: ShardRouter, pair: StreamingPair) -> None:
    async with router.read(0) as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
        await pair.replica_sql(f"SELECT pg_terminate_backend({pid})")
        await conn.execute(text("SELECT 1"))


@pytest.fixture
def own_pair() -> Iterator[StreamingPair]:
    """A pair for one test alone, as that test kills the replica."""
    with streaming_pair() as running:
        yield running


async def test_requests_keep_succeeding_from_the_primary_when_the_replica_dies(
        own_pair: StreamingPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ann, bob = await people_from_earlier(own_pair, tmp_path / "setup", "ann", "bob")
    monkeypatch.setenv("PHOTOFEED_DATABASE_URL", f"{own_pair.primary_url}|{own_pair.replica_url}")
    monkeypatch.setenv("PHOTOFEED_REPLICA_CHECK_SECONDS", "0.2")
    monkeypatch.setenv("PHOTOFEED_REPLICA_MAX_LAG_SECONDS", "60")
    with serving_process(tmp_path / "live") as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            await own_pair.replica_sql("SELECT pg_wal_replay_pause()")
            posted = await client.post("/api/v1/statuses", headers=ann.headers,
                                       data={"status": "while the replica lives"})
            assert posted.status_code == 200, posted.text
            # Stale for bob: the live server reads the (paused) replica.
            assert await statuses_of(client, ann, reader=bob) == []
            codes = await load_while(client, bob, ann, lambda: asyncio.to_thread(
                own_pair.stop_replica))
            assert codes
            assert set(codes) == {200}, codes
            assert await statuses_of(client, ann, reader=bob) == [posted.json()["id"]]
            again = await client.post("/api/v1/statuses", headers=ann.headers,
                                      data={"status": "after it died"})
            assert again.status_code == 200
            assert await statuses_of(client, ann, reader=bob) == [
                again.json()["id"], posted.json()["id"]]


async def load_while(client: httpx.AsyncClient, reader: Person, author: Person,
                     event: Callable[[], Any]) -> list[int]:
    """Read as `reader` from four loops at once, before, during and a second after `event`."""
    codes: list[int] = []
    stop = asyncio.Event()
    paths = [f"/api/v1/accounts/{author.id}/statuses", "/api/v1/timelines/home",
             f"/api/v1/accounts/{author.id}", "/api/v1/timelines/public"]

    async def read(path: str) -> None:
        while not stop.is_set():
            codes.append((await client.get(path, headers=reader.headers)).status_code)

    loops = [asyncio.create_task(read(path)) for path in paths]
    await asyncio.sleep(0.3)
    await event()
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*loops)
    return codes
