"""`--role read|write`: each kind of server refuses the other kind of request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.api.support import register
from tests.conftest import FAST_HASHING


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """A read, a write and an all-round server over the same database."""
    clients = {}
    managers = []
    for role in ("all", "read", "write"):
        settings = Settings(data_dir=tmp_path, role=role, inprocess_workers=role == "all",
                            **FAST_HASHING)
        app = create_app(settings)
        manager = LifespanManager(app)
        await manager.__aenter__()
        managers.append(manager)
        clients[role] = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                          base_url="http://testserver")
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.aclose()
        for manager in reversed(managers):
            await manager.__aexit__(None, None, None)


async def test_reads_and_writes_go_to_their_own_servers(
        servers: dict[str, httpx.AsyncClient]) -> None:
    ann = await register(servers["all"], "ann")
    posted = await servers["write"].post("/api/v1/statuses", headers=ann.headers,
                                         data={"status": "written here"})
    assert posted.status_code == 200
    shown = await servers["read"].get(f"/api/v1/statuses/{posted.json()['id']}")
    assert shown.json()["content"] == "<p>written here</p>"

    refused = await servers["read"].post("/api/v1/statuses", headers=ann.headers,
                                         data={"status": "wrong server"})
    assert refused.status_code == 405
    assert "read server" in refused.json()["error"]
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"
    refused = await servers["write"].get("/api/v1/timelines/home", headers=ann.headers)
    assert refused.status_code == 405
    assert "write server" in refused.json()["error"]
    for client in servers.values():
        assert (await client.get("/health/live")).status_code == 200


async def test_past_the_connection_limit_clients_get_a_fast_503(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_connections=2, rate_limits="off",
                        **FAST_HASHING)
    app = create_app(settings)
    async with LifespanManager(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        ann = await register(client, "ann")
        first = await client.post("/api/v1/statuses", headers=ann.headers,
                                  data={"status": "hello"})
        holding = [asyncio.create_task(client.get(
            "/api/v1/timelines/home", headers=ann.headers,
            params={"min_id": first.json()["id"], "wait": "3"})) for _ in range(2)]
        await asyncio.sleep(0.5)
        started = time.monotonic()
        refused = await client.get("/api/v1/instance")
        assert time.monotonic() - started < 1
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert "connection limit" in refused.json()["error"]
        assert (await client.get("/health/live")).status_code == 200
        assert [r.status_code for r in await asyncio.gather(*holding)] == [200, 200]
        assert (await client.get("/api/v1/instance")).status_code == 200
