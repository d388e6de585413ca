"""Kill a read server and a worker under load: nothing acknowledged is lost, feeds converge.

The scale-out configuration on loopback: HAProxy (deploy/haproxy.cfg) in front of two read
servers and one write server, two feed workers, two PostgreSQL shard databases and Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.api.support import Person, register
from tests.fault.cluster import ROOT, Cluster, cluster_env
from tests.services import postgres_databases, redis_prefix, unavailable

LOAD_SECONDS = 12.0
KILL_AT, RESTART_AT = 4.0, 7.0


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Cluster, list[str]]]:
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        unavailable("HAProxy", "install it (Debian package haproxy)", FileNotFoundError())
    with postgres_databases(2) as urls, redis_prefix() as (redis_url, prefix):
        deployment = Cluster(env=cluster_env(",".join(urls), redis_url, prefix,
                                             tmp_path / "data"), workdir=tmp_path)
        try:
            for name, role in (("read1", "read"), ("read2", "read"), ("write1", "write")):
                deployment.start_server(name, role)
            for name in ("worker1", "worker2"):
                deployment.start_worker(name)
            for name in ("read1", "read2", "write1"):
                deployment.wait_ready(name)
            yield deployment, urls
        finally:
            deployment.stop_all()


async def _outbox_depth(urls: list[str]) -> int:
    total = 0
    for url in urls:
        conn = await asyncpg.connect(url)
        try:
            total += await conn.fetchval("SELECT count(*) FROM outbox")
        finally:
            await conn.close()
    return int(total)


async def _expected_feed(client: httpx.AsyncClient, reader: Person) -> list[str]:
    following = (await client.get(f"/api/v1/accounts/{reader.id}/following?limit=80",
                                  headers=reader.headers)).json()
    posts: list[str] = []
    for author_id in {a["id"] for a in following} | {reader.id}:
        grid = await client.get(f"/api/v1/accounts/{author_id}/statuses?limit=40",
                                headers=reader.headers)
        posts += [s["id"] for s in grid.json()]
    return sorted(posts, key=int, reverse=True)[:40]


async def _feed(client: httpx.AsyncClient, reader: Person) -> list[str]:
    response = await client.get("/api/v1/timelines/home?limit=40", headers=reader.headers)
    return [s["id"] for s in response.json()]


async def test_killing_a_read_server_and_a_worker_loses_nothing(
        cluster: tuple[Cluster, list[str]], tmp_path: Path,
        record_property: Callable[[str, object], None]) -> None:
    deployment, urls = cluster
    base = deployment.start_proxy()
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        for _ in range(100):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/health/ready")).status_code == 200:
                    break
            await asyncio.sleep(0.1)
        people = [await register(client, f"load{i}") for i in range(8)]
    people_file = tmp_path / "people.json"
    people_file.write_text(json.dumps([{"id": p.id, "token": p.token} for p in people]))
    out = tmp_path / "load.json"
    command = [sys.executable, "-m", "tests.fault.load", base, str(people_file),
               str(LOAD_SECONDS), str(out)]
    load = await asyncio.to_thread(subprocess.Popen, command, cwd=ROOT)
    started = time.time()
    await asyncio.sleep(KILL_AT)
    killed_at = time.time()
    deployment.kill("read1")
    deployment.kill("worker1")
    await asyncio.sleep(RESTART_AT - KILL_AT)
    deployment.start_server("read1", "read")
    deployment.start_worker("worker1")
    assert await asyncio.to_thread(load.wait, 120) == 0
    result = json.loads(out.read_text())
    assert len(result["posts"]) > 10, "the load ran"
    assert len(result["ok"]) > 40
    # A read in flight on the killed server is retried by the proxy (and by the client
    # once more); writes never went there. So nothing may fail at all.
    assert result["failed"] == [], (killed_at - started, result["failed"][:5])

    deadline = time.monotonic() + 60
    while await _outbox_depth(urls):
        assert time.monotonic() < deadline, "the workers did not drain the outbox"
        await asyncio.sleep(0.5)
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        for post_id, _author in result["posts"]:
            shown = await client.get(f"/api/v1/statuses/{post_id}")
            assert shown.status_code == 200, f"acknowledged post {post_id} was lost"
        for reader in people:
            expected = await _expected_feed(client, reader)
            assert await _feed(client, reader) == expected, reader.username
    record_property("fault_figures", {
        "requests answered": len(result["ok"]), "failed": len(result["failed"]),
        "retried": len(result["retried"]), "posts acknowledged": len(result["posts"]),
        "posts found": len(result["posts"]), "feeds checked": len(people)})
