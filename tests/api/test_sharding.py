"""One author's posts land on several shard databases, and every read path still sees them."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from photofeed import ids
from tests.api.support import register

pytestmark = pytest.mark.parametrize("backend", ["sqlite-sharded", "scale-out"], indirect=True)


async def test_posts_spread_over_databases_are_all_seen(app: FastAPI,
                                                        client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
    posted = []
    for i in range(12):
        response = await client.post("/api/v1/statuses", headers=bob.headers,
                                      data={"status": f"photo {i}"})
        posted.append(int(response.json()["id"]))
    router = app.state.container.router
    assert len({router.engine_index(ids.shard_of(p)) for p in posted}) == 2
    grid = await client.get(f"/api/v1/accounts/{bob.id}/statuses?limit=40")
    assert sorted(int(s["id"]) for s in grid.json()) == sorted(posted)
    for _ in range(100):  # the in-process worker fans out in the background
        feed = await client.get("/api/v1/timelines/home?limit=40", headers=ann.headers)
        if len(feed.json()) == len(posted):
            break
        await asyncio.sleep(0.1)
    assert sorted(int(s["id"]) for s in feed.json()) == sorted(posted)
