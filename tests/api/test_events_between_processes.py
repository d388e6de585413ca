"""Live events between server processes that share their databases and no Redis.

Two apps on the same databases stand for two `serve --workers 2` processes: each has its
own subscribers, and the shared database carries news between them (an event log on
SQLite, NOTIFY on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.api.conftest import ClientFactory
from tests.api.helpers import sharing_databases
from tests.api.support import Person, register
from tests.api.test_streaming import ann_polls_after_bobs_first_post

pytestmark = sharing_databases


async def test_a_long_poll_on_one_process_hears_of_a_post_made_through_another(
        client_with: ClientFactory) -> None:
    # The second runs no outbox worker, so the post's news is published by the first.
    async with client_with() as first, client_with(inprocess_workers=False) as second:
        poll = await ann_polls_after_bobs_first_post(first, polling=second)
        assert not poll.answer.done(), "nothing newer yet, so the poll waits"

        started = time.monotonic()
        await first.post("/api/v1/statuses", headers=poll.bob.headers,
                         data={"status": "second"})
        answer = await asyncio.wait_for(poll.answer, 15)

        assert [s["content"] for s in answer.json()] == ["<p>second</p>"]
        assert time.monotonic() - started < 5, "heard of it long before the poll's end"


# Hybrid pulls authors with this many followers: bob, once ann follows him.
PULLED = {"pull": {"fanout": "pull"}, "hybrid": {"fanout": "hybrid", "celebrity_followers": 1}}


async def reads_home(client: httpx.AsyncClient, who: Person, expected: list[str]) -> None:
    """Read the home feed until it shows what is expected, within 10 s."""
    # A process learns who hybrid pulls within a second (services/celebrities.py).
    started = time.monotonic()
    while True:
        response = await client.get("/api/v1/timelines/home", headers=who.headers)
        assert response.status_code == 200, response.text
        shown = [s["content"] for s in response.json()]
        if shown == expected:
            return
        assert time.monotonic() - started < 10, shown
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("mode", PULLED)
async def test_a_pulled_feed_on_one_process_shows_a_post_made_through_another(
        client_with: ClientFactory, mode: str) -> None:
    # A pulled author's new post, taken by the first process, shows on the second. In pull
    # mode each process keeps its authors' newest posts: the second hears of bob's new one
    # from the first's worker, through the database, instead of showing its old list.
    async with client_with(**PULLED[mode]) as first, \
            client_with(**PULLED[mode], inprocess_workers=False) as second:
        ann, bob = await register(first, "ann"), await register(first, "bob")
        await first.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
        await first.post("/api/v1/statuses", headers=bob.headers, data={"status": "first"})

        await reads_home(second, ann, ["<p>first</p>"])
        await first.post("/api/v1/statuses", headers=bob.headers, data={"status": "second"})
        await reads_home(second, ann, ["<p>second</p>", "<p>first</p>"])


async def test_a_hybrid_feed_on_one_process_shows_a_celebrity_followed_through_another(
        client_with: ClientFactory) -> None:
    # The second process keeps which celebrities ann follows (none) from her first read;
    # it hears of her new follow from the first's worker, not by reading again each time.
    async with client_with(**PULLED["hybrid"]) as first, \
            client_with(**PULLED["hybrid"], inprocess_workers=False) as second:
        ann, bob, cat = [await register(first, n) for n in ("ann", "bob", "cat")]
        await first.post(f"/api/v1/accounts/{bob.id}/follow", headers=cat.headers)
        await first.post("/api/v1/statuses", headers=bob.headers, data={"status": "first"})

        # Once cat sees bob's post on the second, it counts bob among the celebrities.
        await reads_home(second, cat, ["<p>first</p>"])
        await reads_home(second, ann, [])
        await first.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
        await reads_home(second, ann, ["<p>first</p>"])
