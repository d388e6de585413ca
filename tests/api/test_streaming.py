"""Live delivery: server-sent events and the long poll, against a real server."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.api.support import Person, register
from tests.conftest import serving


async def _next_event(lines: object, within: float = 10.0) -> tuple[str, str]:
    """The next `event:`/`data:` pair on an SSE stream, skipping heartbeats."""
    event = ""
    deadline = time.monotonic() + within
    async for line in lines:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "no event in time"
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event:
            return event, line.removeprefix("data: ")
    raise AssertionError("the stream ended")


async def test_followers_stream_receives_posts_and_deletes(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        ann, bob = await register(client, "ann"), await register(client, "bob")
        await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
        assert (await client.get("/api/v1/streaming/health")).text == "OK"
        async with client.stream("GET", "/api/v1/streaming/user",
                                 headers=ann.headers) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            sent_at = time.monotonic()
            created = await client.post("/api/v1/statuses", headers=bob.headers,
                                        data={"status": "live from the pier"})
            event, data = await asyncio.wait_for(_next_event(lines), 10)
            assert event == "update"
            assert json.loads(data)["content"] == "<p>live from the pier</p>"
            assert time.monotonic() - sent_at < 2.0
            await client.delete(f"/api/v1/statuses/{created.json()['id']}",
                                headers=bob.headers)
            event, data = await asyncio.wait_for(_next_event(lines), 10)
            assert (event, data) == ("delete", created.json()["id"])


async def test_a_blocked_reader_stops_receiving_the_blockers_posts(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        bob, cat = await register(client, "bob"), await register(client, "cat")
        await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=cat.headers)
        async with client.stream("GET", "/api/v1/streaming/user",
                                 params={"access_token": cat.token}) as stream:
            lines = stream.aiter_lines()
            await client.post(f"/api/v1/accounts/{cat.id}/block", headers=bob.headers)
            await client.post("/api/v1/statuses", headers=bob.headers,
                              data={"status": "not for cat"})
            await client.post("/api/v1/statuses", headers=cat.headers,
                              data={"status": "cats own"})
            event, data = await asyncio.wait_for(_next_event(lines), 10)
            assert (event, json.loads(data)["content"]) == ("update", "<p>cats own</p>")


@dataclass
class LongPoll:
    """Ann waiting on her home feed for anything newer than bob's first post."""

    bob: Person
    first_id: str
    answer: asyncio.Task[httpx.Response]


async def ann_polls_after_bobs_first_post(client: httpx.AsyncClient, *,
                                          polling: httpx.AsyncClient | None = None
                                          ) -> LongPoll:
    """Ann's long poll, through `polling` if given (another server process), else `client`."""
    ann, bob = await register(client, "ann"), await register(client, "bob")
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
    first = await client.post("/api/v1/statuses", headers=bob.headers,
                               data={"status": "first"})
    await asyncio.sleep(0.5)
    answer = asyncio.create_task((polling or client).get(
        "/api/v1/timelines/home", headers=ann.headers,
        params={"min_id": first.json()["id"], "wait": "20"}))
    await asyncio.sleep(0.5)
    return LongPoll(bob=bob, first_id=first.json()["id"], answer=answer)


async def test_long_poll_answers_when_a_post_arrives(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        poll = await ann_polls_after_bobs_first_post(client)
        assert not poll.answer.done(), "nothing newer yet, so the poll waits"
        started = time.monotonic()
        await client.post("/api/v1/statuses", headers=poll.bob.headers,
                          data={"status": "second"})
        answer = await asyncio.wait_for(poll.answer, 10)
        assert time.monotonic() - started < 3
        assert [s["content"] for s in answer.json()] == ["<p>second</p>"]


async def test_long_poll_waits_on_through_news_it_may_not_show(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        poll = await ann_polls_after_bobs_first_post(client)
        bob = poll.bob
        # News on bob's channel that ann's page does not show: a deletion, a direct post.
        await client.delete(f"/api/v1/statuses/{poll.first_id}", headers=bob.headers)
        await client.post("/api/v1/statuses", headers=bob.headers,
                          data={"status": "only for me", "visibility": "direct"})
        await asyncio.sleep(1.5)
        assert not poll.answer.done(), "nothing ann may see is newer, so the poll still waits"
        await client.post("/api/v1/statuses", headers=bob.headers, data={"status": "second"})
        answer = await asyncio.wait_for(poll.answer, 10)
        assert [s["content"] for s in answer.json()] == ["<p>second</p>"]


async def test_a_quiet_stream_keeps_delivering_after_heartbeats(tmp_path: Path) -> None:
    with serving(tmp_path / "live", env={"PHOTOFEED_STREAM_HEARTBEAT_SECONDS": "0.2"}) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            ann, bob = await register(client, "ann"), await register(client, "bob")
            await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
            async with client.stream("GET", "/api/v1/streaming/user",
                                     headers=ann.headers) as stream:
                lines = stream.aiter_lines()
                beats = 0
                async for line in lines:
                    beats += line == ":thump"
                    if beats == 5:
                        break
                await client.post("/api/v1/statuses", headers=bob.headers,
                                  data={"status": "after the quiet"})
                event, data = await asyncio.wait_for(_next_event(lines), 10)
                assert event == "update"
                assert json.loads(data)["content"] == "<p>after the quiet</p>"
