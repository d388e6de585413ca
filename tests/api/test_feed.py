"""The News Feed in each fan-out mode: what appears, what disappears, and paging."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from photofeed.config import Settings
from photofeed.workers.runner import OutboxWorker
from tests.api.support import Person, register
from tests.conftest import FAST_HASHING
from tests.running_app import started

MODES = ["push", "pull", "hybrid"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["sqlite", "scale-out"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, redis_settings: dict[str, str], tmp_path: Path,
             mode: str) -> Settings:
    # Workers are drained by the tests themselves, so every step is deterministic; a
    # celebrity threshold of 3 makes hybrid mode pull for the busiest authors here.
    return Settings(data_dir=tmp_path / "data", database_url=database_url, fanout=mode,
                    celebrity_followers=3, inprocess_workers=False, **FAST_HASHING,
                    **redis_settings)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with started(settings) as application:
        yield application


async def drain(app: FastAPI) -> None:
    container = app.state.container
    await OutboxWorker(container.outbox, container.handlers).run_until_idle()


async def post(client: httpx.AsyncClient, who: Person, text: str,
               visibility: str = "public") -> str:
    response = await client.post("/api/v1/statuses", headers=who.headers,
                                 data={"status": text, "visibility": visibility})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def feed(client: httpx.AsyncClient, who: Person, **params: str) -> list[str]:
    response = await client.get("/api/v1/timelines/home", headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    return [s["content"] for s in response.json()]


async def follow(client: httpx.AsyncClient, who: Person, whom: Person) -> None:
    response = await client.post(f"/api/v1/accounts/{whom.id}/follow", headers=who.headers)
    assert response.status_code == 200, response.text


async def test_feed_follows_the_graph(app: FastAPI, client: httpx.AsyncClient) -> None:
    ann, bob, cat = [await register(client, n) for n in ("ann", "bob", "cat")]
    await post(client, bob, "bob before")
    await follow(client, ann, bob)
    await drain(app)
    assert await feed(client, ann) == ["<p>bob before</p>"], "follow back-fills"
    await post(client, ann, "ann own")
    await post(client, bob, "bob after")
    await post(client, cat, "cat stranger")
    await drain(app)
    assert await feed(client, ann) == ["<p>bob after</p>", "<p>ann own</p>",
                                       "<p>bob before</p>"]

    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=ann.headers)
    assert await feed(client, ann) == ["<p>ann own</p>"], "unfollow hides at once"
    await drain(app)
    assert await feed(client, ann) == ["<p>ann own</p>"]


async def test_private_deleted_and_blocked_posts_leave_the_feed(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    cat = await register(client, "cat", locked=True)
    await follow(client, ann, bob)
    await follow(client, ann, cat)
    await drain(app)
    await post(client, cat, "cat private", visibility="private")
    await post(client, bob, "bob for followers", visibility="private")
    doomed = await post(client, bob, "bob deleted")
    await drain(app)
    assert await feed(client, ann) == ["<p>bob deleted</p>", "<p>bob for followers</p>"]
    await client.delete(f"/api/v1/statuses/{doomed}", headers=bob.headers)
    assert await feed(client, ann) == ["<p>bob for followers</p>"]
    await client.post(f"/api/v1/follow_requests/{ann.id}/authorize", headers=cat.headers)
    await drain(app)
    assert "<p>cat private</p>" in await feed(client, ann), "approval back-fills"
    await client.post(f"/api/v1/accounts/{ann.id}/block", headers=bob.headers)
    await drain(app)
    assert await feed(client, ann) == ["<p>cat private</p>"]


async def test_a_feed_read_again_shows_every_change_since(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    # Posts and authors are decoded and rendered once and then reused across reads and
    # readers; a like, a comment or a new display name must still show on the next read,
    # and one reader's like must not show as another's.
    ann, bob, cat = [await register(client, n) for n in ("ann", "bob", "cat")]
    await follow(client, ann, bob)
    await follow(client, cat, bob)
    await drain(app)
    status_id = await post(client, bob, "bob's photo")
    await drain(app)

    async def shown(reader: Person) -> dict:
        response = await client.get("/api/v1/timelines/home", headers=reader.headers)
        assert response.status_code == 200, response.text
        return dict(response.json()[0])

    before = await shown(ann)
    assert (before["favourites_count"], before["replies_count"], before["favourited"]) == \
        (0, 0, False)
    await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=ann.headers)
    await client.post("/api/v1/statuses", headers=cat.headers,
                      data={"status": "nice", "in_reply_to_id": status_id})
    changed = await client.patch("/api/v1/accounts/update_credentials", headers=bob.headers,
                                 data={"display_name": "Bob Builder"})
    assert changed.status_code == 200, changed.text
    for reader, liked in ((ann, True), (cat, False)):
        after = await shown(reader)
        assert after["favourites_count"] == 1
        assert after["replies_count"] == 1
        assert after["favourited"] is liked, reader
        assert after["account"]["display_name"] == "Bob Builder"


async def test_paging_through_a_long_feed_has_no_gaps_or_repeats(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    await follow(client, ann, bob)
    for i in range(25):
        await post(client, bob, f"post {i}")
    await drain(app)
    seen: list[str] = []
    response = await client.get("/api/v1/timelines/home?limit=7", headers=ann.headers)
    newest = response.json()[0]["id"]
    while response.json():
        seen += [s["content"] for s in response.json()]
        next_url = response.headers["link"].split(">", 1)[0].lstrip("<")
        await post(client, bob, "arrives while paging")
        response = await client.get(next_url, headers=ann.headers)
    assert seen == [f"<p>post {i}</p>" for i in reversed(range(25))]
    await drain(app)
    newer = await client.get(f"/api/v1/timelines/home?min_id={newest}", headers=ann.headers)
    assert [s["content"] for s in newer.json()] == ["<p>arrives while paging</p>"] * 4


async def test_every_mode_gives_the_same_feed_on_a_random_graph(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    rng = random.Random(7)
    people = [await register(client, f"p{i}", locked=i % 5 == 4) for i in range(10)]
    for reader in people:
        for author in rng.sample(people, 4):
            if author is not reader:
                await follow(client, reader, author)
    for reader in people:
        pending = await client.get("/api/v1/follow_requests", headers=reader.headers)
        for asker in pending.json()[:1]:
            await client.post(f"/api/v1/follow_requests/{asker['id']}/authorize",
                              headers=reader.headers)
    for i in range(30):
        author = rng.choice(people)
        await post(client, author, f"{author.username} says {i}",
                   visibility=rng.choice(["public", "unlisted", "private"]))
    await drain(app)
    expected = await _expected_feeds(client, people)
    for reader in people:
        assert await feed(client, reader, limit="40") == expected[reader.username], reader


async def _expected_feeds(client: httpx.AsyncClient, people: list[Person]) -> dict[str, list]:
    """Each reader's feed worked out from the graph and the posts alone."""
    result = {}
    for reader in people:
        following = await client.get(f"/api/v1/accounts/{reader.id}/following?limit=80",
                                     headers=reader.headers)
        authors = {a["id"] for a in following.json()} | {reader.id}
        posts: list[dict] = []
        for author in people:
            if author.id in authors:
                grid = await client.get(f"/api/v1/accounts/{author.id}/statuses?limit=40",
                                        headers=reader.headers)
                posts += grid.json()
        posts.sort(key=lambda s: int(s["id"]), reverse=True)
        result[reader.username] = [s["content"] for s in posts]
    return result
